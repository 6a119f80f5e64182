from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "panah.safety"
    label = "safety"
    verbose_name = "Safety"

    def erase_person_data(self, person) -> list[str]:
        """Called by panah.people.erasure: shred the person's sealed facts (see erasure.py)."""
        from .erasure import erase_sealed_facts

        return erase_sealed_facts(person)

    def ready(self) -> None:
        from . import rules  # noqa: F401 (registers the safety permissions)
