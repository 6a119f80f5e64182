from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "panah.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from . import panels, rules, signals  # noqa: F401
