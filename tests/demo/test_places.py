"""The demo data: real facts, every filter shows something, safe to load twice."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from contactpoints.models import FACILITIES, ContactPoint, Kind, Status

pytestmark = pytest.mark.django_db


def test_demo_covers_every_filter_and_is_idempotent() -> None:
    call_command("load_demo", verbosity=0)
    first = {cp.slug: cp.updated_at for cp in ContactPoint.objects.all()}
    call_command("load_demo", verbosity=0)
    assert {cp.slug: cp.updated_at for cp in ContactPoint.objects.all()} == first

    published = ContactPoint.objects.published()
    assert published.count() >= 15
    assert published.values("borough").distinct().count() > 1
    assert {cp.kind for cp in published} == set(Kind.values)
    assert {Status.OPEN, Status.CLOSED} <= {cp.status for cp in published}
    for facility, _label in FACILITIES:
        assert published.with_facility(facility).exists(), facility

    charing_cross = ContactPoint.objects.get(slug="charing-cross-police-station")
    assert charing_cross.postcode == "WC2N 4JP"
    assert charing_cross.kind == Kind.FRONT_COUNTER_24_7
    beethoven = ContactPoint.objects.get(slug="beethoven-centre-contact-point")
    assert [r.describe() for r in beethoven.opening_rules.all()] == [
        "Every Wednesday, 19:00 to 20:00",
        "Every Thursday, 19:00 to 20:00",
        "Every Saturday, 14:00 to 15:00",
    ]
    assert beethoven.replaces.get().slug == "harrow-road-police-station"
    marylebone = ContactPoint.objects.get(slug="marylebone-police-station")
    assert "not found" in marylebone.caveats
    assert marylebone.coordinates is None


def test_demo_keeps_staff_edits_unless_reset() -> None:
    call_command("load_demo", verbosity=0)
    ContactPoint.objects.filter(slug="beethoven-centre-contact-point").update(has_toilets=True)
    call_command("load_demo", verbosity=0)
    assert ContactPoint.objects.get(slug="beethoven-centre-contact-point").has_toilets
    call_command("load_demo", "--reset", verbosity=0)
    assert not ContactPoint.objects.get(slug="beethoven-centre-contact-point").has_toilets
    assert ContactPoint.objects.count() == len({cp.slug for cp in ContactPoint.objects.all()})


def test_demo_staff_accounts_never_in_production() -> None:
    with pytest.raises(CommandError, match="only created when DEBUG is on"):
        call_command("load_demo", "--with-staff", verbosity=0)
    assert not get_user_model().objects.exists()


@override_settings(DEBUG=True)
def test_demo_staff_sign_in_with_a_password_and_a_security_code(
    client: Client, capsys: object
) -> None:
    call_command("load_demo", "--with-staff")
    output = capsys.readouterr().out  # type: ignore[attr-defined]
    accounts = {}
    for line in output.splitlines():
        words = line.split()
        if "username" in words:
            username = words[words.index("username") + 1]
            password = words[words.index("password") + 1]
            codes = words[words.index("use)") + 1 :]
            accounts[username] = (password, codes)
    assert set(accounts) == {"demo-officer", "demo-manager", "demo-approver", "demo-analyst"}
    # Two managers: a review one drafts, the other may approve and publish.
    users = get_user_model().objects
    manager, approver = users.get(username="demo-manager"), users.get(username="demo-approver")
    assert manager.has_perm("reviews.publish_review")
    assert approver.has_perm("reviews.publish_review")

    password, codes = accounts["demo-manager"]
    signed_in = client.post(
        "/accounts/login/",
        {"username": "demo-manager", "password": password, "otp_token": codes[0]},
    )
    assert signed_in.status_code == 302
    assert client.get("/admin/contactpoints/contactpoint/").status_code == 200
    assert client.get("/admin/users/user/").status_code == 403
    assert client.get("/staff/").status_code == 200
