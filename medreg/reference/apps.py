from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "medreg.reference"
    label = "reference"
    verbose_name = "Reference code tables"
