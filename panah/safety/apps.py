from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "panah.safety"
    label = "safety"
