from django.apps import AppConfig


class PublishingConfig(AppConfig):
    """The figures the public may see of how contact points are used: the roll-up, the
    monthly release, disclosure control and noise, and the usage pages."""

    name = "publishing"
    verbose_name = "Published figures"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the system check)
