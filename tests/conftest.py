from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice


@pytest.fixture(scope="session", autouse=True)
def _collected_static(django_db_blocker: object) -> None:
    """Tests run with production settings, whose static storage serves hashed names from
    a manifest: collect once, so a template naming a missing file fails as it would live."""
    call_command("collectstatic", "--noinput", verbosity=0)


def sign_in(client: Client, user: Any) -> Client:
    """Sign `user` in with a verified second factor, as after the staff sign-in page."""
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Test codes")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    """pytest-django's admin client, past the back office's second factor."""
    return sign_in(client, admin_user)
