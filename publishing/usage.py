"""Usage figures: what the public reads and what staff read.

- Public figures are sums of the protected monthly cells released by `reviews.release`
  (`UsageMonth`), for whole calendar months only. A count that includes suppressed
  cells is shown as a range or a lower bound (`disclosure.Figure`), and so is every rate
  built on it. No public figure is computed from live visits.
- Staff (managers, analysts) read exact live figures for any period, from the daily roll-up
  (`UsageDay`) and the sessions, through the same `Row` and `Detail` shapes.

Both are computed in the database with a few aggregate queries, whatever the number of
visits. See docs/usage-figures.md for every definition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth

from contactpoints.models import ContactPoint
from core.time import LONDON, midnight, next_month, previous_month
from visits.models import StaffedSession

from . import release
from .disclosure import ZERO, Figure, Span, Table, figure_of, rate
from .models import FAMILIES, HOURS, TALLIES, UsageDay, UsageMonth, when_cell
from .release import threshold

# Public periods are at most five years long: the most any public request can ask for.
MAX_PUBLIC_MONTHS = 60


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def months(cls, first: date, last: date) -> Period:
        """From the first day of `first`'s month to the last day of `last`'s month."""
        return cls(first.replace(day=1), next_month(last.replace(day=1)) - timedelta(days=1))

    @classmethod
    def last_12_months(cls, last: date) -> Period:
        """The twelve whole calendar months ending with `last`'s month."""
        first = last.replace(day=1)
        for _ in range(11):
            first = previous_month(first)
        return cls.months(first, last)

    @property
    def is_whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + timedelta(days=1)).day == 1

    @property
    def month_count(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    @property
    def start_at(self) -> datetime:
        return midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return midnight(self.end + timedelta(days=1))

    @property
    def weeks(self) -> float:
        return ((self.end - self.start).days + 1) / 7

    @property
    def label(self) -> str:
        if self.is_whole_months:
            if self.month_count == 1:
                return f"{self.start:%B %Y}"
            return f"{self.start:%B %Y} to {self.end:%B %Y}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def _choices(prefix: str) -> list[tuple[str, str]]:
    return list(FAMILIES[prefix][1].choices)


@dataclass
class Row:
    """One contact point's figures for a period (or the sum of several)."""

    slug: str
    name: str
    borough: str
    kind: str
    weeks: float
    annual_cost: float | None = None
    sessions_advertised: int = 0
    sessions_held: int = 0
    advertised_hours: float = 0.0
    staffed_hours: float = 0.0  # within the advertised hours
    visits: Figure = ZERO
    with_visitor: Figure = ZERO  # held sessions with at least one visitor
    parts: dict[str, Figure] = field(default_factory=dict)  # TALLIES column -> count
    synthetic: bool = False  # includes synthetic demo visits

    @property
    def held_share(self) -> float | None:
        return self.sessions_held / self.sessions_advertised if self.sessions_advertised else None

    @property
    def staffed_share(self) -> float | None:
        """Share of advertised hours when an officer was there (never above 1)."""
        return self.staffed_hours / self.advertised_hours if self.advertised_hours else None

    @property
    def zero_visit_share(self) -> Span | None:
        """Held sessions with no visitor, as a share of sessions held."""
        held = self.sessions_held
        if not held:
            return None
        with_visitor = rate(self.with_visitor, 1)
        if with_visitor is None:
            return None
        return Span((held - min(with_visitor.high, held)) / held, (held - with_visitor.low) / held)

    @property
    def visits_per_week(self) -> Span | None:
        return rate(self.visits, self.weeks)

    @property
    def visits_per_staffed_hour(self) -> Span | None:
        return rate(self.visits, self.staffed_hours)

    @property
    def cost_per_visit(self) -> Span | None:
        if self.annual_cost is None:
            return None
        return rate(self.visits, 1, inverse=self.annual_cost * (self.weeks / 52.18))

    @property
    def includes_synthetic(self) -> bool:
        return self.synthetic

    def table(self, prefix: str) -> Table[str]:
        """One family of the visits (purposes, how they heard, …) by label, with the total."""
        return Table(
            cells={
                label: self.parts.get(f"{prefix}_{value}", ZERO)
                for value, label in _choices(prefix)
            },
            total=self.visits,
        )

    # Reviews freeze rows as JSON.
    def to_json(self) -> dict[str, Any]:
        def fig(f: Figure) -> list[Any]:
            return [f.shown, f.hidden, f.cap]

        return {
            "slug": self.slug, "name": self.name, "borough": self.borough, "kind": self.kind,
            "weeks": self.weeks, "annual_cost": self.annual_cost,
            "sessions_advertised": self.sessions_advertised, "sessions_held": self.sessions_held,
            "advertised_hours": self.advertised_hours, "staffed_hours": self.staffed_hours,
            "visits": fig(self.visits), "with_visitor": fig(self.with_visitor),
            "parts": {key: fig(f) for key, f in self.parts.items()},
            "synthetic": self.synthetic,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any], *, least: int = 0) -> Row:
        """A frozen row; `least` 1 for reviews frozen when hidden cells were never empty."""

        def fig(stored: list[Any]) -> Figure:
            shown, hidden, cap = stored
            return Figure(shown, hidden, cap, least)

        data = dict(data)
        data["visits"] = fig(data["visits"])
        data["with_visitor"] = fig(data["with_visitor"])
        data["parts"] = {key: fig(f) for key, f in data["parts"].items()}
        return cls(**data)


