"""Published reviews, the recommendations tracker and the feed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from core.spreadsheets import csv_response
from core.time import local
from publishing import usage
from publishing.views import USAGE_CSV_HEADER, csv_row

from . import markdown
from .models import (
    Finding,
    ProgressUpdate,
    Recommendation,
    RecommendationStatus,
    Review,
)


def review_list(request: HttpRequest) -> HttpResponse:
    reviews = Review.objects.published().prefetch_related("recommendations")
    return render(request, "reviews/review_list.html", {"reviews": reviews})


def _review_for(request: HttpRequest, slug: str) -> Review:
    """Published reviews for everyone; drafts only as a preview for staff who may see them."""
    review = get_object_or_404(Review, slug=slug)
    if review.is_published:
        return review
    if request.GET.get("preview") and request.user.has_perm("reviews.view_review"):
        return review
    raise Http404("No published review has that address.")


def review_detail(request: HttpRequest, slug: str) -> HttpResponse:
    review = _review_for(request, slug)
    today = local(timezone.now()).date()
    frozen = _frozen_rows(review)
    corrections = list(review.corrections.select_related("made_by"))
    recommendations = list(review.recommendations.prefetch_related("updates"))
    findings = list(review.findings.select_related("contact_point"))
    by_place: dict[str, list[Finding]] = {}
    for finding in findings:
        key = finding.contact_point.name if finding.contact_point else "General"
        by_place.setdefault(key, []).append(finding)
    return render(
        request,
        "reviews/review_detail.html",
        {
            "review": review,
            "body": markdown.render(review.body),
            "findings": by_place,
            "recommendations": [(r, r.is_overdue(today)) for r in recommendations],
            "frozen": frozen,
            "corrections": corrections,
            "period": usage.Period(review.period_start, review.period_end),
            "today": today,
        },
    )


def _frozen_rows(review: Review) -> list[usage.Row]:
    """The figures frozen at publication: what the usage pages published then."""
    return usage.frozen_rows(review.snapshot)


def review_figures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    review = _review_for(request, slug)
    period = usage.Period(review.period_start, review.period_end)
    return csv_response(
        f"{review.slug}-figures.csv", USAGE_CSV_HEADER,
        [csv_row(r, period) for r in _frozen_rows(review)],
    )  # fmt: skip


class TrackerForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *RecommendationStatus.choices]
    )
    owner = forms.CharField(required=False, max_length=200)
    overdue = forms.BooleanField(required=False, label="Only overdue")


def recommendations(request: HttpRequest) -> HttpResponse:
    """Every recommendation of every published review, and where it has got to."""
    form = TrackerForm(request.GET)
    if not form.is_valid():
        return render(request, "reviews/recommendations.html", {"form": form}, status=400)
    today = local(timezone.now()).date()
    found = Recommendation.objects.public().select_related("review").prefetch_related("updates")
    data = form.cleaned_data
    if data["status"]:
        found = found.filter(status=data["status"])
    if data["owner"]:
        found = found.filter(owner__icontains=data["owner"])
    if data["overdue"]:
        found = found.overdue(today)
    owners = (
        Recommendation.objects.public().order_by("owner").values_list("owner", flat=True).distinct()
    )
    return render(
        request,
        "reviews/recommendations.html",
        {
            "form": form,
            "items": [(r, r.is_overdue(today), _latest(r)) for r in found.order_by("due_on")],
            "owners": owners,
        },
    )


def _latest(recommendation: Recommendation) -> ProgressUpdate | None:
    updates = list(recommendation.updates.all())  # prefetched
    return updates[-1] if updates else None


class ReviewsFeed(Feed):
    """Atom: published reviews and every progress update on their recommendations."""

    feed_type = Atom1Feed
    title = "Contact Points: reviews and progress on recommendations"
    subtitle = "Published reviews of police contact points, and what has been done about them."
    link = "/reviews/"

    def items(self) -> list[Any]:
        reviews = list(Review.objects.published()[:50])
        updates = list(
            ProgressUpdate.objects.filter(recommendation__review__status="published")
            .select_related("recommendation__review")
            .order_by("-created_at")[:50]
        )
        entries = [*reviews, *updates]
        return sorted(entries, key=self.item_pubdate, reverse=True)[:50]

    def item_title(self, item: Any) -> str:
        if isinstance(item, Review):
            return f"Published: {item.title}"
        rec = item.recommendation
        return f"Recommendation {rec.number} ({rec.review.title}): {item.get_status_display()}"

    def item_description(self, item: Any) -> str:
        return item.summary if isinstance(item, Review) else item.text

    def item_link(self, item: Any) -> str:
        if isinstance(item, Review):
            return item.get_absolute_url()
        rec = item.recommendation
        return f"{rec.review.get_absolute_url()}#recommendation-{rec.number}"

    def item_guid(self, item: Any) -> str:
        kind = "review" if isinstance(item, Review) else "progress"
        return f"tag:contact-points,2026:{kind}-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Any) -> Any:
        return item.published_at if isinstance(item, Review) else item.created_at
