from django.apps import AppConfig


class ContactPointsConfig(AppConfig):
    name = "contactpoints"
    verbose_name = "Contact points"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
