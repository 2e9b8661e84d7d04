"""Releasing usage figures to the public, one calendar month at a time.

The public never sees live counts. A month is released once it has ended and
`USAGE_RELEASE_DAYS` more days have passed (for paper sheets typed in late): each contact
point's figures for that month are protected by disclosure control and stored as published
(`UsageMonth`). Every public page, download and review is then built from those cells
only. When visits or sessions of a released month change later, the month is noted as due
for revision (`UsageRevisionDue`, by `publishing.rollup`) and revised here only when a
reader comparing the old and the new publication could learn no small number
(`disclosure.revision_is_safe`): a revision is a new row beside the one it supersedes, never
a change to a published row. Otherwise the published figures stay as they were. See
docs/usage-figures.md.

`release()` runs in the daily command (`manage.py daily`) and when a review is published;
no page view writes. Every insert of published cells changes the figures' data version in
the same transaction (a trigger: `core.versions`), so cached pages follow at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractIsoWeekDay, Greatest, Least
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from core.time import local, midnight, month_start, next_month, previous_month
from visits.models import SessionState, StaffedSession

from .disclosure import Published, protect_month, revision_is_safe
from .models import (
    FAMILIES,
    HOURS,
    TALLIES,
    WHEN_KEYS,
    UsageDay,
    UsageMonth,
    UsageRelease,
    UsageRevisionDue,
    when_cell,
    when_details,
)

logger = logging.getLogger(__name__)

# Columns of UsageMonth about staff time (exact), and holding protected visitor counts.
SESSION_FIELDS = ["sessions_advertised", "sessions_held", "advertised_seconds", "staffed_seconds"]
VISITOR_COLUMNS = ["visits", "sessions_with_visitor", *TALLIES]


def threshold() -> int:
    return int(settings.DISCLOSURE_THRESHOLD)


def last_releasable(today: date) -> date:
    """The latest month that may be released on `today`."""
    month = previous_month(month_start(today))
    if next_month(month) + timedelta(days=settings.USAGE_RELEASE_DAYS) > today:
        month = previous_month(month)
    return month


def release_due(
    releases: QuerySet[Any],
    first_day: Callable[[], date | None],
    release_month: Callable[[date], object],
    today: date | None = None,
) -> int:
    """Release every month that is due, for a table of released months (`releases`, each
    row's `month`) whose data starts on `first_day()`; returns how many. Used by the
    search demand and visitor feedback releases."""
    last = last_releasable(today or local(timezone.now()).date())
    start = first_day()
    done = set(releases.values_list("month", flat=True))
    month = month_start(start) if start else None
    released = 0
    while month is not None and month <= last:
        if month not in done:
            released += bool(release_month(month))
        month = next_month(month)
    return released


def first_data_month() -> date | None:
    first_day = UsageDay.objects.aggregate(first=Min("day"))["first"]
    first_session = StaffedSession.objects.aggregate(first=Min("scheduled_start"))["first"]
    candidates = [d for d in (first_day, first_session and local(first_session).date()) if d]
    return month_start(min(candidates)) if candidates else None


def released_months() -> list[date]:
    return list(UsageRelease.objects.values_list("month", flat=True))


# Time an officer was there within the advertised hours: a session opened early or closed
# late never counts for more than was advertised.
_SPAN_START = Greatest("actual_start", "scheduled_start")
_SPAN_END = Least(Coalesce("actual_end", "scheduled_end"), "scheduled_end")
STAFFED_WITHIN_ADVERTISED = Case(
    When(
        GreaterThan(_SPAN_END, _SPAN_START),
        then=ExpressionWrapper(_SPAN_END - _SPAN_START, output_field=DurationField()),
    ),
    default=Value(timedelta(0)),
    output_field=DurationField(),
)
SCHEDULED_LENGTH = ExpressionWrapper(
    F("scheduled_end") - F("scheduled_start"), output_field=DurationField()
)
HELD = Q(state=SessionState.HELD)


def session_figures(sessions: QuerySet[StaffedSession]) -> QuerySet[StaffedSession, Any]:
    """Per contact point: sessions advertised and held, advertised and staffed time, and held
    sessions that had at least one visitor."""
    return (
        sessions.values("contact_point")
        .annotate(
            advertised=Count("pk"),
            held=Count("pk", filter=HELD),
            advertised_length=Sum(SCHEDULED_LENGTH),
            staffed_length=Sum(STAFFED_WITHIN_ADVERTISED, filter=HELD),
            with_visitor=Count("pk", filter=HELD & Q(visit_count__gt=0)),
        )
        .order_by()
    )


def _seconds(value: timedelta | None) -> int:
    return int(value.total_seconds()) if value else 0


def live_month(
    month: date, contact_point_ids: list[int] | None = None
) -> dict[int, dict[str, Any]]:
    """The live figures of one month per contact point, from the roll-up and the sessions:
    {'sessions': {...exact}, 'published': {...protected cells}}."""
    days = UsageDay.objects.filter(day__gte=month, day__lt=next_month(month))
    sessions = StaffedSession.objects.filter(
        scheduled_start__gte=midnight(month),
        scheduled_start__lt=midnight(next_month(month)),
    )
    if contact_point_ids is not None:
        days = days.filter(contact_point__in=contact_point_ids)
        sessions = sessions.filter(contact_point__in=contact_point_ids)
    columns = ["visits", *TALLIES, *HOURS]
    raw: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        days.annotate(weekday=ExtractIsoWeekDay("day"))
        .values("contact_point", "weekday")
        .annotate(**{f"n_{c}": Sum(c) for c in columns})
        .order_by()
    ):
        cells = raw[row["contact_point"]]
        for column in ["visits", *TALLIES]:
            cells[column] += row[f"n_{column}"]
        for hour, column in enumerate(HOURS):
            if row[f"n_{column}"]:
                cells[f"when_{row['weekday']}_{hour:02d}"] += row[f"n_{column}"]
    timing: dict[int, dict[str, int]] = {}
    for row in session_figures(sessions):
        timing[row["contact_point"]] = {
            "sessions_advertised": row["advertised"],
            "sessions_held": row["held"],
            "advertised_seconds": _seconds(row["advertised_length"]),
            "staffed_seconds": _seconds(row["staffed_length"]),
            "sessions_with_visitor": row["with_visitor"],
        }
    k = threshold()
    found = {}
    for cp in raw.keys() | timing.keys():
        cells = raw.get(cp, defaultdict(int))
        exact = timing.get(cp, dict.fromkeys([*SESSION_FIELDS, "sessions_with_visitor"], 0))
        families = {
            prefix: {f"{prefix}_{value}": cells[f"{prefix}_{value}"] for value in choices.values}
            for prefix, (_field, choices) in FAMILIES.items()
        }
        families["when"] = {key: cells.get(key, 0) for key in WHEN_KEYS}
        consistent = all(sum(f.values()) == cells["visits"] for f in families.values())
        if not consistent:
            logger.warning("Usage roll-up disagrees for contact point %s in %s", cp, month)
        found[cp] = {
            "consistent": consistent,
            "synthetic": cells["source_synthetic"] > 0,
            "sessions": {k_: v for k_, v in exact.items() if k_ != "sessions_with_visitor"},
            "published": protect_month(
                cells["visits"],
                families,
                {"sessions_with_visitor": exact["sessions_with_visitor"]},
                k,
            ),
        }
    return found


def published_of(row: UsageMonth | None) -> Published:
    """A stored row's published cells, every key named, as `protect_month` gives them. A
    month with no row was read by the public as zeros."""
    if row is None:
        return dict.fromkeys([*VISITOR_COLUMNS, *WHEN_KEYS], 0)
    cells: Published = {c: getattr(row, c) for c in VISITOR_COLUMNS}
    return cells | {key: when_cell(row.details, key) for key in WHEN_KEYS}


def _fields(figures: dict[str, Any]) -> dict[str, Any]:
    published: Published = figures["published"]
    details = when_details(published)
    if not figures.get("consistent", True):
        details["_inconsistent"] = True  # published hidden throughout; revised once mended
    return {
        **figures["sessions"],
        **{c: published.get(c) for c in VISITOR_COLUMNS},
        "details": details,
        "synthetic": figures.get("synthetic", False),
    }


def release(today: date | None = None) -> None:
    """Release every month that is due, and publish the revisions that have become safe."""
    today = today or local(timezone.now()).date()
    due_until = last_releasable(today)
    first = first_data_month()
    if first is not None:
        done = set(released_months())
        month = first
        while month <= due_until:
            if month not in done:
                _release_month(month)
            month = next_month(month)
    _revise_due()


def _release_month(month: date) -> bool:
    try:
        with transaction.atomic():
            UsageRelease.objects.create(month=month)  # one process releases a month
            live = live_month(month)
            UsageMonth.objects.bulk_create(
                [
                    UsageMonth(contact_point_id=cp, month=month, **_fields(figures))
                    for cp, figures in live.items()
                ],
                batch_size=1000,
            )
            # Changes noted before the release are in it; a month whose counts disagree is
            # published hidden throughout and looked at again.
            UsageRevisionDue.objects.filter(month=month).delete()
            UsageRevisionDue.objects.bulk_create(
                UsageRevisionDue(contact_point_id=cp, month=month)
                for cp, figures in live.items()
                if not figures["consistent"]
            )
    except IntegrityError:
        return False  # released meanwhile by another request
    return True


def _revise_due() -> bool:
    """Publish each revision that is due and safe, as the month's next revision beside the
    one it supersedes; the others stay due, and the public keeps what it had."""
    changed = False
    k = threshold()
    by_month: dict[date, list[int]] = defaultdict(list)
    for cp, month in UsageRevisionDue.objects.values_list("contact_point_id", "month"):
        by_month[month].append(cp)
    for month, cps in sorted(by_month.items()):
        with transaction.atomic():
            due = {
                note.contact_point_id: note
                for note in UsageRevisionDue.objects.select_for_update().filter(
                    month=month, contact_point__in=cps
                )
            }
            current = {
                row.contact_point_id: row
                for row in UsageMonth.objects.current().filter(month=month, contact_point__in=due)
            }
            live = live_month(month, list(due))
            for cp, note in due.items():
                figures = live.get(cp) or {"sessions": {}, "published": {}}
                figures["sessions"] = dict.fromkeys(SESSION_FIELDS, 0) | figures["sessions"]
                if not figures.get("consistent", True):
                    continue  # still disagreeing: stays hidden until mended
                row = current.get(cp)
                # A month published hidden throughout (its counts disagreed) said nothing,
                # so its first consistent figures are a first release, not a revision.
                first = row is not None and bool(row.details.get("_inconsistent"))
                before = published_of(row)
                if not first and not revision_is_safe(before, figures["published"], k):
                    continue  # held back: the public keeps the figures it had
                fields = _fields(figures)
                if row is None or any(getattr(row, n) != v for n, v in fields.items()):
                    if row is not None:
                        UsageMonth.objects.filter(pk=row.pk).update(superseded=True)
                    UsageMonth.objects.create(
                        contact_point_id=cp, month=month,
                        revision=(row.revision + 1) if row else 0, **fields,
                    )  # fmt: skip
                    changed = True
                note.delete()
    return changed


def held_back() -> int:
    """How many contact point months have a revision waiting until it is safe to publish."""
    return UsageRevisionDue.objects.count()
