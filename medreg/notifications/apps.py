from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "medreg.notifications"
    label = "notifications"
    verbose_name = "Notifications"
