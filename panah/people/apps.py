from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "panah.people"
    label = "people"
