from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "medreg.people"
    label = "people"
    verbose_name = "Physicians and nurses"