def _base_rows(period: Period, contact_points: QuerySet[ContactPoint]) -> dict[int, Row]:
    return {
        cp["pk"]: Row(
            slug=cp["slug"], name=cp["name"], borough=cp["borough"], kind=cp["kind"],
            weeks=period.weeks,
            annual_cost=float(cp["annual_cost"]) if cp["annual_cost"] is not None else None,
        )
        for cp in contact_points.values("pk", "slug", "name", "borough", "kind", "annual_cost")
    }  # fmt: skip


# --- Public: sums of released cells ------------------------------------------------------


def public_rows(period: Period, contact_points: QuerySet[ContactPoint]) -> list[Row]:
    """Each contact point's published figures for a period of whole released months, in one
    aggregate query: per column, the sum of the exact cells and the number suppressed."""
    by_pk = _base_rows(period, contact_points)
    cap = threshold() - 1
    months = UsageMonth.objects.current().filter(
        month__gte=period.start, month__lte=period.end, contact_point__in=list(by_pk)
    )
    aggregates: dict[str, Any] = {
        "n": Count("pk"),
        "synthetic": Count("pk", filter=Q(synthetic=True)),
    }
    for column in release.VISITOR_COLUMNS:
        aggregates[f"s_{column}"] = Sum(column)
        aggregates[f"k_{column}"] = Count(column)  # counts the non-NULL (exact) cells
    names = [(column, f"s_{column}", f"k_{column}") for column in TALLIES]
    for item in months.values("contact_point").annotate(
        adv=Sum("sessions_advertised"), held=Sum("sessions_held"),
        adv_s=Sum("advertised_seconds"), staffed_s=Sum("staffed_seconds"), **aggregates,
    ).order_by():  # fmt: skip
        row = by_pk[item["contact_point"]]
        row.sessions_advertised, row.sessions_held = item["adv"], item["held"]
        row.advertised_hours, row.staffed_hours = item["adv_s"] / 3600, item["staffed_s"] / 3600
        cells = item["n"]
        row.synthetic = item["synthetic"] > 0
        # Visits and sessions with a visitor are hidden only when below k (0 to k − 1); a
        # part of the visits may also be hidden to protect another, so has no known cap.
        hidden = cells - item["k_visits"]
        row.visits = Figure(item["s_visits"] or 0, hidden, cap if hidden else None)
        hidden = cells - item["k_sessions_with_visitor"]
        row.with_visitor = Figure(
            item["s_sessions_with_visitor"] or 0, hidden, cap if hidden else None
        )
        row.parts = {
            column: Figure(item[shown] or 0, cells - item[exact]) for column, shown, exact in names
        }
    return sorted(by_pk.values(), key=lambda r: r.name)


