"""Who may enter the back office, and what no one can grant themselves there."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import sign_in
from tests.factories import staff_user
from users import roles
from users.models import User

pytestmark = pytest.mark.django_db


def test_an_officer_in_the_back_office_is_told_where_to_go(client: Client) -> None:
    officer = staff_user("pc", roles.OFFICER)
    sign_in(client, officer)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert "The back office is not part of your role" in page
    assert 'href="/staff/"' in page


def test_anyone_not_signed_in_is_sent_to_sign_in(client: Client) -> None:
    response = client.get("/admin/contactpoints/contactpoint/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith("/accounts/login/?next=")


def test_an_administrator_cannot_make_anyone_a_superuser(client: Client) -> None:
    administrator = staff_user("admin-role", roles.ADMINISTRATOR)
    sign_in(client, administrator)
    url = f"/admin/users/user/{administrator.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    client.post(
        url,
        {
            "username": administrator.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-11-27",
            "date_joined_1": "10:00:00",
            "groups": [g.pk for g in administrator.groups.all()],
        },
    )
    administrator.refresh_from_db()
    assert not administrator.is_superuser
    root = User.objects.create_superuser("root", password="a long root password")
    # A superuser's account is read-only to them: no change, no new password.
    assert client.post(f"/admin/users/user/{root.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/users/user/{root.pk}/password/").status_code == 403
