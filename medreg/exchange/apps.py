from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "medreg.exchange"
    label = "exchange"
