from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "demand"
    verbose_name = "Residents' voice: search demand"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
