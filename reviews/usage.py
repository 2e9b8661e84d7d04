"""Usage figures, computed in the database (a few aggregate queries, no per-row loops over
visits), cached until visits or sessions change, and protected by disclosure control before
anything is shown. See docs/usage-figures.md for what each figure means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncMonth

from contactpoints.hours import LONDON
from contactpoints.models import ContactPoint
from visits.models import (
    TALLIES,
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    Source,
    StaffedSession,
    UsageDay,
    Visit,
)
from visits.services import usage_version

from .disclosure import Breakdown, protect

CACHE_SECONDS = 24 * 3600


def threshold() -> int:
    return int(settings.DISCLOSURE_THRESHOLD)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def last_12_months(cls, today: date) -> Period:
        return cls(date(today.year - 1, today.month, 1), today - timedelta(days=1))

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), tzinfo=LONDON)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=LONDON)

    @property
    def weeks(self) -> float:
        return ((self.end - self.start).days + 1) / 7

    @property
    def label(self) -> str:
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def _hours(value: timedelta | None) -> float:
    return value.total_seconds() / 3600 if value else 0.0


@dataclass
class Row:
    """One contact point's figures for a period (raw; protected when presented)."""

    slug: str
    name: str
    borough: str
    kind: str
    weeks: float
    sessions_advertised: int = 0
    sessions_held: int = 0
    advertised_hours: float = 0.0
    staffed_hours: float = 0.0
    zero_visit_sessions: int = 0
    visits: int = 0
    private_room_used: int = 0
    private_room_asked: int = 0
    annual_cost: float | None = None
    purposes: dict[str, int] = field(default_factory=dict)
    heard_via: dict[str, int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)

    @property
    def held_share(self) -> float | None:
        return self.sessions_held / self.sessions_advertised if self.sessions_advertised else None

    @property
    def staffed_share(self) -> float | None:
        """Share of advertised hours actually staffed."""
        return self.staffed_hours / self.advertised_hours if self.advertised_hours else None

    @property
    def zero_visit_share(self) -> float | None:
        return self.zero_visit_sessions / self.sessions_held if self.sessions_held else None

    @property
    def visits_per_week(self) -> float:
        return self.visits / self.weeks if self.weeks else 0.0

    @property
    def visits_per_staffed_hour(self) -> float | None:
        return self.visits / self.staffed_hours if self.staffed_hours else None

    @property
    def cost_per_visit(self) -> float | None:
        if self.annual_cost is None or not self.visits:
            return None
        return self.annual_cost * (self.weeks / 52.18) / self.visits


def _visits(period: Period, contact_points: QuerySet[ContactPoint]) -> QuerySet[Visit]:
    return Visit.objects.counted().filter(
        contact_point__in=contact_points,
        arrived_at__gte=period.start_at,
        arrived_at__lt=period.end_at,
    )


def _sessions(period: Period, contact_points: QuerySet[ContactPoint]) -> QuerySet[StaffedSession]:
    return StaffedSession.objects.filter(
        contact_point__in=contact_points,
        scheduled_start__gte=period.start_at,
        scheduled_start__lt=period.end_at,
    )


HELD = Q(state=SessionState.HELD)
SCHEDULED_LENGTH = ExpressionWrapper(
    F("scheduled_end") - F("scheduled_start"), output_field=DurationField()
)
STAFFED_LENGTH = ExpressionWrapper(
    Coalesce("actual_end", "scheduled_end") - F("actual_start"), output_field=DurationField()
)


