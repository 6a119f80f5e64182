from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShelterConfig(AppConfig):
    name = "panah.shelter"
    label = "shelter"
    verbose_name = _("Shelter")

    def ready(self) -> None:
        from . import panels, rules, tasks  # noqa: F401 (registers permissions and dashboard panels)

        tasks.register()
