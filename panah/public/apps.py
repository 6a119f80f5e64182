from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "panah.public"
    label = "public"
    verbose_name = _("Public pages")

    def ready(self) -> None:
        from . import rules  # noqa: F401
