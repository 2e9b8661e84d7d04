"""The access history: every change to a credential or a permission, whoever makes it and
however (the back office, the set-password link, a management command, the shell).

These are signal receivers, an exception to the project's rule that writes go through
services (docs/decisions/0019-access-history-from-signals.md): the writes audited here
are made by Django's own auth forms and admin and by django-otp, which we do not own, and a
receiver is the one place that sees them all. Writes that skip model signals
(`QuerySet.update`, raw SQL) are not seen; the code never makes them to these tables.

Who made a change is the signed-in user of the request in progress (ActorMiddleware);
outside a request it is "command line".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccessRecord, User

_request: ContextVar[HttpRequest | None] = ContextVar("access_request", default=None)


class ActorMiddleware:
    """Makes the request's user the actor of any access change made while it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def record(subject: str, action: str, details: str = "") -> AccessRecord:
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        actor, name = user, user.get_username()
    else:
        actor, name = None, "not signed in" if request is not None else "command line"
    return AccessRecord.objects.create(
        actor=actor, actor_name=name, subject=subject[:300], action=action[:100], details=details
    )


def _names(objects: Iterable[Any]) -> str:
    return ", ".join(sorted(str(o) for o in objects))


def _permission_names(pks: Iterable[int]) -> str:
    return ", ".join(
        sorted(
            f"{app}.{codename}"
            for app, codename in Permission.objects.filter(pk__in=pks).values_list(
                "content_type__app_label", "codename"
            )
        )
    )


# --- Accounts -------------------------------------------------------------------------------
FLAGS = {
    "is_superuser": ("made a superuser", "superuser status removed"),
    "is_staff": ("back office access given", "back office access removed"),
    "is_active": ("account activated", "account deactivated"),
}


