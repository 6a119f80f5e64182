from django.apps import AppConfig


class AdvocacyConfig(AppConfig):
    name = "panah.advocacy"
    label = "advocacy"
