from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "medreg.applications"
    label = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from medreg.applications import items

        items.autodiscover()
