from django.apps import AppConfig


class ContactPointsConfig(AppConfig):
    name = "contactpoints"
    verbose_name = "Contact points"
