from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "panah.advocacy"
    label = "advocacy"

    def ready(self) -> None:
        from . import rules  # noqa: PLC0415, F401  (adds the advocacy permissions to the one table)

    def load_demo_records(self, organisation, progress) -> None:
        """This app's part of `panah demo` (panah.core.demo.load_demo_records)."""
        from .demo import load_demo_records  # noqa: PLC0415 (demo code loads only for `panah demo`)

        load_demo_records(organisation, progress)
