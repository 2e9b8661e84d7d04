"""The usage pages: every contact point's published figures side by side (`/usage/`), one
contact point's (`/usage/<slug>/`), and their CSV downloads. The public reads released months
only, protected before anything is shown (docs/usage-figures.md); managers and analysts
signed in with their second factor read exact live figures for any period of days."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from contactpoints.models import ContactPoint, Kind
from core import hooks, pagecache, versions
from core.spreadsheets import csv_response
from core.time import YEARS_ALLOWED, local, months_from, next_month, plausible, previous_month
from visits.models import StaffedSession

from . import charts, release, usage
from .disclosure import ZERO, Span, Table
from .models import UsageMonth
from .templatetags import usage as shown

SORTS: dict[str, Any] = {
    "name": lambda r: r.name,
    "visits": lambda r: -r.visits.low,
    "visits_per_week": lambda r: -(r.visits_per_week.low if r.visits_per_week else -1),
    "visits_per_staffed_hour": lambda r: (
        -(r.visits_per_staffed_hour.low if r.visits_per_staffed_hour else -1)
    ),
    "staffed_share": lambda r: r.staffed_share if r.staffed_share is not None else 2,
    "zero_visit_share": lambda r: -(r.zero_visit_share.low if r.zero_visit_share else -1),
    "cost_per_visit": lambda r: -(r.cost_per_visit.low if r.cost_per_visit else -1),
}
SORT_CHOICES = [
    ("name", "Name"),
    ("visits", "Visits"),
    ("visits_per_week", "Visits a week"),
    ("visits_per_staffed_hour", "Visits per staffed hour"),
    ("staffed_share", "Advertised hours staffed (lowest first)"),
    ("zero_visit_share", "Sessions with no visitor"),
    ("cost_per_visit", "Cost per visit"),
]
# Staff may ask for exact figures for any period of whole days within these bounds.
STAFF_EARLIEST = date(2000, 1, 1)
STAFF_MAX_DAYS = 366 * 10


class MonthField(forms.Field):
    """A calendar month, typed or picked as YYYY-MM. With `days_allowed` (staff), a date
    YYYY-MM-DD is accepted too."""

    widget = forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def __init__(self, *, days_allowed: bool = False, **kwargs: Any) -> None:
        self.days_allowed = days_allowed
        if days_allowed:
            kwargs["widget"] = forms.DateInput(attrs={"placeholder": "YYYY-MM or YYYY-MM-DD"})
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        text = (value or "").strip()
        if not text:
            return None
        if len(text) > 10:
            raise forms.ValidationError("Enter a month as YYYY-MM, for example 2026-03.")
        whole_month = len(text) == 7
        try:
            form = "%Y-%m" if whole_month else "%Y-%m-%d"
            parsed = datetime.strptime(text, form).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            raise forms.ValidationError("Enter a month as YYYY-MM, for example 2026-03.") from None
        if not plausible(parsed):
            raise forms.ValidationError(f"Enter a month {YEARS_ALLOWED}.")
        if not whole_month and not self.days_allowed:
            raise forms.ValidationError(
                "Published figures are for whole calendar months: enter a month as YYYY-MM, "
                "for example 2026-03."
            )
        return parsed


class UsageForm(forms.Form):
    """The period and filters of the usage pages. The public chooses whole released months
    (at most five years) and boroughs and types that exist; staff may choose exact days."""

    start = MonthField(required=False, label="From (month)")
    end = MonthField(required=False, label="To (month)")
    borough = forms.ChoiceField(required=False, label="Borough")
    kind = forms.ChoiceField(
        required=False, label="Type", choices=[("", "Any type"), *Kind.choices]
    )
    sort = forms.ChoiceField(required=False, label="Sort by", choices=SORT_CHOICES)

    def __init__(
        self, data: Any, *, boroughs: list[str], exact: bool, today: date, released: list[date]
    ) -> None:
        # Borough names are matched whatever their case ("westminster" is Westminster).
        canonical = {b.casefold(): b for b in boroughs}
        data = data.copy()
        if data.get("borough"):
            data["borough"] = canonical.get(data["borough"].strip().casefold(), data["borough"])
        super().__init__(data)
        self.exact, self.today, self.released = exact, today, released
        self.fields["borough"].choices = [  # type: ignore[attr-defined]
            ("", "All boroughs"),
            *((b, b) for b in boroughs),
        ]
        if exact:
            self.fields["start"] = MonthField(required=False, label="From", days_allowed=True)
            self.fields["end"] = MonthField(required=False, label="To", days_allowed=True)

    @property
    def default_period(self) -> usage.Period | None:
        if self.exact:
            return usage.Period.last_12_months(previous_month(self.today.replace(day=1)))
        if not self.released:
            return None
        last = self.released[-1]
        first = max(usage.Period.last_12_months(last).start, self.released[0])
        return usage.Period.months(first, last)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        default = self.default_period
        if self.errors or default is None:
            return data
        start, end = data.get("start"), data.get("end")
        if self.exact:
            start = start or default.start
            if end and len(self.data.get("end", "").strip()) == 7:
                end = next_month(end) - timedelta(days=1)  # a month means all of it
            end = end or default.end
            if start < STAFF_EARLIEST or end > self.today:
                self.add_error(
                    "start" if start < STAFF_EARLIEST else "end",
                    f"Choose dates from {STAFF_EARLIEST:%-d %B %Y} to today.",
                )
                return data
        else:
            # Whole released months: one given alone makes a twelve-month period with it.
            first, last = self.released[0], self.released[-1]
            if start is None and end is None:
                start, end = default.start, default.end.replace(day=1)
            elif start is None:
                assert end is not None
                start = max(first, months_from(end, -11))
            elif end is None:
                end = min(last, months_from(start, 11))
            assert start is not None
            assert end is not None
            for name, value in (("start", start), ("end", end)):
                if not first <= value <= last:
                    self.add_error(
                        name,
                        f"Figures are published from {first:%B %Y} to {last:%B %Y}: choose a "
                        "month in that range. Each month is published a week after it ends.",
                    )
                    return data
            end = next_month(end) - timedelta(days=1)
        if end < start:
            self.add_error("end", "The end cannot be before the start.")
        elif not self.exact and usage.Period(start, end).month_count > usage.MAX_PUBLIC_MONTHS:
            self.add_error("start", "Choose a period of at most five years (60 months).")
        elif self.exact and (end - start).days > STAFF_MAX_DAYS:
            self.add_error("start", "Choose a period of at most ten years.")
        else:
            data["period"] = usage.Period(start, end)
        return data

    def canonical(self) -> str:
        """The cleaned choices as a cache key: junk parameters cannot multiply pages."""
        data = self.cleaned_data
        period = data["period"]
        return f"{period.start}:{period.end}:{data.get('borough')}:{data.get('kind')}:" + (
            data.get("sort") or "name"
        )


def _staff_exact(request: HttpRequest) -> bool:
    """Managers and analysts see exact live figures, signed in with their second factor."""
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_verified()  # type: ignore[union-attr, attr-defined]
        and user.has_perm("visits.view_all_contact_points")
    )


def _usage_places(exact: bool) -> QuerySet[ContactPoint]:
    """Places on the usage pages: published, real ones with figures (released, for the
    public). An illustrative example has its own labelled page but counts in no total."""
    if exact:
        has = Exists(StaffedSession.objects.filter(contact_point=OuterRef("pk")))
    else:
        has = Exists(UsageMonth.objects.filter(contact_point=OuterRef("pk")))
    return ContactPoint.objects.counted().filter(has)


def _form(request: HttpRequest, exact: bool) -> UsageForm:
    places = _usage_places(exact)
    boroughs = sorted(set(places.values_list("borough", flat=True)))
    return UsageForm(
        request.GET,
        boroughs=boroughs,
        exact=exact,
        today=local(timezone.now()).date(),
        released=release.released_months(),
    )


def _cached_page(exact: bool, name: str, form: UsageForm, render_page: Any) -> HttpResponse:
    """Public usage answers are made once per published figures and places (their data
    versions) and served from the page cache; staff answers are private and never kept."""
    if exact:
        response = render_page()
        response["Cache-Control"] = "private, no-store"
        return response
    return pagecache.serve(
        kind=f"usage-{name}", choices=form.canonical(),
        depends_on=(versions.FIGURES, versions.PLACES),
        # Until the next release changes the versions; a day at most.
        render=lambda now: (render_page(), now + KEPT_FOR),
    )  # fmt: skip


KEPT_FOR = timedelta(days=1)


def _bad_period(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400)


def _public_choices(request: HttpRequest) -> str | None:
    """The public choice asked for, as the key its page is kept under (`UsageForm.
    canonical`); None when there is nothing published or the choice is not valid. Cleaned
    once per process for the published figures and places (their data versions): the form
    reads every borough with figures and the released months, most of a kept page's time."""

    def clean() -> str | None:
        form = _form(request, exact=False)
        valid = form.default_period is not None and form.is_valid()
        return form.canonical() if valid else None

    return pagecache.cleaned_choices(
        "usage", request.GET.urlencode(), clean, depends_on=(versions.FIGURES, versions.PLACES)
    )


