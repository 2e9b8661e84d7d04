"""Back office for reviews: drafting, approval by a second person, progress updates.
Registered explicitly from config/urls.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core.admin import ServiceAdmin
from coverage.models import Scenario

from . import services
from .models import Correction, Finding, ProgressUpdate, Recommendation, Review


def _published(obj: Any) -> bool:
    return bool(obj and obj.is_published)


class FinalWhenPublished(admin.TabularInline):
    """Inlines of a published review are shown, never changed (the models refuse too)."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)


class FindingInline(FinalWhenPublished):
    model = Finding
    autocomplete_fields = ["contact_point"]


class RecommendationInline(FinalWhenPublished):
    model = Recommendation
    fields = ["number", "text", "owner", "due_on", "status"]
    readonly_fields = ["status"]
    show_change_link = True


class CorrectionInline(admin.TabularInline):
    """Corrections are added to a published review, dated and signed by the server, and
    never edited or deleted."""

    model = Correction
    extra = 1
    fields = ["made_on", "made_by", "text"]
    readonly_fields = ["made_on", "made_by"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReviewForm(forms.ModelForm):
    """A draft review's form, with the coverage scenarios it cites (their figures are
    frozen with it when it is published)."""

    scenarios = forms.ModelMultipleChoiceField(
        queryset=Scenario.objects.filter(frozen__isnull=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Scenarios from the coverage pages whose figures this review cites.",
    )

    class Meta:
        model = Review
        fields = [
            "title", "slug", "period_start", "period_end", "contact_points", "summary", "body",
            "cites_coverage", "cites_demand", "cites_feedback",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["scenarios"].initial = Scenario.objects.filter(review=self.instance)


FROZEN_WHEN_PUBLISHED = [
    "title",
    "slug",
    "period_start",
    "period_end",
    "contact_points",
    "summary",
    "body",
    "cites_coverage",
    "cites_demand",
    "cites_feedback",
]


@admin.register(Review)
class ReviewAdmin(ServiceAdmin):
    form = ReviewForm
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

    def has_delete_permission(self, request: HttpRequest, obj: Review | None = None) -> bool:
        return not _published(obj) and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a published review is never deleted
        return actions

    def get_prepopulated_fields(self, request: HttpRequest, obj: Review | None = None) -> Any:
        return {} if obj and obj.is_published else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Review, form: Any, change: bool) -> None:
        if obj.is_published:
            return  # nothing of a published review is saved here; corrections are added
        if not change:
            obj.author = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not form.instance.is_published and "scenarios" in form.cleaned_data:
            services.review_cite_scenarios(
                review=form.instance, scenarios=list(form.cleaned_data["scenarios"])
            )

    def get_fields(self, request: HttpRequest, obj: Review | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return [f for f in fields if f != "scenarios"] if _published(obj) else fields

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        for correction in formset.save(commit=False):
            # Through the service: dated by the server, signed by the user.
            services.review_correct(
                review=form.instance,
                user=request.user,  # type: ignore[arg-type]
                text=correction.text,
            )
        return None

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
    fields = ["made_on", "made_by", "text", "status"]
    readonly_fields = ["made_on", "made_by"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of progress is added to, not rewritten

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "owner", "due_on", "status"]
    list_filter = ["status", "review"]
    search_fields = ["text", "owner"]
    inlines = [ProgressUpdateInline]
    readonly_fields = ["status"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj and obj.review.is_published:
            # The wording, owner and due date were published; progress is added below.
            return ["review", "number", "text", "owner", "due_on", "status"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        published = obj is not None and obj.review.is_published
        return not published and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and obj.review.is_published:
            return  # read-only: only progress updates are added
        super().save_model(request, obj, form, change)

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
