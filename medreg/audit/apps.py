from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "medreg.audit"
    label = "audit"
    verbose_name = "Audit"
