from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """线上踏勘 (online site inspection), 电子会商 (e-consultation) and the practitioner–institution graph."""

    name = "medreg.supervision"
    label = "supervision"
    verbose_name = "Supervision"
