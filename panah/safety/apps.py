from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "panah.safety"
    label = "safety"
    verbose_name = "Safety"

    def ready(self) -> None:
        from . import rules  # noqa: F401 (registers the safety permissions)
