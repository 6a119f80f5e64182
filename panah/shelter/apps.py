from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelterConfig(AppConfig):
    name = "panah.shelter"
    label = "shelter"
    verbose_name = _("Shelter")

    def ready(self) -> None:
        from panah.people.subject_access import register_section  # noqa: PLC0415 (the app registry is not ready before ready())

        from . import panels, rules, tasks  # noqa: PLC0415, F401 (registers permissions, dashboard panels and tasks)
        from . import subject_access as sections  # noqa: PLC0415 (the app registry is not ready before ready())

        register_section("shelter", sections.shelter_records)
        register_section("accommodation", sections.accommodation_records)
        register_section("hosting", sections.hosting_records)
        tasks.register()

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
