import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser

from contactpoints.demo import load_demo

MANAGER_MODELS = ["contactpoint", "openingrule", "hoursexception"]


class Command(BaseCommand):
    help = "Load the demo contact points (idempotent). Optionally create demo staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Put every demo contact point back as shipped, undoing edits to them.",
        )
        parser.add_argument(
            "--with-staff",
            action="store_true",
            help="Create a demo manager account and print its password (DEBUG only).",
        )

    def handle(self, *args: Any, reset: bool, with_staff: bool, **options: Any) -> None:
        if with_staff and not settings.DEBUG:
            raise CommandError(
                "Demo staff accounts are only created when DEBUG is on, never in production."
            )
        created, restored = load_demo(reset=reset)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo contact points: {created} created, {restored} reset, "
                "the rest already present."
            )
        )
        if with_staff:
            self._create_manager()

    def _create_manager(self) -> None:
        group, _ = Group.objects.get_or_create(name="Managers")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="contactpoints", content_type__model__in=MANAGER_MODELS
            )
        )
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(
            username="demo-manager", defaults={"first_name": "Demo", "last_name": "Manager"}
        )
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(group)
        self.stdout.write(
            "\nDemo back office (development only): http://127.0.0.1:8000/admin/\n"
            f"  username: demo-manager\n  password: {password}\n"
            "  (a new password is set each time the demo starts)\n"
        )
