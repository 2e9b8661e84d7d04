"""Public usage summaries and reviews. Every figure is protected by disclosure control
before it is shown or downloaded."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from contactpoints.hours import local
from contactpoints.models import ContactPoint, Kind

from . import charts, usage
from .disclosure import Breakdown, Cell, protect

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
        "private_room": usage_private_room(row),
        "cost_per_visit": None if hidden else row.cost_per_visit,
    }


def usage_private_room(row: usage.Row) -> Breakdown[str]:
    return protect(
        {
            "used": row.private_room_used,
            "asked for, not available": row.private_room_asked,
            "not needed": row.visits - row.private_room_used - row.private_room_asked,
        },
        usage.threshold(),
    )


def usage_index(request: HttpRequest) -> HttpResponse:
    form = UsageForm(request.GET)  # every field is optional: no parameters is valid
    if not form.is_valid():
        return render(request, "reviews/usage_index.html", {"form": form}, status=400)
    data = form.cleaned_data
    period = form.period()
    summary = usage.overview(period, borough=data.get("borough", ""), kind=data.get("kind", ""))
    rows = [_present(r, summary.visits.cells[r.slug]) for r in summary.rows]
    rows.sort(key=SORTS[data.get("sort") or "name"])
    totals = summary.totals
    if request.path.endswith(".csv"):
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
    return render(
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
        if table not in tables:
            return render(request, "404.html", status=404)
        heading, breakdown = tables[table]
        return _csv(
            f"{slug}-{table}.csv",
            [heading, "visits"],
            [[_key(key), str(cell)] for key, cell in breakdown.cells.items()]
            + [["Total", str(breakdown.total)]],
        )
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
