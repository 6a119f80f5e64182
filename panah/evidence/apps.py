from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "panah.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        from panah.core import sweep  # noqa: PLC0415 (the app registry is not ready before ready())

        from . import panels, rules, signals, tasks, uploads  # noqa: PLC0415, F401 (the app registry is not ready before ready())

        tasks.register()

        sweep.register(
            "evidence-uploads",
            f"evidence import uploads waiting longer than {uploads.STALE_SECONDS // 3600} hours",
            uploads.remove_stale,
        )

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
