from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: what every other app may use, and which uses none of them."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import finality

        connection_created.connect(finality.on_connection, dispatch_uid="core-finality")
