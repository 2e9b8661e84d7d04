"""/demand/: where people searched for a contact point and found none open within reach —
published months only, protected like the usage figures; a map drawn on the server, its
table, and CSV."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import Avg
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import pagecache, versions
from core.spreadsheets import csv_response
from core.time import months_from, next_month
from places import svg
from places.models import Area, AreaKind, Postcode
from publishing.usage import MAX_PUBLIC_MONTHS, Period
from publishing.views import MonthField

from . import figures, release
from .models import Walk


class PeriodForm(forms.Form):
    start = MonthField(required=False, label="From (month)")
    end = MonthField(required=False, label="To (month)")

    def __init__(self, data: Any, released: list[Any]) -> None:
        super().__init__(data)
        self.released = released

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or not self.released:
            return data
        first, last = self.released[0], self.released[-1]
        start, end = data.get("start"), data.get("end")
        end = end or last
        start = start or max(first, months_from(end, -11))
        for name, value in (("start", start), ("end", end)):
            if not first <= value <= last:
                self.add_error(
                    name,
                    f"Search figures are published from {first:%B %Y} to {last:%B %Y}: choose "
                    "a month in that range. Each month is published a week after it ends.",
                )
                return data
        if end < start:
            self.add_error("end", "The end cannot be before the start.")
            return data
        period = Period(start, next_month(end) - timedelta(days=1))
        if period.month_count > MAX_PUBLIC_MONTHS:
            self.add_error("start", "Choose a period of at most five years (60 months).")
            return data
        data["period"] = period
        return data


def _map(rows: list[figures.Row]) -> dict[str, Any] | None:
    """Each area as a circle at its middle (a district: the mean of its postcodes), sized by
    its searches and shaded by the share unmet, over the ward outlines."""
    wards = list(Area.objects.filter(kind=AreaKind.WARD).values_list("outline", flat=True))
    frame = svg.Frame.around([w or {} for w in wards])
    if frame is None:
        return None
    districts = {
        d["outward"]: (float(d["lat"]), float(d["lon"]))
        for d in Postcode.objects.filter(outward__in=[r.area for r in rows])
        .values("outward")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"))
        .order_by()
    }
    most = max((r.searches for r in rows), default=1) or 1
    circles = []
    for row in rows:
        where = figures.centre(row.area) or districts.get(row.area)
        if where is None:
            continue
        x, y = frame.xy(where[1], where[0])
        share = row.unmet_share
        circles.append(
            {
                "x": x, "y": y, "r": round(3 + 22 * math.sqrt(row.searches / most), 1),
                "step": svg.step_of(share), "title": f"{row.label}: about {row.searches:,} "
                f"searches, {row.unmet:,} with nothing open within 20 minutes",
            }
        )  # fmt: skip
    return {"outlines": svg.paths([w or {} for w in wards], frame), "circles": circles,
            "view_box": frame.view_box, "steps": svg.STEPS}  # fmt: skip


def index(request: HttpRequest, as_csv: bool = False) -> HttpResponse:
    with versions.pinned():  # the choices and the page from one version
        choices = pagecache.cleaned_choices(
            "demand", request.GET.urlencode(), lambda: _chosen(request),
            depends_on=(versions.FIGURES, versions.AREAS),  # as the page: one read of both
        )  # fmt: skip
        if choices is not None:
            return pagecache.serve(
                kind="demand", choices=f"{as_csv}|{choices}",
                depends_on=(versions.FIGURES, versions.AREAS),
                render=lambda now: (_page(request, as_csv), now + timedelta(days=1)),
            )  # fmt: skip
    return _page(request, as_csv)  # not valid, or nothing published: made for the asker


def _chosen(request: HttpRequest) -> str | None:
    """The published period asked for, as the key its page is kept under; None when the
    choice is not valid or nothing is published. Cleaned once per process per published
    figures (`pagecache.cleaned_choices`): a kept page is then found without reading the
    released months."""
    form = PeriodForm(request.GET, release.released_months())
    period = form.cleaned_data.get("period") if form.is_valid() else None
    return None if period is None else f"{period.start}|{period.end}"


def _page(request: HttpRequest, as_csv: bool) -> HttpResponse:
    released = release.released_months()
    form = PeriodForm(request.GET, released)
    if not form.is_valid():
        context = {"form": form, "released": released}
        return render(request, "demand/index.html", context, status=400)
    period = form.cleaned_data.get("period")
    if period is None:  # nothing published yet
        return render(request, "demand/index.html", {"form": form, "released": released})
    found = figures.demand(period)
    if as_csv:
        return _csv(found)
    context = {
        "form": form, "released": released, "demand": found, "map": _map(found.listed),
        "walks": Walk.choices, "hours": list(enumerate(found.hours)),
        "query": f"start={period.start:%Y-%m}&end={period.end:%Y-%m}",
    }  # fmt: skip
    return render(request, "demand/index.html", context)


def _csv(found: figures.Demand) -> HttpResponse:
    """Every published area (those within the noise too), London first."""
    header = ["area", "name", "searches", "nothing open within 20 minutes",
              "margin of searches (9 times in 10)", "privacy budget per search (ε)"]  # fmt: skip
    rows = [
        [r.area, r.label, r.searches, r.unmet, r.margin, found.epsilon]
        for r in [found.london, *found.rows]
    ]
    name = f"search-demand-{found.period.start:%Y-%m}-to-{found.period.end:%Y-%m}.csv"
    return csv_response(name, header, rows)
