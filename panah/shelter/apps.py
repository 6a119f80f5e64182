from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelterConfig(AppConfig):
    name = "panah.shelter"
    label = "shelter"
    verbose_name = _("Shelter")

    def ready(self) -> None:
        from . import panels, rules, tasks  # noqa: PLC0415, F401 (registers permissions, dashboard panels and tasks)

        tasks.register()

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
