from django.apps import AppConfig


class ShelterConfig(AppConfig):
    name = "panah.shelter"
    label = "shelter"