def rows(period: Period, contact_points: QuerySet[ContactPoint]) -> list[Row]:
    """Figures per contact point in three aggregate queries, whatever the number of visits:
    sessions; sessions with no visitor (from each session's kept visit count); and the
    daily roll-up of visits by category (`visits.UsageDay`), summed over the period."""
    by_pk = {
        cp["pk"]: Row(
            slug=cp["slug"], name=cp["name"], borough=cp["borough"], kind=cp["kind"],
            weeks=period.weeks,
            annual_cost=float(cp["annual_cost"]) if cp["annual_cost"] is not None else None,
        )
        for cp in contact_points.values("pk", "slug", "name", "borough", "kind", "annual_cost")
    }  # fmt: skip
    # Grouped by contact point over the whole period; groups of places not listed are
    # dropped here, which costs less than an IN (…) filter on millions of rows.
    sessions = StaffedSession.objects.filter(
        scheduled_start__gte=period.start_at, scheduled_start__lt=period.end_at
    )
    if len(by_pk) == 1:
        sessions = sessions.filter(contact_point__in=list(by_pk))
    for item in sessions.values("contact_point").annotate(
        advertised=Count("pk"),
        held=Count("pk", filter=HELD),
        advertised_length=Sum(SCHEDULED_LENGTH),
        staffed_length=Sum(STAFFED_LENGTH, filter=HELD),
    ):
        row = by_pk.get(item["contact_point"])
        if row is None:
            continue
        row.sessions_advertised = item["advertised"]
        row.sessions_held = item["held"]
        row.advertised_hours = _hours(item["advertised_length"])
        row.staffed_hours = _hours(item["staffed_length"])
    for item in (
        sessions.filter(HELD, visit_count=0).values("contact_point").annotate(n=Count("pk"))
    ):
        if item["contact_point"] in by_pk:
            by_pk[item["contact_point"]].zero_visit_sessions = item["n"]
    # Visits come from the daily roll-up, summed over the period's days.
    days = UsageDay.objects.filter(day__gte=period.start, day__lte=period.end)
    if len(by_pk) == 1:
        days = days.filter(contact_point__in=list(by_pk))
    columns = {column: Sum(column) for column in TALLIES}
    for item in days.values("contact_point").annotate(n=Sum("visits"), **columns):
        row = by_pk.get(item["contact_point"])
        if row is None:
            continue
        row.visits = item["n"]
        row.private_room_used = item[f"room_{PrivateRoom.USED}"]
        row.private_room_asked = item[f"room_{PrivateRoom.ASKED_NOT_AVAILABLE}"]
        row.purposes = {v: item[f"purpose_{v}"] for v in Purpose.values}
        row.heard_via = {v: item[f"heard_{v}"] for v in HeardVia.values}
        row.sources = {v: item[f"source_{v}"] for v in Source.values}
    return sorted(by_pk.values(), key=lambda r: r.name)


def _summed(found: list[Row], attribute: str, choices: Iterable[tuple[str, str]]) -> Breakdown[str]:
    return protect(
        {
            label: sum(getattr(r, attribute).get(value, 0) for r in found)
            for value, label in choices
        },
        threshold(),
    )


def private_room(row: Row) -> Breakdown[str]:
    """A contact point's private-room use, protected (counted in the roll-up)."""
    counts: dict[str, int] = {
        PrivateRoom.USED: row.private_room_used,
        PrivateRoom.ASKED_NOT_AVAILABLE: row.private_room_asked,
        PrivateRoom.NOT_NEEDED: row.visits - row.private_room_used - row.private_room_asked,
    }
    return protect({label: counts[value] for value, label in PrivateRoom.choices}, threshold())


def _sources_of(found: list[Row]) -> Sources:
    total = {v: sum(r.sources.get(v, 0) for r in found) for v in Source.values}
    result = Sources(
        total=sum(total.values()),
        counter=total[Source.COUNTER],
        imported=total[Source.IMPORT],
        synthetic=total[Source.SYNTHETIC],
    )
    result.other = result.total - result.counter - result.imported - result.synthetic
    return result


def breakdown(
    visits: QuerySet[Visit], field_name: str, choices: Iterable[tuple[str, str]]
) -> Breakdown[str]:
    counts = dict(visits.values_list(field_name).annotate(n=Count("pk")).order_by())
    return protect({label: counts.get(value, 0) for value, label in choices}, threshold())


@dataclass
class Sources:
    total: int = 0
    counter: int = 0
    imported: int = 0
    synthetic: int = 0
    other: int = 0


@dataclass
class Overview:
    period: Period
    rows: list[Row]
    visits: Breakdown[str]  # per contact point, protected
    purposes: Breakdown[str]
    heard_via: Breakdown[str]
    sources: Sources
    threshold: int = field(default=5)

    @property
    def totals(self) -> Row:
        total = Row(
            slug="", name="All contact points", borough="", kind="", weeks=self.period.weeks
        )
        for row in self.rows:
            for name in (
                "sessions_advertised", "sessions_held", "advertised_hours", "staffed_hours",
                "zero_visit_sessions", "visits", "private_room_used", "private_room_asked",
            ):  # fmt: skip
                setattr(total, name, getattr(total, name) + getattr(row, name))
        costs = [r.annual_cost for r in self.rows if r.annual_cost is not None]
        total.annual_cost = sum(costs) if costs and len(costs) == len(self.rows) else None
        return total


def _cached(key: str, compute: Any) -> Any:
    full_key = f"usage:{usage_version()}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, CACHE_SECONDS)
    return value


