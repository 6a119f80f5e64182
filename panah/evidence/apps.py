from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "panah.evidence"
    label = "evidence"
