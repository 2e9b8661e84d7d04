"""Public usage summaries and reviews. Every figure is protected by disclosure control
before it is shown or downloaded."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from contactpoints.hours import local
from contactpoints.models import ContactPoint, Kind
from visits.services import usage_version

from . import charts, markdown, usage
from .disclosure import Breakdown, Cell, protect
from .models import (
    Finding,
    ProgressUpdate,
    Recommendation,
    RecommendationStatus,
    Review,
)

SORTS = {
    "name": lambda r: r["name"],
    "visits": lambda r: -(r["visits"].value or -1),
    "visits_per_week": lambda r: -(r["visits_per_week"] or -1),
    "visits_per_staffed_hour": lambda r: -(r["visits_per_staffed_hour"] or -1),
    "staffed_share": lambda r: r["staffed_share"] if r["staffed_share"] is not None else 2,
    "zero_visit_share": lambda r: -(r["zero_visit_share"] or -1),
    "cost_per_visit": lambda r: -(r["cost_per_visit"] or -1),
}


class UsageForm(forms.Form):
    start = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    borough = forms.CharField(required=False, max_length=100, label="Borough")
    kind = forms.ChoiceField(
        required=False, label="Type", choices=[("", "Any type"), *Kind.choices]
    )
    sort = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[
            ("name", "Name"),
            ("visits", "Visits"),
            ("visits_per_week", "Visits a week"),
            ("visits_per_staffed_hour", "Visits per staffed hour"),
            ("staffed_share", "Advertised hours staffed (lowest first)"),
            ("zero_visit_share", "Sessions with no visitor"),
            ("cost_per_visit", "Cost per visit"),
        ],
    )

    def period(self) -> usage.Period:
        today = local(timezone.now()).date()
        default = usage.Period.last_12_months(today)
        data = self.cleaned_data
        return usage.Period(data.get("start") or default.start, data.get("end") or default.end)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end date cannot be before the start date.")
        if start and end and (end - start) > timedelta(days=366 * 10):
            self.add_error("start", "Choose a period of at most ten years.")
        return data


def _present(row: usage.Row, visits: Cell) -> dict[str, Any]:
    """A row as published: rates derived from a suppressed count are withheld too."""
    hidden = visits.suppressed
    return {
        "slug": row.slug,
        "name": row.name,
        "borough": row.borough,
        "kind": row.kind,
        "visits": visits,
        "visits_per_week": None if hidden else row.visits_per_week,
        "visits_per_staffed_hour": None if hidden else row.visits_per_staffed_hour,
        "sessions_advertised": row.sessions_advertised,
        "sessions_held": row.sessions_held,
        "held_share": row.held_share,
        "advertised_hours": row.advertised_hours,
        "staffed_hours": row.staffed_hours,
        "staffed_share": row.staffed_share,
        "zero_visit_share": row.zero_visit_share,
        "private_room": usage.private_room(row),
        "cost_per_visit": None if hidden else row.cost_per_visit,
    }


def usage_index(request: HttpRequest, table: str = "") -> HttpResponse:
    form = UsageForm(request.GET)  # every field is optional: no parameters is valid
    if not form.is_valid():
        return render(request, "reviews/usage_index.html", {"form": form}, status=400)
    data = form.cleaned_data
    is_csv = request.path.endswith(".csv")
    page_key = f"usage-page:{usage_version()}:{request.GET.urlencode()}"
    if not is_csv and (page := cache.get(page_key)) is not None:
        return HttpResponse(page)
    period = form.period()
    summary = usage.overview(period, borough=data.get("borough", ""), kind=data.get("kind", ""))
    rows = [_present(r, summary.visits.cells[r.slug]) for r in summary.rows]
    rows.sort(key=SORTS[data.get("sort") or "name"])
    totals = summary.totals
    if table:
        breakdown = summary.purposes if table == "purposes" else summary.heard_via
        return _breakdown_csv(f"{table}.csv", table.replace("-", " "), breakdown)
    if is_csv:
        return _csv(
            "usage.csv",
            ["contact point", "borough", "visits", "visits a week", "visits per staffed hour",
             "sessions advertised", "sessions held", "advertised hours", "staffed hours",
             "% advertised hours staffed", "% sessions with no visitor", "cost per visit (£)"],
            [
                [r["name"], r["borough"], str(r["visits"]), _num(r["visits_per_week"], 2),
                 _num(r["visits_per_staffed_hour"], 2), r["sessions_advertised"],
                 r["sessions_held"], _num(r["advertised_hours"], 1), _num(r["staffed_hours"], 1),
                 _pct(r["staffed_share"]), _pct(r["zero_visit_share"]),
                 _num(r["cost_per_visit"], 2)]
                for r in rows
            ],
        )  # fmt: skip
    response = render(
        request,
        "reviews/usage_index.html",
        {
            "form": form,
            "summary": summary,
            "period": period,
            "rows": rows,
            "totals": totals,
            "purposes_chart": charts.bars(summary.purposes),
            "heard_chart": charts.bars(summary.heard_via),
            "query": request.GET.urlencode(),
        },
    )
    # The rendered page is cached too, until the next change to visits or sessions.
    cache.set(page_key, response.content, usage.CACHE_SECONDS)
    return response


def usage_detail(request: HttpRequest, slug: str, table: str = "") -> HttpResponse:
    contact_point = get_object_or_404(ContactPoint.objects.published(), slug=slug)
    form = UsageForm(request.GET)
    if not form.is_valid():
        return render(
            request, "reviews/usage_detail.html", {"form": form, "contact_point": contact_point},
            status=400,
        )  # fmt: skip
    period = form.period()
    figures = usage.detail(contact_point, period)
    tables: dict[str, tuple[str, Breakdown[Any]]] = {
        "months": ("Month", figures.months),
        "purposes": ("Purpose", figures.purposes),
        "outcomes": ("Outcome", figures.outcomes),
        "heard-via": ("How they heard", figures.heard_via),
        "private-room": ("Private room", figures.private_room),
        "weekday-hour": ("Weekday and hour", figures.heatmap),
    }
    if table:
        if table not in tables and table != "sessions":
            return render(request, "404.html", status=404)
        if table == "sessions":
            return _csv(
                f"{slug}-sessions.csv",
                ["month", "sessions advertised", "sessions held"],
                [list(row) for row in figures.sessions_by_month],
            )
        heading, breakdown = tables[table]
        return _breakdown_csv(f"{slug}-{table}.csv", heading, breakdown)
    row = _present(figures.row, figures.months.total)
    weekly_hours_now = figures.row.advertised_hours / period.weeks if period.weeks else 0
    return render(
        request,
        "reviews/usage_detail.html",
        {
            "form": form,
            "contact_point": contact_point,
            "figures": figures,
            "period": period,
            "row": row,
            "weekly_hours_now": weekly_hours_now,
            "months_chart": charts.bars(figures.months),
            "purposes_chart": charts.bars(figures.purposes),
            "outcomes_chart": charts.bars(figures.outcomes),
            "heard_chart": charts.bars(figures.heard_via),
            "heat": charts.heatmap(figures.heatmap),
            "query": request.GET.urlencode(),
        },
    )


def _breakdown_csv(filename: str, heading: str, breakdown: Breakdown[Any]) -> HttpResponse:
    """A breakdown exactly as the page shows it: suppressed cells stay suppressed."""
    return _csv(
        filename,
        [heading, "visits"],
        [[_key(key), str(cell)] for key, cell in breakdown.cells.items()]
        + [["Total", str(breakdown.total)]],
    )


def _key(key: Any) -> str:
    if isinstance(key, tuple):
        day, hour = key
        return f"{charts.DAYS[day - 1]} {hour:02d}:00"
    return str(key)


def _num(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}"


def _csv(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


# --- Reviews ---------------------------------------------------------------------------


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
            "period": usage.Period(review.period_start, review.period_end),
            "today": today,
        },
    )


def _frozen_rows(review: Review) -> list[dict[str, Any]]:
    """The published snapshot, protected as it is shown."""
    if not review.snapshot:
        return []
    rows = [usage.Row(**row) for row in review.snapshot["rows"]]
    visits = protect({r.slug: r.visits for r in rows}, review.snapshot.get("threshold", 5))
    return [_present(r, visits.cells[r.slug]) for r in rows]


def review_figures_csv(request: HttpRequest, slug: str) -> HttpResponse:
    review = _review_for(request, slug)
    return _csv(
        f"{review.slug}-figures.csv",
        ["contact point", "visits", "visits a week", "sessions advertised", "sessions held",
         "% advertised hours staffed", "% sessions with no visitor"],
        [
            [r["name"], str(r["visits"]), _num(r["visits_per_week"], 2), r["sessions_advertised"],
             r["sessions_held"], _pct(r["staffed_share"]), _pct(r["zero_visit_share"])]
            for r in _frozen_rows(review)
        ],
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
