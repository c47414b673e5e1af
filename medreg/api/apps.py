from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "medreg.api"
    label = "api"
