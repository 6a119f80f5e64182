from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "panah.public"
    label = "public"
    verbose_name = _("Public pages")

    def ready(self) -> None:
        from . import rules  # noqa: PLC0415, F401 (the app registry is not ready before ready())

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
