from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "medreg.public"
    label = "public"