@receiver(pre_save, sender=User)
def _account_before(
    sender: Any, instance: User, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    if raw:
        return
    old = User.objects.filter(pk=instance.pk).first() if instance.pk else None
    if old is None:
        instance._access_changes = [("account created", "")]  # type: ignore[attr-defined]
        return
    changes = []
    if old.password != instance.password:
        # Django re-hashes a password on sign-in when the hasher changes: the same password,
        # saved with update_fields=["password"] and no new raw password. Not a change.
        rehash = instance._password is None and set(update_fields or ()) == {"password"}  # type: ignore[attr-defined]
        if not rehash:
            changes.append(
                ("password made unusable", "")
                if not instance.has_usable_password()
                else ("password changed", "")
            )
    for field, (on, off) in FLAGS.items():
        if getattr(old, field) != getattr(instance, field):
            changes.append((on if getattr(instance, field) else off, ""))
    if old.email != instance.email:
        changes.append(("email changed", f"{old.email or '(none)'} → {instance.email or '(none)'}"))
    if old.username != instance.username:
        changes.append(("username changed", f"{old.username} → {instance.username}"))
    instance._access_changes = changes  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _account_after(sender: Any, instance: User, raw: bool = False, **_: Any) -> None:
    for action, details in getattr(instance, "_access_changes", ()):
        record(f"user {instance.get_username()}", action, details)
    instance._access_changes = []  # type: ignore[attr-defined]


@receiver(post_delete, sender=User)
def _account_deleted(sender: Any, instance: User, **_: Any) -> None:
    record(f"user {instance.get_username()}", "account deleted")


# --- Memberships and permissions ---------------------------------------------------------
_WORDS = {"post_add": "added", "post_remove": "removed", "post_clear": "removed"}


def _m2m(
    *,
    owner: str,
    what: str,
    describe: Callable[[Iterable[int]], str],
    other_model: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **_: Any,
) -> None:
    """One record per owner (a user, or a group) whose set changed."""
    if action == "pre_clear":
        # Clearing does not say what it removed: read it first.
        if reverse:
            instance._access_cleared = list(  # type: ignore[attr-defined]
                other_model.objects.filter(**{what: instance}).values_list("pk", flat=True)
            )
        else:
            instance._access_cleared = list(  # type: ignore[attr-defined]
                getattr(instance, what).values_list("pk", flat=True)
            )
        return
    if action not in _WORDS:
        return
    pks = pk_set if action != "post_clear" else set(getattr(instance, "_access_cleared", ()))
    if not pks:
        return
    verb = _WORDS[action]
    if not reverse:
        record(f"{owner} {instance}", f"{what.replace('_', ' ')} {verb}", describe(pks))
    else:
        for other in other_model.objects.filter(pk__in=pks):
            record(f"{owner} {other}", f"{what.replace('_', ' ')} {verb}", describe([instance.pk]))


def _group_names(pks: Iterable[int]) -> str:
    return _names(Group.objects.filter(pk__in=pks))


# (the membership table, whose set it is, its field, how its members are named, the owners)
MEMBERSHIPS = [
    (User.groups.through, "user", "groups", _group_names, User),
    (User.user_permissions.through, "user", "user_permissions", _permission_names, User),
    (Group.permissions.through, "group", "permissions", _permission_names, Group),
]
for _through, _owner, _what, _describe, _owners in MEMBERSHIPS:
    m2m_changed.connect(
        partial(_m2m, owner=_owner, what=_what, describe=_describe, other_model=_owners),
        sender=_through,
        weak=False,  # a partial has no other reference to keep it alive
        dispatch_uid=f"access-{_owner}-{_what}",
    )


@receiver(post_save, sender=Group)
def _group_saved(sender: Any, instance: Group, created: bool, raw: bool = False, **_: Any) -> None:
    if created and not raw:
        record(f"group {instance}", "group created")


@receiver(post_delete, sender=Group)
def _group_deleted(sender: Any, instance: Group, **_: Any) -> None:
    record(f"group {instance}", "group deleted")


# --- Second-factor devices ----------------------------------------------------------------
# A device saves itself on every sign-in (its drift, throttling, last use): only these
# fields are a change of credential.
DEVICE_FIELDS = ("user_id", "name", "confirmed", "key")
DEVICE_KINDS = {TOTPDevice: "authenticator app", StaticDevice: "single-use codes"}


def _device_subject(device: Any) -> str:
    return f"user {device.user} ({DEVICE_KINDS[type(device)]} “{device.name}”)"


def _device_before(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    if raw:
        return
    old = sender.objects.filter(pk=instance.pk).values().first() if instance.pk else None
    if old is None:
        instance._access_changes = [("second-factor device added", "")]
        return
    changed = [f for f in DEVICE_FIELDS if f in old and old[f] != getattr(instance, f, old[f])]
    instance._access_changes = (
        [("second-factor device changed", ", ".join(changed).replace("_id", ""))] if changed else []
    )


def _device_after(sender: Any, instance: Any, raw: bool = False, **_: Any) -> None:
    for action, details in getattr(instance, "_access_changes", ()):
        record(_device_subject(instance), action, details)
    instance._access_changes = []


def _device_deleted(sender: Any, instance: Any, **_: Any) -> None:
    record(_device_subject(instance), "second-factor device removed")


for _model in DEVICE_KINDS:
    pre_save.connect(_device_before, sender=_model, dispatch_uid=f"access-{_model.__name__}-pre")
    post_save.connect(_device_after, sender=_model, dispatch_uid=f"access-{_model.__name__}-post")
    post_delete.connect(
        _device_deleted, sender=_model, dispatch_uid=f"access-{_model.__name__}-delete"
    )


@receiver(post_save, sender=StaticToken)
def _code_added(
    sender: Any, instance: StaticToken, created: bool, raw: bool = False, **_: Any
) -> None:
    # A used code is deleted at sign-in (not recorded); a new one is a new credential.
    if created and not raw:
        record(_device_subject(instance.device), "single-use code added")