# --- Staff: exact live figures -------------------------------------------------------------


def live_rows(period: Period, contact_points: QuerySet[ContactPoint]) -> list[Row]:
    """Exact figures for any period of whole London days (staff only)."""
    by_pk = _base_rows(period, contact_points)
    sessions = StaffedSession.objects.filter(
        scheduled_start__gte=period.start_at, scheduled_start__lt=period.end_at,
        contact_point__in=list(by_pk),
    )  # fmt: skip
    for item in release.session_figures(sessions):
        row = by_pk[item["contact_point"]]
        row.sessions_advertised, row.sessions_held = item["advertised"], item["held"]
        row.advertised_hours = release._seconds(item["advertised_length"]) / 3600
        row.staffed_hours = release._seconds(item["staffed_length"]) / 3600
        row.with_visitor = Figure(item["with_visitor"])
    days = UsageDay.objects.filter(
        day__gte=period.start, day__lte=period.end, contact_point__in=list(by_pk)
    )
    columns = {column: Sum(column) for column in TALLIES}
    for item in days.values("contact_point").annotate(n=Sum("visits"), **columns).order_by():
        row = by_pk[item["contact_point"]]
        row.visits = Figure(item["n"])
        row.parts = {column: Figure(item[column]) for column in TALLIES}
        row.synthetic = item["source_synthetic"] > 0
    return sorted(by_pk.values(), key=lambda r: r.name)


def rows(period: Period, contact_points: QuerySet[ContactPoint], *, exact: bool) -> list[Row]:
    return (live_rows if exact else public_rows)(period, contact_points)


# --- Pages -------------------------------------------------------------------------------


def _total(found: list[Row], weeks: float) -> Row:
    """The sum of the rows (one pass of plain additions; pages list a thousand rows)."""
    total = Row(slug="", name="All contact points", borough="", kind="", weeks=weeks)
    figures: dict[str, list[int]] = {}
    caps: dict[str, int | None] = {}
    for row in found:
        total.sessions_advertised += row.sessions_advertised
        total.sessions_held += row.sessions_held
        total.advertised_hours += row.advertised_hours
        total.staffed_hours += row.staffed_hours
        total.synthetic |= row.synthetic
        for key, figure in (("visits", row.visits), ("with_visitor", row.with_visitor),
                            *row.parts.items()):  # fmt: skip
            sums = figures.setdefault(key, [0, 0])
            sums[0] += figure.shown
            sums[1] += figure.hidden
            if figure.hidden:
                caps[key] = figure.cap if caps.get(key, figure.cap) == figure.cap else None
    costs = [r.annual_cost for r in found]
    total.annual_cost = (
        sum(c for c in costs if c is not None) if costs and None not in costs else None
    )
    made = {key: Figure(s, h, caps.get(key) if h else None) for key, (s, h) in figures.items()}
    total.visits = made.pop("visits", ZERO)
    total.with_visitor = made.pop("with_visitor", ZERO)
    total.parts = made
    return total


@dataclass
class Overview:
    period: Period
    rows: list[Row]
    totals: Row
    exact: bool
    threshold: int

    @property
    def purposes(self) -> Table[str]:
        return self.totals.table("purpose")

    @property
    def heard_via(self) -> Table[str]:
        return self.totals.table("heard")

    @property
    def sources(self) -> Table[str]:
        return self.totals.table("source")


def overview(
    period: Period, contact_points: QuerySet[ContactPoint], *, exact: bool = False
) -> Overview:
    found = rows(period, contact_points, exact=exact)
    return Overview(
        period=period, rows=found, totals=_total(found, period.weeks), exact=exact,
        threshold=threshold(),
    )  # fmt: skip


@dataclass
class Detail:
    period: Period
    row: Row
    months: Table[str]
    sessions_by_month: list[tuple[str, int, int]]  # (month, advertised, held)
    heatmap: Table[tuple[int, int]]  # (ISO weekday 1–7, hour 0–23)
    replaced: list[dict[str, Any]]
    exact: bool
    threshold: int

    def table(self, prefix: str) -> Table[str]:
        return self.row.table(prefix)


