"""Back office for reviews: drafting, approval by a second person, progress updates.
Registered explicitly from config/urls.py."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from . import services
from .models import Correction, Finding, ProgressUpdate, Recommendation, Review


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    autocomplete_fields = ["contact_point"]


class RecommendationInline(admin.TabularInline):
    model = Recommendation
    extra = 0
    fields = ["number", "text", "owner", "due_on", "status"]
    show_change_link = True


class CorrectionInline(admin.TabularInline):
    model = Correction
    extra = 0


FROZEN_WHEN_PUBLISHED = [
    "title",
    "slug",
    "period_start",
    "period_end",
    "contact_points",
    "summary",
    "body",
]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "author", "approved_by", "published_at", "preview"]
    list_filter = ["status"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["contact_points"]
    inlines = [FindingInline, RecommendationInline, CorrectionInline]
    actions = ["approve_and_publish"]
    readonly_fields = ["author", "status", "approved_by", "published_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Review | None = None) -> Any:
        if obj and obj.is_published:
            # Published text is not silently rewritten: say what changed as a correction.
            return [*self.readonly_fields, *FROZEN_WHEN_PUBLISHED]
        return self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Review | None = None) -> Any:
        return {} if obj and obj.is_published else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        if not change:
            obj.author = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    @admin.display(description="Page")
    def preview(self, obj: Review) -> str:
        suffix = "" if obj.is_published else "?preview=1"
        label = "View" if obj.is_published else "Preview draft"
        return format_html('<a href="{}{}">{}</a>', obj.get_absolute_url(), suffix, label)

    @admin.action(description="Approve and publish (freezes the figures)")
    def approve_and_publish(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for review in queryset:
            try:
                services.review_publish(review=review, approver=request.user)  # type: ignore[arg-type]
            except (ValidationError, PermissionDenied) as error:
                text = error.messages[0] if isinstance(error, ValidationError) else str(error)
                self.message_user(request, f"{review}: {text}", messages.ERROR)
            else:
                self.message_user(request, f"Published: {review}.", messages.SUCCESS)


class ProgressUpdateInline(admin.TabularInline):
    model = ProgressUpdate
    extra = 1
    fields = ["made_on", "text", "status"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of progress is added to, not rewritten


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "due_on", "status"]
    list_filter = ["status", "review"]
    search_fields = ["text", "owner"]
    inlines = [ProgressUpdateInline]
    readonly_fields = ["status"]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ProgressUpdate:
            return super().save_formset(request, form, formset, change)
        for update in formset.save(commit=False):
            # Through the service, so the recommendation's status follows the update.
            services.recommendation_progress(
                recommendation=form.instance,
                user=request.user,  # type: ignore[arg-type]
                text=update.text,
                status=update.status,
            )
        return None
