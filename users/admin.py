from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from .models import SignInThrottle, User

# What only a superuser may grant: without this, an Administrator (who may change users)
# could tick "superuser status" on their own account.
SUPERUSER_ONLY = ("is_superuser", "user_permissions")


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in SUPERUSER_ONLY if f not in fields]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's account (password, groups) is changed only by a superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(SignInThrottle)
class SignInThrottleAdmin(admin.ModelAdmin):
    """Who is paused from signing in, and until when. Deleting a row ends its pause (for
    a colleague who mistyped, once they are known to be who they say)."""

    list_display = ["key", "failures", "first_failure", "paused_until"]
    search_fields = ["key"]
    readonly_fields = ["key", "failures", "first_failure", "paused_until"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