def _month_starts(period: Period) -> list[date]:
    found, month = [], period.start.replace(day=1)
    while month <= period.end:
        found.append(month)
        month = next_month(month)
    return found


def detail(contact_point: ContactPoint, period: Period, *, exact: bool = False) -> Detail:
    only = ContactPoint.objects.filter(pk=contact_point.pk)
    (row,) = rows(period, only, exact=exact)
    months = _month_starts(period)
    grid = [(d, h) for d in range(1, 8) for h in range(24)]
    sessions: dict[date, tuple[int, int]] = {}
    if exact:
        days = UsageDay.objects.filter(
            contact_point=contact_point, day__gte=period.start, day__lte=period.end
        )
        by_month = {
            item["month"]: Figure(item["n"])
            for item in days.annotate(month=TruncMonth("day"))
            .values("month")
            .annotate(n=Sum("visits"))
            .order_by()
        }
        heat: dict[tuple[int, int], Figure] = {}
        for item in (
            days.annotate(weekday=ExtractIsoWeekDay("day"))
            .values("weekday")
            .annotate(**{column: Sum(column) for column in HOURS})
            .order_by()
        ):
            for hour, column in enumerate(HOURS):
                heat[(item["weekday"], hour)] = Figure(item[column])
        for item in (
            StaffedSession.objects.filter(
                contact_point=contact_point,
                scheduled_start__gte=period.start_at,
                scheduled_start__lt=period.end_at,
            )
            .annotate(month=TruncMonth("scheduled_start", tzinfo=LONDON))
            .values("month")
            .annotate(advertised=Count("pk"), held=Count("pk", filter=release.HELD))
            .order_by()
        ):
            sessions[item["month"].date()] = (item["advertised"], item["held"])
        heatmap = {key: heat.get(key, ZERO) for key in grid}
    else:
        stored = {
            m.month: m
            for m in UsageMonth.objects.current().filter(
                contact_point=contact_point, month__gte=period.start, month__lte=period.end
            )
        }
        cap = threshold() - 1
        by_month = {month: figure_of([m.visits], cap) for month, m in stored.items()}
        sessions = {month: (m.sessions_advertised, m.sessions_held) for month, m in stored.items()}
        heatmap = {
            (d, h): figure_of(when_cell(m.details, f"when_{d}_{h:02d}") for m in stored.values())
            for d, h in grid
        }
    replaced = [
        {
            "name": old.name,
            "weekly_hours": float(old.former_weekly_hours)
            if old.former_weekly_hours is not None
            else None,
            "weekly_visits": float(old.former_weekly_visits)
            if old.former_weekly_visits is not None
            else None,
        }
        for old in contact_point.replaces.all()
    ]
    return Detail(
        period=period,
        row=row,
        months=Table(cells={f"{m:%b %Y}": by_month.get(m, ZERO) for m in months}, total=row.visits),
        sessions_by_month=[(f"{m:%b %Y}", *sessions.get(m, (0, 0))) for m in months],
        heatmap=Table(cells=heatmap, total=row.visits),
        replaced=replaced,
        exact=exact,
        threshold=threshold(),
    )


def snapshot(period: Period, contact_points: QuerySet[ContactPoint]) -> dict[str, Any]:
    """The figures to freeze into a published review: exactly what the public usage pages
    show for the same period and places, as plain JSON."""
    found = public_rows(period, contact_points)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "threshold": threshold(),
        "rules": RULES,
        "rows": [r.to_json() for r in found],
    }


# The disclosure rules a snapshot was frozen under: 2 hides zeros like small counts
# (docs/usage-figures.md); snapshots without the key were frozen when hidden cells held at
# least one visitor, and read as they were published.
RULES = 2


def frozen_rows(snapshot: dict[str, Any] | None) -> list[Row]:
    least = 0 if (snapshot or {}).get("rules", 1) >= RULES else 1
    return [Row.from_json(r, least=least) for r in (snapshot or {}).get("rows", [])]
