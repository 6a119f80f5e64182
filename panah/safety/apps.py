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
        from panah.people.subject_access import register_section  # noqa: PLC0415 (the app registry is not ready before ready())

        from . import rules  # noqa: PLC0415, F401 (registers the safety permissions)
        from . import subject_access as sections  # noqa: PLC0415 (the app registry is not ready before ready())

        # The safety compartment holds in the export too: only a member who may open the
        # person's safety file lists it (docs/security.md, "Subject access").
        for key, collect_section in sections.SECTIONS.items():
            register_section(
                key, collect_section, permission="safety.view_person", heading=sections.heading(key)
            )

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
