from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"

    def ready(self) -> None:
        # Signal receivers: the sign-in counters, the sign-in's start, the access history.
        from . import audit, sessions, throttle  # noqa: F401
