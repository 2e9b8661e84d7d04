"""What a signed-in person may do, read in one query: the same permissions Django's own
ModelBackend gives (their own and their groups', every one for a superuser, none when
inactive), at the cost of one statement per request instead of two."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from users.models import User

pytestmark = pytest.mark.django_db


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # no permissions cached on the object


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


@pytest.mark.parametrize("kind", ["own and groups'", "superuser", "inactive", "none"])
def test_permissions_are_djangos_in_one_query(kind: str) -> None:
    user = User.objects.create_user("someone", is_superuser=kind == "superuser",
                                    is_active=kind != "inactive")  # fmt: skip
    if kind != "none":
        user.user_permissions.add(_perm("view_group"))
        group = Group.objects.create(name="Readers")
        group.permissions.add(_perm("view_permission"), _perm("view_group"))
        user.groups.add(group, Group.objects.create(name="Empty"))
    expected = ModelBackend().get_all_permissions(_fresh(user))
    user = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        held = user.get_all_permissions()
        assert user.has_perm("auth.view_permission") is ("auth.view_permission" in expected)
        assert user.has_perms(["auth.view_group", "auth.view_permission"]) is (
            {"auth.view_group", "auth.view_permission"} <= expected
        )
    assert held == expected
    assert len(queries) == (0 if kind == "inactive" else 1)
    if kind == "own and groups'":
        assert held == {"auth.view_group", "auth.view_permission"}
