"""The back office's accounts, roles and second factors, shaped so that no one can give
themselves more power than they have.

- Roles (groups) and their permissions, second-factor devices, superuser status and
  direct permissions are changed by superusers only.
- Anyone else who may change accounts (the Administrator role) may give a colleague only
  roles whose permissions they hold themselves, may not change another person's password
  or email address (the address a set-password link goes to), and adds people without a
  password: each person sets their own from an emailed link (users/passwords.py).
- Every change to a credential or a permission is in the access history (users/audit.py),
  which no one can edit.
"""

from __future__ import annotations

from typing import Any

import django_otp.plugins.otp_static.admin as otp_static_admin
import django_otp.plugins.otp_totp.admin as otp_totp_admin
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AccessRecord, SignInThrottle, User
from .passwords import send_set_password_link

# What only a superuser may grant: without this, an Administrator (who may change users)
# could tick "superuser status" on their own account.
SUPERUSER_ONLY = ("is_superuser", "user_permissions")


def grantable_groups(user: Any) -> QuerySet[Group]:
    """The roles this user may give: those whose every permission they hold already."""
    groups = Group.objects.order_by("name")
    if user.is_superuser:
        return groups
    held = user.get_all_permissions()
    allowed = [
        group.pk
        for group in groups.prefetch_related("permissions__content_type")
        if {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} <= held
    ]
    return groups.filter(pk__in=allowed)


class InvitedUserForm(forms.ModelForm):
    """A new colleague, added by someone other than a superuser: no password. They set
    their own from the link sent to this address."""

    email = forms.EmailField(
        required=True,
        help_text="They will be sent a link to set their own password (valid for 3 days).",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    actions = ["send_set_password_links"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in SUPERUSER_ONLY if f not in fields]
            if obj is not None and obj.pk != request.user.pk:
                fields.append("email")  # where another person's set-password link goes
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None and not request.user.is_superuser:
            return [(None, {"fields": InvitedUserForm.Meta.fields})]
        return super().get_fieldsets(request, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = InvitedUserForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Roles this person may not give are not theirs to take away either: kept as they were.
        if not request.user.is_superuser and "groups" in form.cleaned_data:
            others = form.instance.groups.exclude(pk__in=grantable_groups(request.user))
            form.cleaned_data["groups"] = [*form.cleaned_data["groups"], *others]
        super().save_related(request, form, formsets, change)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        if not obj.has_usable_password():
            send_set_password_link(request, obj)
            messages.info(request, f"A link to set a password was sent to {obj.email}.")
        return super().response_add(request, obj, post_url_continue)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        # Your own password, or anyone's for a superuser; others get a set-password link.
        if not request.user.is_superuser and str(request.user.pk) != str(id):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's account (password, groups) is changed only by a superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Send a link to set a new password", permissions=["change"])
    def send_set_password_links(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = [user for user in queryset if send_set_password_link(request, user)]
        unsent = [user.get_username() for user in queryset if user not in sent]
        if sent:
            messages.success(request, f"Sent a link to set a new password to {len(sent)}.")
        if unsent:
            messages.warning(request, f"No email address, no link sent: {', '.join(unsent)}.")


class SuperuserOnly:
    """A back-office page only a superuser may see or use, whatever the roles say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class RolesAdmin(GroupAdmin):
    """Roles may be read by those whose role allows; only a superuser changes them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class TOTPDeviceAdmin(SuperuserOnly, otp_totp_admin.TOTPDeviceAdmin):  # type: ignore[misc]
    pass


class StaticDeviceAdmin(SuperuserOnly, otp_static_admin.StaticDeviceAdmin):  # type: ignore[misc]
    pass


# django-otp's device pages (a device's secret, its QR code) and Django's roles page,
# registered again with the rules above.
for model, model_admin in (
    (Group, RolesAdmin),
    (TOTPDevice, TOTPDeviceAdmin),
    (StaticDevice, StaticDeviceAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


@admin.register(SignInThrottle)
class SignInThrottleAdmin(admin.ModelAdmin):
    """Who is paused from signing in, and until when. Deleting a row ends its pause (for
    a colleague who mistyped, once they are known to be who they say). Managers see it."""

    list_display = ["key", "failures", "first_failure", "paused_until"]
    search_fields = ["key"]
    readonly_fields = ["key", "failures", "first_failure", "paused_until"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """The access history: read by superusers and the Administrator role, changed by no one."""

    list_display = ["at", "actor_name", "subject", "action", "details"]
    list_filter = ["action"]
    search_fields = ["actor_name", "subject", "details"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
