from django.apps import AppConfig


class PortalsConfig(AppConfig):
    name = "medreg.portals"
    label = "portals"
