import io
from typing import Any

import segno
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from users.models import User


class Command(BaseCommand):
    help = (
        "Give a staff member their second factor: an authenticator app (scan the QR code "
        "shown) and single-use backup codes. Replaces any they had."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--codes", type=int, default=8, help="How many backup codes")

    def handle(self, *args: Any, username: str, codes: int, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called “{username}”.")
        TOTPDevice.objects.filter(user=user).delete()
        app = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
        StaticDevice.objects.filter(user=user).delete()
        backup = StaticDevice.objects.create(user=user, name="Backup codes")
        tokens = [StaticToken.random_token() for _ in range(codes)]
        for token in tokens:
            backup.token_set.create(token=token)
        self.stdout.write(f"Authenticator app for {username}: scan this QR code, or enter the URL.")
        picture = io.StringIO()
        segno.make(app.config_url, error="l").terminal(out=picture, compact=True)
        self.stdout.write(picture.getvalue())
        self.stdout.write(app.config_url)
        self.stdout.write(f"Backup codes (each works once): {' '.join(tokens)}")
