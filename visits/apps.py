from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "Visits"

    def ready(self) -> None:
        from contactpoints.signals import hours_changed

        from .services import follow_hours

        hours_changed.connect(follow_hours, dispatch_uid="visits.follow_hours")
