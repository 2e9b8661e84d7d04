"""No one gains power in the back office that they did not have: every role tries every
path to more (roles and their permissions, accounts, passwords, email addresses, second
factors), and afterwards no one holds more than the attacker held before, no one else's
credentials changed, and no account exists whose password the attacker chose. Every
credential or permission change that is allowed is in the access history."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in
from tests.factories import staff_user
from users import roles
from users.models import AccessRecord, User

pytestmark = pytest.mark.django_db

CHOSEN = "attacker chose this 1"


def _world() -> dict[str, Any]:
    """Everything that is power: each account's effective permissions and credentials,
    each role's permissions, every second-factor device."""
    accounts = {}
    for user in User.objects.all():
        user = User.objects.get(pk=user.pk)  # no cached permissions
        accounts[user.username] = {
            "permissions": frozenset(user.get_all_permissions()),
            "password": user.password,
            "superuser": user.is_superuser,
            "staff": user.is_staff,
            "email": user.email,
        }
    return {
        "accounts": accounts,
        "roles": {
            g.name: frozenset(g.permissions.values_list("pk", flat=True))
            for g in Group.objects.all()
        },
        "devices": sorted(
            [(d.user_id, d.name, d.key, d.confirmed) for d in TOTPDevice.objects.all()]
            + [(d.user_id, d.name, "", d.confirmed) for d in StaticDevice.objects.all()]
        ),
        "tokens": sorted(StaticToken.objects.values_list("device_id", "token")),
    }


def _user_form(user: User, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-11-27",
        "date_joined_1": "10:00:00",
        "groups": list(user.groups.values_list("pk", flat=True)),
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data.update(changes)
    return data


def _all_permissions() -> list[int]:
    return list(Permission.objects.values_list("pk", flat=True))


# Each attack: (client, attacker, victim) -> None. Each posts what the back office would.
def edit_own_role(client: Client, me: User, victim: User) -> None:
    for group in me.groups.all():
        client.post(
            f"/admin/auth/group/{group.pk}/change/",
            {"name": group.name, "permissions": _all_permissions()},
        )


def make_a_role_and_take_it(client: Client, me: User, victim: User) -> None:
    client.post("/admin/auth/group/add/", {"name": "Everything", "permissions": _all_permissions()})
    group = Group.objects.filter(name="Everything").first()
    if group:
        client.post(
            f"/admin/users/user/{me.pk}/change/",
            _user_form(me, groups=[*me.groups.values_list("pk", flat=True), group.pk]),
        )


def take_every_role(client: Client, me: User, victim: User) -> None:
    client.post(
        f"/admin/users/user/{me.pk}/change/",
        _user_form(me, groups=list(Group.objects.values_list("pk", flat=True))),
    )


def take_permissions_directly(client: Client, me: User, victim: User) -> None:
    client.post(
        f"/admin/users/user/{me.pk}/change/",
        _user_form(me, user_permissions=_all_permissions(), is_superuser="on"),
    )


def set_a_colleagues_password(client: Client, me: User, victim: User) -> None:
    client.post(
        f"/admin/users/user/{victim.pk}/password/",
        {"password1": CHOSEN, "password2": CHOSEN, "usable_password": "true"},
    )


def redirect_a_colleagues_email(client: Client, me: User, victim: User) -> None:
    client.post(
        f"/admin/users/user/{victim.pk}/change/",
        _user_form(victim, email="attacker@example.org"),
    )


def add_an_account_with_a_known_password(client: Client, me: User, victim: User) -> None:
    client.post(
        "/admin/users/user/add/",
        {
            "username": "sockpuppet",
            "email": "sock@example.org",
            "password1": CHOSEN,
            "password2": CHOSEN,
            "usable_password": "true",
        },
    )
    puppet = User.objects.filter(username="sockpuppet").first()
    if puppet:
        client.post(
            f"/admin/users/user/{puppet.pk}/change/",
            _user_form(puppet, groups=list(Group.objects.values_list("pk", flat=True))),
        )


def add_an_authenticator_to_a_colleague(client: Client, me: User, victim: User) -> None:
    client.post(
        "/admin/otp_totp/totpdevice/add/",
        {
            "user": victim.pk,
            "name": "mine now",
            "confirmed": "on",
            "key": "3132333435363738393031323334353637383930",
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )


def add_codes_to_a_colleague(client: Client, me: User, victim: User) -> None:
    client.post(
        "/admin/otp_static/staticdevice/add/",
        {
            "user": victim.pk,
            "name": "mine now",
            "confirmed": "on",
            "throttling_failure_count": 0,
            "token_set-TOTAL_FORMS": 1,
            "token_set-INITIAL_FORMS": 0,
            "token_set-0-token": "known-code",
        },
    )
    device = StaticDevice.objects.filter(user=victim).first()
    if device:
        client.post(
            f"/admin/otp_static/staticdevice/{device.pk}/change/",
            {
                "user": victim.pk,
                "name": device.name,
                "confirmed": "on",
                "throttling_failure_count": 0,
                "token_set-TOTAL_FORMS": 1,
                "token_set-INITIAL_FORMS": 0,
                "token_set-0-token": "known-code",
            },
        )


def delete_a_role(client: Client, me: User, victim: User) -> None:
    group = Group.objects.get(name=roles.MANAGER)
    client.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})


