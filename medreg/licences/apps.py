from django.apps import AppConfig


class LicencesConfig(AppConfig):
    name = "medreg.licences"
    label = "licences"
    verbose_name = "Electronic licences"