def _public_page(
    request: HttpRequest, name: str, render_page: Callable[[UsageForm], HttpResponse]
) -> HttpResponse | None:
    """A public usage answer from the page cache (made by `render_page(form)` when it is
    not kept), or None when the choice is not valid or nothing is published."""
    with versions.pinned():  # the choices and the page from one version
        choices = _public_choices(request)
        if choices is None:
            return None

        def page(now: datetime) -> tuple[HttpResponse, datetime]:
            form = _form(request, exact=False)
            form.full_clean()
            return render_page(form), now + KEPT_FOR

        return pagecache.serve(
            kind=f"usage-{name}", choices=choices,
            depends_on=(versions.FIGURES, versions.PLACES), render=page,
        )  # fmt: skip


def usage_index(request: HttpRequest, table: str = "") -> HttpResponse:
    exact = _staff_exact(request)
    name = "csv" if request.path.endswith(".csv") else "page"
    if not exact:
        kept = _public_page(
            request, f"{name}:{table}", lambda form: _usage_index(request, form, table)
        )
        if kept is not None:
            return kept
    form = _form(request, exact)
    if form.default_period is None:
        return render(request, "publishing/usage_index.html", {"form": form, "nothing": True})
    if not form.is_valid():
        return _bad_period(request, "publishing/usage_index.html", {"form": form})
    return _cached_page(exact, f"{name}:{table}", form, lambda: _usage_index(request, form, table))


