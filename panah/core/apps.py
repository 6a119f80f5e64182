from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "panah.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks, read_alerts, signals  # noqa: PLC0415, F401 (connects signal receivers)
        from .scoping import close_gaps  # noqa: PLC0415 (the app registry is not ready before ready())

        close_gaps()
