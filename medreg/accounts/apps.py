from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "medreg.accounts"
    label = "accounts"
    verbose_name = "Accounts"