def _usage_index(request: HttpRequest, form: UsageForm, table: str) -> HttpResponse:
    data = form.cleaned_data
    period: usage.Period = data["period"]
    places = _usage_places(form.exact)
    if data.get("borough"):
        places = places.filter(borough=data["borough"])
    if data.get("kind"):
        places = places.filter(kind=data["kind"])
    summary = usage.overview(period, places, exact=form.exact)
    found = sorted(summary.rows, key=SORTS[data.get("sort") or "name"])
    usage_url = reverse("publishing:usage")
    if table:
        breakdown = summary.purposes if table == "purposes" else summary.heard_via
        return _breakdown_csv(f"{table}.csv", table.replace("-", " "), breakdown)
    if request.path.endswith(".csv"):
        return csv_response(
            "usage.csv", USAGE_CSV_HEADER, [csv_row(r, period) for r in [*found, summary.totals]]
        )
    return render(
        request,
        "publishing/usage_index.html",
        {
            "form": form,
            "summary": summary,
            "period": period,
            # Links made by joining, not one reverse() per row: the table lists every place.
            "rows": [(row, f"{usage_url}{row.slug}/", _table_cells(row)) for row in found],
            "totals": summary.totals,
            "total_cells": _table_cells(summary.totals),
            "purposes_chart": charts.bars(summary.purposes),
            "heard_chart": charts.bars(summary.heard_via),
            "query": _query(period, data),
        },
    )


def _table_cells(r: usage.Row) -> SafeString:
    """A row's figure cells, as shown: formatted and escaped here in one go rather than cell
    by cell in the template (the page lists every contact point)."""
    cells = [
        str(r.visits), shown.span(r.visits_per_week, 1), shown.span(r.visits_per_staffed_hour, 2),
        f"{r.sessions_held:,} of {r.sessions_advertised:,}", shown.pct(r.staffed_share),
        shown.span_pct(r.zero_visit_share), str(r.parts.get("room_used", ZERO)),
        shown.money(r.cost_per_visit),
    ]  # fmt: skip
    # Every cell escaped here (the standard library's escape: a thousand rows of eight).
    return mark_safe("".join(f'<td class="num">{html.escape(cell)}</td>' for cell in cells))  # noqa: S308


USAGE_CSV_HEADER = [
    "contact point", "borough", "visits", "visits a week", "visits per staffed hour",
    "sessions advertised", "sessions held", "advertised hours",
    "staffed hours (within advertised)", "% advertised hours staffed",
    "% sessions with no visitor", "cost per visit (£)", "period",
]  # fmt: skip


def csv_row(r: usage.Row, period: usage.Period) -> list[Any]:
    """One row of the usage CSV (and of a review's frozen figures)."""
    return [
        r.name, r.borough, str(r.visits), _span(r.visits_per_week, 2),
        _span(r.visits_per_staffed_hour, 2), r.sessions_advertised, r.sessions_held,
        _num(r.advertised_hours, 1), _num(r.staffed_hours, 1), _pct(r.staffed_share),
        _span_pct(r.zero_visit_share), _span(r.cost_per_visit, 2), period.label,
    ]  # fmt: skip


