from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """The project's user, custom from the first migration so it can grow (roles, 2FA)."""

    class Meta:
        db_table = "users_user"


class SignInThrottle(models.Model):
    """Wrong sign-ins counted for one username, or for one client address: each is paused
    on its own (users/throttle.py)."""

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text="user:<username> (unknown browsers), device:<nonce> (a browser the user "
        "has signed in on) or ip:<address>",
    )
    failures = models.PositiveIntegerField(default=0)
    first_failure = models.DateTimeField(help_text="Counting starts again a day after this.")
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in pause"
        ordering = ["-paused_until"]

    def __str__(self) -> str:
        return self.key


class SignInFailure(models.Model):
    """A wrong try at an existing account, shown to its owner when they next sign in, then
    deleted. Only the time and whether it came from a browser they had used are kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_failures"
    )
    at = models.DateTimeField(default=timezone.now)
    known_device = models.BooleanField(
        help_text="From a browser this user had signed in on before."
    )

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.user} at {self.at:%Y-%m-%d %H:%M}"


class AccessRecord(models.Model):
    """One change to a credential or a permission: a password, a second-factor device,
    superuser or staff status, an account's groups or permissions, a group's permissions
    (users/audit.py). Written by the change itself, never edited."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for a change made outside a request (a management command).",
    )
    actor_name = models.CharField(max_length=150, help_text="Kept if the account goes.")
    subject = models.CharField(max_length=300)
    action = models.CharField(max_length=100)
    details = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "access change"

    def __str__(self) -> str:
        return f"{self.actor_name}: {self.action} ({self.subject})"
