from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "panah.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from panah.core import sweep

        from . import panels, rules, signals, tasks, uploads  # noqa: F401

        tasks.register()

        sweep.register(
            "evidence-uploads",
            f"evidence import uploads waiting longer than {uploads.STALE_SECONDS // 3600} hours",
            uploads.remove_stale,
        )
