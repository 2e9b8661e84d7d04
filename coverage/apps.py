from django.apps import AppConfig


class CoverageConfig(AppConfig):
    name = "coverage"
    verbose_name = "Coverage"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
