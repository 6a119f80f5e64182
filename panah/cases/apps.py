from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "panah.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import panels, rules, tasks  # noqa: F401 (registers permissions and dashboard panels)

        tasks.register()