def overview(period: Period, *, borough: str = "", kind: str = "", cached: bool = True) -> Overview:
    contact_points = ContactPoint.objects.published().filter(
        Exists(StaffedSession.objects.filter(contact_point=OuterRef("pk")))
    )
    if borough:
        contact_points = contact_points.filter(borough=borough)
    if kind:
        contact_points = contact_points.filter(kind=kind)

    def compute() -> Overview:
        found = rows(period, contact_points)
        return Overview(
            period=period,
            rows=found,
            visits=protect({r.slug: r.visits for r in found}, threshold()),
            purposes=_summed(found, "purposes", Purpose.choices),
            heard_via=_summed(found, "heard_via", HeardVia.choices),
            sources=_sources_of(found),
            threshold=threshold(),
        )

    if not cached:
        return compute()
    return _cached(f"overview:{period.start}:{period.end}:{borough}:{kind}", compute)


@dataclass
class Detail:
    period: Period
    row: Row
    months: Breakdown[str]
    sessions_by_month: list[tuple[str, int, int]]  # (month, advertised, held)
    heatmap: Breakdown[tuple[int, int]]  # (ISO weekday 1–7, hour 0–23)
    purposes: Breakdown[str]
    outcomes: Breakdown[str]
    heard_via: Breakdown[str]
    private_room: Breakdown[str]
    sources: Sources
    replaced: list[dict[str, Any]]


def detail(contact_point: ContactPoint, period: Period, *, cached: bool = True) -> Detail:
    only = ContactPoint.objects.filter(pk=contact_point.pk)

    def compute() -> Detail:
        (row,) = rows(period, only)
        visits = _visits(period, only)
        months = _months(period)
        by_month = dict(
            visits.annotate(month=TruncMonth("arrived_at", tzinfo=LONDON))
            .values_list("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        month_counts = {label: by_month.get(start, 0) for label, start in months}
        sessions = {
            item["month"]: (item["advertised"], item["held"])
            for item in _sessions(period, only)
            .annotate(month=TruncMonth("scheduled_start", tzinfo=LONDON))
            .values("month")
            .annotate(advertised=Count("pk"), held=Count("pk", filter=HELD))
            .order_by()
        }
        heat = {
            (day, hour): n
            for day, hour, n in visits.annotate(
                day=ExtractIsoWeekDay("arrived_at", tzinfo=LONDON),
                hour=ExtractHour("arrived_at", tzinfo=LONDON),
            )
            .values_list("day", "hour")
            .annotate(n=Count("pk"))
            .order_by()
        }
        grid = {(d, h): heat.get((d, h), 0) for d in range(1, 8) for h in range(24)}
        replaced = [
            {
                "name": old.name,
                "slug": old.slug,
                "is_published": old.is_published,
                "weekly_hours": float(old.former_weekly_hours)
                if old.former_weekly_hours is not None
                else None,
                "weekly_visits": float(old.former_weekly_visits)
                if old.former_weekly_visits is not None
                else None,
                "closed_on": old.closed_on.isoformat() if old.closed_on else None,
            }
            for old in contact_point.replaces.all()
        ]
        return Detail(
            period=period,
            row=row,
            months=protect(month_counts, threshold()),
            sessions_by_month=[(label, *sessions.get(start, (0, 0))) for label, start in months],
            heatmap=protect(grid, threshold()),
            # Categories the roll-up counts come with the row; outcomes are not rolled up.
            purposes=_summed([row], "purposes", Purpose.choices),
            outcomes=breakdown(visits, "outcome", Outcome.choices),
            heard_via=_summed([row], "heard_via", HeardVia.choices),
            private_room=private_room(row),
            sources=_sources_of([row]),
            replaced=replaced,
        )

    if not cached:
        return compute()
    return _cached(f"detail:{contact_point.pk}:{period.start}:{period.end}", compute)


def _months(period: Period) -> list[tuple[str, datetime]]:
    """Each month the period touches, as (label, aware start) pairs."""
    found = []
    year, month = period.start.year, period.start.month
    while date(year, month, 1) <= period.end:
        start = datetime(year, month, 1, tzinfo=LONDON)
        found.append((f"{start:%b %Y}", start))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def snapshot(period: Period, contact_points: QuerySet[ContactPoint]) -> dict[str, Any]:
    """The figures to freeze into a published review, as plain JSON: the raw rows per
    contact point (with their category counts); disclosure control is applied on display."""
    found = rows(period, contact_points)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "threshold": threshold(),
        "rows": [asdict(r) for r in found],
        "sources": asdict(_sources_of(found)),
    }
