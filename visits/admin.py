"""Back office for sessions and visits: filters, dates, and the read-only history of every
change (django-simple-history). Registered explicitly from config/urls.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ServiceAdmin

from . import services
from .models import Assignment, StaffedSession, Visit


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["officer", "contact_point"]
    list_filter = ["contact_point"]
    search_fields = ["officer__username", "contact_point__name"]
    autocomplete_fields = ["contact_point"]


class VisitInline(admin.TabularInline):
    model = Visit
    extra = 0
    can_delete = False
    fields = ["arrived_at", "purpose", "private_room", "heard_via", "outcome", "withdrawn_at"]
    readonly_fields = [
        "arrived_at",
        "purpose",
        "private_room",
        "heard_via",
        "outcome",
        "withdrawn_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StaffedSession)
class StaffedSessionAdmin(ServiceAdmin, SimpleHistoryAdmin):
    list_display = [
        "contact_point",
        "scheduled_start",
        "state",
        "actual_start",
        "actual_end",
        "source",
    ]
    list_filter = ["state", "source", "contact_point"]
    date_hierarchy = "scheduled_start"
    search_fields = ["contact_point__name", "reason"]
    autocomplete_fields = ["contact_point"]
    filter_horizontal = ["officers"]
    inlines = [VisitInline]
    list_select_related = ["contact_point"]
    readonly_fields = ["visit_count"]

    def save_model(
        self, request: HttpRequest, obj: StaffedSession, form: Any, change: bool
    ) -> None:
        # Through the service, like every other write: checked, audited, and the usage
        # figures follow. A refusal saves nothing (ServiceAdmin).
        services.session_correct(session=obj, user=request.user)  # type: ignore[arg-type]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # record it as not held instead: the advertised session stays counted


@admin.register(Visit)
class VisitAdmin(ServiceAdmin, SimpleHistoryAdmin):
    """Visits are logged at the counter or imported; here a manager corrects categories or
    withdraws a visit logged by mistake. Nothing about a visitor can be typed in."""

    list_display = [
        "arrived_at",
        "contact_point",
        "purpose",
        "private_room",
        "outcome",
        "source",
        "withdrawn_at",
    ]
    list_filter = ["purpose", "private_room", "heard_via", "outcome", "source", "contact_point"]
    date_hierarchy = "arrived_at"
    list_select_related = ["contact_point"]
    readonly_fields = [
        "contact_point", "session", "arrived_at", "purpose", "idempotency_key", "source",
        "recorded_by", "withdrawn_at", "created_at", "updated_at",
    ]  # fmt: skip
    fields = [
        *readonly_fields[:4],
        "private_room",
        "heard_via",
        "outcome",
        "language_assistance",
        *readonly_fields[4:],
    ]
    actions = ["withdraw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # withdraw instead: the record stays, the count changes

    def save_model(self, request: HttpRequest, obj: Visit, form: Any, change: bool) -> None:
        services.visit_update(
            visit=obj,
            user=request.user,  # type: ignore[arg-type]
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )

    @admin.action(description="Withdraw the selected visits (logged by mistake)")
    def withdraw(self, request: HttpRequest, queryset: QuerySet[Visit]) -> None:
        done = 0
        for visit in queryset.filter(withdrawn_at__isnull=True):
            try:
                services.visit_withdraw(visit=visit, user=request.user)  # type: ignore[arg-type]
                done += 1
            except ValidationError as error:
                self.message_user(request, error.messages[0], messages.ERROR)
        self.message_user(request, f"{done} visit(s) withdrawn.", messages.SUCCESS)
