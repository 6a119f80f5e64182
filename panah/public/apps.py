from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "panah.public"
    label = "public"