def _query(period: usage.Period, data: dict[str, Any]) -> str:
    """The chosen period and filters as a query string, for links and downloads."""
    values = {"start": f"{period.start:%Y-%m}", "end": f"{period.end:%Y-%m}"}
    if not period.is_whole_months:
        values = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    for name in ("borough", "kind", "sort"):
        if data.get(name):
            values[name] = data[name]
    return urlencode(values)


def usage_detail(request: HttpRequest, slug: str, table: str = "") -> HttpResponse:
    contact_point = get_object_or_404(ContactPoint.objects.published(), slug=slug)
    exact = _staff_exact(request)
    if not exact and (not table or table in DETAIL_TABLES or table == "sessions"):
        kept = _public_page(
            request, f"detail:{contact_point.pk}:{table}",
            lambda form: _usage_detail(request, form, contact_point, table),
        )  # fmt: skip
        if kept is not None:
            return kept
    form = _form(request, exact)
    context: dict[str, Any] = {"form": form, "contact_point": contact_point}
    if form.default_period is None:
        return render(request, "publishing/usage_detail.html", {**context, "nothing": True})
    if not form.is_valid():
        return _bad_period(request, "publishing/usage_detail.html", context)
    if table and table not in DETAIL_TABLES and table != "sessions":
        return render(request, "404.html", status=404)
    return _cached_page(
        exact, f"detail:{contact_point.pk}:{table}", form,
        lambda: _usage_detail(request, form, contact_point, table),
    )  # fmt: skip


DETAIL_TABLES: dict[str, tuple[str, str]] = {
    # name in the URL: (column heading, family prefix or figure)
    "months": ("Month", "months"),
    "purposes": ("Purpose", "purpose"),
    "outcomes": ("Outcome", "outcome"),
    "heard-via": ("How they heard", "heard"),
    "private-room": ("Private room", "room"),
    "weekday-hour": ("Weekday and hour", "heatmap"),
}


def _usage_detail(
    request: HttpRequest, form: UsageForm, contact_point: ContactPoint, table: str
) -> HttpResponse:
    period: usage.Period = form.cleaned_data["period"]
    figures = usage.detail(contact_point, period, exact=form.exact)
    slug = contact_point.slug
    if table == "sessions":
        return csv_response(
            f"{slug}-sessions.csv",
            ["month", "sessions advertised", "sessions held"],
            [list(row) for row in figures.sessions_by_month],
        )
    if table:
        heading, source = DETAIL_TABLES[table]
        if source == "months":
            breakdown: Table[Any] = figures.months
        elif source == "heatmap":
            breakdown = figures.heatmap
        else:
            breakdown = figures.table(source)
        return _breakdown_csv(f"{slug}-{table}.csv", heading, breakdown)
    row = figures.row
    weekly_hours_now = row.advertised_hours / period.weeks if period.weeks else 0
    return render(
        request,
        "publishing/usage_detail.html",
        {
            "form": form,
            "contact_point": contact_point,
            "figures": figures,
            "period": period,
            "row": row,
            "purposes": figures.table("purpose"),
            "outcomes": figures.table("outcome"),
            "heard_via": figures.table("heard"),
            "private_room": figures.table("room"),
            "sources": figures.table("source"),
            "weekly_hours_now": weekly_hours_now,
            "months_chart": charts.bars(figures.months),
            "purposes_chart": charts.bars(figures.table("purpose")),
            "outcomes_chart": charts.bars(figures.table("outcome")),
            "heard_chart": charts.bars(figures.table("heard")),
            "heat": charts.heatmap(figures.heatmap),
            "query": _query(period, form.cleaned_data),
            # What other apps publish about the place (visitors' answers: published
            # figures only, staff included).
            "sections": hooks.ask(
                "USAGE_PAGE_SECTIONS",
                "usage_section",
                contact_point=contact_point,
                period=period,
            ),
        },
    )


def _breakdown_csv(filename: str, heading: str, breakdown: Table[Any]) -> HttpResponse:
    """A breakdown exactly as the page shows it."""
    return csv_response(
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


def _span(value: Span | None, places: int) -> str:
    return "" if value is None else value.format(places)


def _span_pct(value: Span | None) -> str:
    return "" if value is None else Span(value.low * 100, value.high * 100).format(0)
