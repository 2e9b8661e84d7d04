"""Back office for managers: contact points, their hours and exceptions.

Registered explicitly from config/urls.py (no admin autodiscovery; see settings).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone

from core.admin import ServiceAdmin

from . import hours, services
from .models import (
    EXCEPTION_FIELDS,
    FACILITIES,
    RULE_FIELDS,
    SERVICES,
    STALE_AFTER,
    Basis,
    ContactPoint,
    FactCheck,
    HoursException,
    OpeningRule,
    WrongInformation,
)
from .widgets import LocationPickerWidget


class OpeningRuleFormSet(BaseInlineFormSet):
    """Refuses rules that would open twice at the same time, in words a manager reads."""

    def clean(self) -> None:
        super().clean()
        rules: list[hours.WeeklyRule] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or form.errors:
                continue
            try:
                rules.append(form.instance.as_rule())
            except (ValueError, TypeError):
                continue  # the form's own errors say what is wrong
        clashes = hours.find_overlaps(rules)
        if clashes:
            raise ValidationError(
                [
                    f"These opening hours overlap: “{hours.describe_rule(a)}” and "
                    f"“{hours.describe_rule(b)}”. Change or remove one of them."
                    for a, b in clashes
                ]
            )


class OpeningRuleInline(admin.TabularInline):
    model = OpeningRule
    formset = OpeningRuleFormSet
    extra = 0
    fields = tuple(RULE_FIELDS)


class HoursExceptionInline(admin.TabularInline):
    model = HoursException
    extra = 0
    fields = tuple(EXCEPTION_FIELDS)


class FactCheckInline(admin.TabularInline):
    model = FactCheck
    extra = 0
    fields = ["fact", "basis", "checked_on", "checked_by", "source"]
    verbose_name_plural = "How the facts are known (a fact with no row is not confirmed)"


class StaleFilter(admin.SimpleListFilter):
    title = "freshness"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Stale: not confirmed, or not checked in 12 months"), ("no", "Fresh")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[FactCheck]) -> QuerySet[FactCheck]:
        cutoff = timezone.localdate() - STALE_AFTER
        stale = Q(basis=Basis.UNCONFIRMED) | Q(checked_on__isnull=True) | Q(checked_on__lt=cutoff)
        if self.value() == "yes":
            return queryset.filter(stale)
        if self.value() == "no":
            return queryset.exclude(stale)
        return queryset


@admin.register(FactCheck)
class FactCheckAdmin(admin.ModelAdmin):
    """Managers' list of what to check next: the oldest (and never-checked) first."""

    list_display = ["contact_point", "fact", "basis", "checked_on", "checked_by", "source"]
    list_filter = [StaleFilter, "fact", "basis", "contact_point__borough"]
    search_fields = ["contact_point__name", "source", "checked_by"]
    autocomplete_fields = ["contact_point"]
    list_select_related = ["contact_point"]
    list_per_page = 100

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> Any:
        # Residents' reports of wrong information are part of what to check next.
        waiting = WrongInformation.objects.filter(checked_on__isnull=True).count()
        extra_context = {**(extra_context or {}), "reports_waiting": waiting}
        return super().changelist_view(request, extra_context)


@admin.register(WrongInformation)
class WrongInformationAdmin(admin.ModelAdmin):
    """Residents' reports that a place's page is wrong: the oldest unchecked first. A
    manager checks the place, corrects the page (and how the fact is known), then records
    the outcome here. Never published."""

    list_display = ["contact_point", "what", "received_on", "checked_on", "outcome"]
    list_filter = [("checked_on", admin.EmptyFieldListFilter), "what", "contact_point__borough"]
    search_fields = ["contact_point__name", "note", "outcome"]
    readonly_fields = ["contact_point", "what", "note", "received_on"]
    fields = ["contact_point", "what", "note", "received_on", "checked_on", "outcome"]
    list_select_related = ["contact_point"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reports come from residents, through the public form


@admin.register(ContactPoint)
class ContactPointAdmin(ServiceAdmin):
    list_display = ["name", "kind", "borough", "status", "is_published", "status_now", "updated_at"]
    list_filter = [
        "is_published",
        "status",
        "kind",
        "borough",
        *(name for name, _label in FACILITIES),
    ]
    search_fields = ["name", "host_venue", "address_line_1", "postcode", "borough", "ward"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["replaces"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OpeningRuleInline, HoursExceptionInline, FactCheckInline]
    actions = ["publish", "unpublish"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_published", "is_illustrative"]}),
        (
            "Where it is",
            {
                "fields": [
                    "host_venue",
                    "address_line_1",
                    "address_line_2",
                    "town",
                    "postcode",
                    "borough",
                    "ward",
                    "latitude",
                    "longitude",
                ]
            },
        ),
        (
            "Look and feel",
            {"fields": ["entrance_description", "photo", "photo_alt_text"]},
        ),
        (
            "Facilities",
            {"fields": [name for name, _label in FACILITIES]},
        ),
        (
            "Services",
            {"fields": [name for name, _label in SERVICES]},
        ),
        (
            "Status and history",
            {
                "fields": [
                    "status",
                    "opened_on",
                    "closed_on",
                    "closed_by",
                    "status_note",
                    "replaces",
                    "closed_on_bank_holidays",
                    "former_weekly_hours",
                    "former_weekly_visits",
                ]
            },
        ),
        ("Alternatives", {"fields": ["alternatives_text"]}),
        ("Value for money", {"fields": ["annual_cost"]}),
        ("Data quality", {"fields": ["caveats", "sources", "created_at", "updated_at"]}),
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        # The latitude input carries the map that sets both coordinates.
        kwargs["widgets"] = {"latitude": LocationPickerWidget}
        return super().get_form(request, obj, change, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ContactPoint]:
        return super().get_queryset(request).with_hours()  # type: ignore[attr-defined]

    @admin.display(description="Now")
    def status_now(self, obj: ContactPoint) -> str:
        return obj.status_line(timezone.now())

    @admin.action(description="Publish the selected contact points")
    def publish(self, request: HttpRequest, queryset: QuerySet[ContactPoint]) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish the selected contact points")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[ContactPoint]) -> None:
        self._set_published(request, queryset, False)

    def save_model(self, request: HttpRequest, obj: ContactPoint, form: Any, change: bool) -> None:
        services.contact_point_save(contact_point=obj, user=request.user)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # hours, exceptions, facts
        services.hours_changed(contact_point_id=form.instance.pk)

    def _set_published(
        self, request: HttpRequest, queryset: QuerySet[ContactPoint], published: bool
    ) -> None:
        changed = 0
        for contact_point in queryset.exclude(is_published=published):
            services.contact_point_publish(contact_point=contact_point, published=published)
            self.log_change(request, contact_point, "Published" if published else "Unpublished")
            changed += 1
        verb = "published" if published else "unpublished"
        self.message_user(request, f"{changed} contact point(s) {verb}.", messages.SUCCESS)
