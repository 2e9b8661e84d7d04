"""Demo staff accounts, for `make run` only (the command refuses when DEBUG is off)."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import Group
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
