"""Demo staff accounts, for `make run` only (the command refuses when DEBUG is off)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from contactpoints.models import ContactPoint
from users import roles
from users.models import User
from visits.models import Assignment

DEMO_OFFICER_CONTACT_POINTS = [
    "beethoven-centre-contact-point",
    "st-johns-wood-library-contact-point",
    "charing-cross-police-station",
]
BACKUP_CODES = 5


def demo_staff_account(*, username: str, role: str, assigned: list[str]) -> tuple[str, list[str]]:
    """Create or refresh a demo account in `role`: a new random password and new
    single-use security codes each time. Returns (password, codes)."""
    user, _ = User.objects.get_or_create(username=username)
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.first_name, user.last_name = "Demo", role
    user.is_staff = role in roles.BACK_OFFICE
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    for slug in assigned:
        contact_point = ContactPoint.objects.filter(slug=slug).first()
        if contact_point:
            Assignment.objects.get_or_create(officer=user, contact_point=contact_point)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return password, codes


def refuse_without_debug() -> None:
    """Demo accounts have their passwords printed: the commands refuse them, before loading
    anything, on a site not in DEBUG mode."""
    if not settings.DEBUG:
        raise CommandError(
            "Demo staff accounts are only created when DEBUG is on, never in production."
        )


def create_demo_staff(write: Callable[[str], object]) -> None:
    """One account per role, each with backup codes as its second factor; two managers,
    since a review is published only when a second manager approves it. `write` is given
    each line saying how to sign in."""
    accounts = [
        ("demo-officer", roles.OFFICER, DEMO_OFFICER_CONTACT_POINTS),
        ("demo-manager", roles.MANAGER, []),
        ("demo-approver", roles.MANAGER, []),
        ("demo-analyst", roles.ANALYST, []),
    ]
    write("\nDemo staff accounts (development only; new passwords each start):")
    for username, role, assigned in accounts:
        password, codes = demo_staff_account(username=username, role=role, assigned=assigned)
        write(
            f"  {role:<8} username {username}  password {password}  "
            f"security codes (single use) {' '.join(codes)}"
        )
    write(
        "  Sign in at http://127.0.0.1:8000/accounts/login/ (counter page: /staff/; "
        "back office: /admin/ for the managers and the analyst; a review drafted by "
        "demo-manager is published when demo-approver approves it).\n"
    )
