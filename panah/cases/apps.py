from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "panah.cases"
    label = "cases"
