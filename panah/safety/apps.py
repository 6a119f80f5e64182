from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "panah.safety"
    label = "safety"
    verbose_name = "Safety"

    def erase_person_data(self, person) -> list[str]:
        """Called by panah.people.erasure: shred the person's sealed facts (see erasure.py)."""
        from .erasure import erase_sealed_facts  # noqa: PLC0415 (the app registry is not ready before ready())

        return erase_sealed_facts(person)

    def ready(self) -> None:
        from . import rules  # noqa: PLC0415, F401 (registers the safety permissions)

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
