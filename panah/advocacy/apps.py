from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "panah.advocacy"
    label = "advocacy"

    def ready(self) -> None:
        from . import rules  # noqa: F401  (adds the advocacy permissions to the one table)