ATTACKS: list[Callable[[Client, User, User], None]] = [
    edit_own_role,
    make_a_role_and_take_it,
    take_every_role,
    take_permissions_directly,
    set_a_colleagues_password,
    redirect_a_colleagues_email,
    add_an_account_with_a_known_password,
    add_an_authenticator_to_a_colleague,
    add_codes_to_a_colleague,
    delete_a_role,
]


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
@pytest.mark.parametrize("role", [roles.OFFICER, roles.ANALYST, roles.MANAGER, roles.ADMINISTRATOR])
def test_no_role_gains_power_by_any_back_office_path(role: str, attack: Callable) -> None:
    me = staff_user("attacker", role)
    victim = staff_user("victim", roles.MANAGER)
    User.objects.filter(pk=victim.pk).update(email="victim@example.org")
    victim.refresh_from_db()
    client = sign_in(Client(), me)
    before = _world()
    held = before["accounts"]["attacker"]["permissions"]

    attack(client, me, victim)

    after = _world()
    assert after["roles"] == before["roles"], "a role's permissions changed"
    assert after["devices"] == before["devices"], "a second factor was added or changed"
    assert after["tokens"] == before["tokens"], "a single-use code was added"
    for name, account in after["accounts"].items():
        assert not account["superuser"], f"{name} became a superuser"
        was = before["accounts"].get(name, {"permissions": frozenset()})
        gained = account["permissions"] - was["permissions"]
        assert gained <= held, f"{name} gained more than the attacker held: {gained - held}"
        if name in before["accounts"]:
            if name != "attacker":
                assert account["password"] == was["password"], f"{name}'s password changed"
                assert account["email"] == was["email"], f"{name}'s email changed"
        else:  # a new account: no password anyone but its owner will choose
            assert not User.objects.get(username=name).has_usable_password()


def test_the_device_pages_show_no_secret_to_anyone_but_a_superuser() -> None:
    administrator = sign_in(Client(), staff_user("admin-role", roles.ADMINISTRATOR))
    TOTPDevice.objects.create(user=User.objects.get(username="admin-role"), name="phone")
    for page in ("/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"):
        assert administrator.get(page).status_code == 403
    assert "otp_totp" not in administrator.get("/admin/").content.decode()


def test_an_administrator_gives_roles_they_hold_and_keeps_those_they_cannot_give() -> None:
    administrator = staff_user("admin-role", roles.ADMINISTRATOR)
    client = sign_in(Client(), administrator)
    newcomer = staff_user("newcomer", roles.OFFICER)
    manager = Group.objects.get(name=roles.MANAGER)
    response = client.post(
        f"/admin/users/user/{newcomer.pk}/change/",
        _user_form(newcomer, groups=[*newcomer.groups.values_list("pk", flat=True), manager.pk]),
    )
    assert response.status_code == 302
    assert set(newcomer.groups.values_list("name", flat=True)) == {roles.OFFICER, roles.MANAGER}


def test_a_new_colleague_sets_their_own_password_from_a_link() -> None:
    administrator = sign_in(Client(), staff_user("admin-role", roles.ADMINISTRATOR))
    response = administrator.post(
        "/admin/users/user/add/",
        {"username": "newcomer", "email": "newcomer@example.org"},
        follow=True,
    )
    assert "A link to set a password was sent to newcomer@example.org." in response.content.decode()
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.has_usable_password()
    (email,) = mail.outbox
    assert email.to == ["newcomer@example.org"]
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", email.body).group(1)

    browser = Client()
    form = browser.get(link, follow=True)
    assert "Set your password" in form.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0],
        {"new_password1": "my own long password", "new_password2": "my own long password"},
        follow=True,
    )
    assert "Password set" in done.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.check_password("my own long password")
    assert "has been used already" in Client().get(link, follow=True).content.decode()

    history = list(
        AccessRecord.objects.filter(subject="user newcomer").values_list("actor_name", "action")
    )
    assert ("admin-role", "account created") in history
    assert ("not signed in", "password changed") in history


def test_every_credential_and_permission_change_is_in_the_access_history() -> None:
    root = User.objects.create_superuser("root", password="a long root password")
    client = sign_in(Client(), root)
    victim = staff_user("victim", roles.OFFICER)
    manager = Group.objects.get(name=roles.MANAGER)
    some = list(Permission.objects.filter(codename="view_accessrecord"))

    client.post(
        f"/admin/users/user/{victim.pk}/password/",
        {"password1": CHOSEN, "password2": CHOSEN, "usable_password": "true"},
    )
    client.post(
        f"/admin/users/user/{victim.pk}/change/",
        _user_form(victim, groups=[manager.pk], is_staff="on", email="v@example.org"),
    )
    client.post(
        f"/admin/auth/group/{manager.pk}/change/",
        {
            "name": manager.name,
            "permissions": [*manager.permissions.values_list("pk", flat=True), some[0].pk],
        },
    )
    add_an_authenticator_to_a_colleague(client, root, victim)
    client.post(
        f"/admin/users/user/{victim.pk}/change/",
        _user_form(User.objects.get(pk=victim.pk), is_active=""),
    )

    history = set(AccessRecord.objects.filter(actor=root).values_list("subject", "action"))
    assert {
        ("user victim", "password changed"),
        ("user victim", "groups added"),
        ("user victim", "groups removed"),
        ("user victim", "back office access given"),
        ("user victim", "email changed"),
        ("group Manager", "permissions added"),
        ("user victim (authenticator app “mine now”)", "second-factor device added"),
        ("user victim", "account deactivated"),
    } <= history
    granted = AccessRecord.objects.get(subject="group Manager", action="permissions added")
    assert granted.details == "users.view_accessrecord"
    # No one edits the history, superusers included.
    record = AccessRecord.objects.first()
    assert client.get(f"/admin/users/accessrecord/{record.pk}/delete/").status_code == 403
    assert client.post(f"/admin/users/accessrecord/{record.pk}/change/", {}).status_code == 403
