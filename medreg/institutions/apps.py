from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "medreg.institutions"
    label = "institutions"
    verbose_name = "Medical institutions"
