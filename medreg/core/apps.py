from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "medreg.core"
    label = "core"
    verbose_name = "MedReg core"
