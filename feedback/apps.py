from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Residents' voice: visitor feedback"

    def ready(self) -> None:
        from . import signals  # noqa: F401 (connects the receivers)
