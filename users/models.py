from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """The project's user, custom from the first migration so it can grow (roles, 2FA)."""

    class Meta:
        db_table = "users_user"


class SignInThrottle(models.Model):
    """Wrong sign-ins counted for one username, or for one client address: each is paused
    on its own (users/throttle.py)."""

    key = models.CharField(max_length=200, unique=True, help_text="user:<username> or ip:<address>")
    failures = models.PositiveIntegerField(default=0)
    first_failure = models.DateTimeField(help_text="Counting starts again a day after this.")
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in pause"
        ordering = ["-paused_until"]

    def __str__(self) -> str:
        return self.key
