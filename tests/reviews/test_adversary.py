"""An adversary in the test suite (docs/usage-figures.md, "Threat model").

The adversary can request every public usage output — pages, CSV downloads, review pages
and their CSVs — for every period and filter the site accepts, as often as they like, and
subtract or divide any of them. Rather than list every attack (total minus cells,
overlapping periods, filter differencing, cross-page comparison, rate × base, published
minus today), these tests check the property that defeats them all: two visit histories that
differ only inside suppressed cells produce byte-for-byte the same public surface. If no
output differs, no arithmetic on the outputs can tell the two apart, so none can recover the
suppressed count.

- Two worlds: Hypothesis builds a small history (small places, single visitors, two
  boroughs) and a twin with one more visitor. Whenever the twin's published cells are the
  same as the original's (the visitor landed in suppressed cells), every public output must
  be identical.
- Over time: a history is published and frozen into a review; then a few visits (fewer than
  the threshold) are imported late into a published month. Nothing public may change.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from contactpoints.hours import LONDON
from reviews import release
from reviews import services as review_services
from reviews.models import Review
from tests.factories import ContactPointFactory, staff_user
from users import roles
from visits import services
from visits.models import (
    HeardVia,
    Outcome,
    PrivateRoom,
    Purpose,
    SessionState,
    StaffedSession,
    UsageMonth,
    Visit,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # September and October are published
MONTHS = [date(2026, 9, 1), date(2026, 10, 1)]
PLACES = [("north", "Camden"), ("south", "Lambeth"), ("east", "Lambeth")]


@dataclass(frozen=True)
class Arrival:
    place: int
    month: int
    minute: int
    purpose: str
    heard: str
    room: str
    outcome: str


arrivals = st.builds(
    Arrival,
    place=st.integers(0, len(PLACES) - 1),
    month=st.integers(0, len(MONTHS) - 1),
    minute=st.sampled_from([5, 35]),  # two hours of the week: 19:05 and 19:35 → both 19:00
    purpose=st.sampled_from([Purpose.REPORT_CRIME, Purpose.ADVICE, Purpose.BAIL]),
    heard=st.sampled_from([HeardVia.NOT_ASKED, HeardVia.POSTER]),
    room=st.sampled_from([PrivateRoom.NOT_NEEDED, PrivateRoom.USED]),
    outcome=st.sampled_from([Outcome.NOT_RECORDED, Outcome.CRIME_REPORT]),
)
# Small histories, with places and months of one or two visitors among bigger ones.
histories = st.lists(arrivals, min_size=0, max_size=24)


def _session_start(month: int) -> datetime:
    first = MONTHS[month]
    return datetime(first.year, first.month, 14, 19, tzinfo=LONDON)


def _build(history: list[Arrival]) -> dict[str, Any]:
    """Places, one held session per place and month, the visits; released and reviewed."""
    officer = staff_user("recorder", roles.MANAGER)
    places = [
        ContactPointFactory(slug=slug, name=slug.title(), borough=borough)
        for slug, borough in PLACES
    ]
    sessions = {}
    for p, place in enumerate(places):
        for m in range(len(MONTHS)):
            start = _session_start(m)
            end = start + timedelta(hours=1)
            sessions[p, m] = StaffedSession.objects.create(
                contact_point=place, scheduled_start=start, scheduled_end=end,
                actual_start=start, actual_end=end, state=SessionState.HELD,
            )  # fmt: skip
    Visit.objects.bulk_create(
        Visit(
            contact_point=places[a.place], session=sessions[a.place, a.month],
            arrived_at=_session_start(a.month) + timedelta(minutes=a.minute), purpose=a.purpose,
            heard_via=a.heard, private_room=a.room, outcome=a.outcome,
            idempotency_key=uuid.uuid4(), recorded_by=officer,
        )
        for a in history
    )  # fmt: skip
    services.usage_rebuild()
    release.release()
    author, approver = staff_user("author", roles.MANAGER), staff_user("approver", roles.MANAGER)
    review = Review.objects.create(
        title="Review", slug="review", period_start=MONTHS[0], period_end=date(2026, 10, 31),
        summary="x", author=author,
    )  # fmt: skip
    review_services.review_publish(review=review, approver=approver)
    return {"officer": officer, "places": places, "sessions": sessions}


def _month_params() -> list[dict[str, str]]:
    """Every period of whole published months (the default period is one of them)."""
    months = [f"{m:%Y-%m}" for m in MONTHS]
    periods: list[dict[str, str]] = []
    for i, start in enumerate(months):
        for end in months[i:]:
            periods.append({"start": start, "end": end})
    return periods


def surface(client: Client) -> dict[str, bytes]:
    """Every public usage output, for every period and filter the site accepts."""
    cache.clear()  # each world is read afresh, never from the other's cached pages
    found: dict[str, bytes] = {}
    overview = ["/usage/", "/usage/usage.csv", "/usage/purposes.csv", "/usage/heard-via.csv"]
    tables = ["months", "purposes", "outcomes", "heard-via", "private-room", "weekday-hour",
              "sessions"]  # fmt: skip
    filters = [{}, {"borough": "Camden"}, {"borough": "lambeth"}]
    for period in _month_params():
        for extra in filters:
            for url in overview:
                found[_key(url, period | extra)] = _get(client, url, period | extra)
        for slug, _borough in PLACES:
            urls = [f"/usage/{slug}/", *(f"/usage/{slug}/{t}.csv" for t in tables)]
            for url in urls:
                found[_key(url, period)] = _get(client, url, period)
    for url in ("/reviews/review/", "/reviews/review/figures.csv"):
        found[url] = _get(client, url, {})
    # The feed's entry ids carry database keys, which differ between the two worlds on
    # PostgreSQL (sequences are not rolled back): they say nothing about visitors.
    feed = _get(client, "/reviews/feed/", {})
    found["/reviews/feed/"] = re.sub(rb"(review|progress)-\d+", rb"\1-id", feed)
    return found


def _key(url: str, params: dict[str, str]) -> str:
    return url + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))


def _get(client: Client, url: str, params: dict[str, str]) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content


def published_cells() -> list[tuple[Any, ...]]:
    ignored = {"id", "contact_point_id", "released_at", "revised_at", "pending", "marks"}
    fields = [f.attname for f in UsageMonth._meta.concrete_fields if f.attname not in ignored]
    return sorted(
        tuple(str(row[f]) for f in ["contact_point__slug", *fields])
        for row in UsageMonth.objects.values("contact_point__slug", *fields)
    )


def _in_world(history: list[Arrival]) -> tuple[list[tuple[Any, ...]], dict[str, bytes]]:
    """Build a world, read its public surface, and undo it."""
    with transaction.atomic():
        _build(history)
        result = published_cells(), surface(Client())
        transaction.set_rollback(True)
    return result


def _differences(one: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    return [url for url in one if one[url] != other[url]]


# Each example reads the whole public surface (over a hundred requests) twice: a few in a
# local run, more in CI.
EXAMPLES = 12 if os.environ.get("CI") else 4


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, extra=arrivals, twin=st.sampled_from([True, True, True, False]))
# A lone visitor at a place in its own borough, and a second one joining them: the borough
# filter, the overview total and the months' difference all used to give them away.
@example(
    history=[Arrival(0, 1, 5, Purpose.REPORT_CRIME, HeardVia.POSTER, PrivateRoom.USED,
                     Outcome.CRIME_REPORT)],
    extra=Arrival(0, 1, 35, Purpose.REPORT_CRIME, HeardVia.POSTER, PrivateRoom.USED,
                  Outcome.CRIME_REPORT),
    twin=False,
)  # fmt: skip
def test_no_public_output_tells_apart_histories_that_differ_in_suppressed_cells(
    history: list[Arrival], extra: Arrival, twin: bool
) -> None:
    if twin and history:
        # Most often, the extra visitor is like one already there (same place, month and
        # answers), which is where a suppressed cell can hide them.
        like = history[extra.minute % len(history)]
        extra = Arrival(like.place, like.month, extra.minute, like.purpose, like.heard,
                        like.room, like.outcome)  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        cells, outputs = _in_world(history)
        twin_cells, twin_outputs = _in_world([*history, extra])
    if cells != twin_cells:
        event("the extra visitor shows in a published cell")
        return  # nothing hidden to protect
    event("the extra visitor is hidden in suppressed cells")
    assert _differences(outputs, twin_outputs) == []


@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, late=st.lists(arrivals, min_size=1, max_size=4))
def test_visits_imported_late_never_show_as_published_minus_today(
    history: list[Arrival], late: list[Arrival]
) -> None:
    """Fewer than the threshold of late visits into one published month: every public
    output (the review frozen at publication included) stays exactly as it was."""
    # All into one place and month, so that together they stay below the threshold there.
    late = [
        Arrival(late[0].place, late[0].month, a.minute, a.purpose, a.heard, a.room, a.outcome)
        for a in late
    ]
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        world = _build(history)
        before = surface(Client())
        for a in late:
            services.visit_log(
                user=world["officer"], session=world["sessions"][a.place, a.month],
                purpose=a.purpose, heard_via=a.heard, private_room=a.room, outcome=a.outcome,
                idempotency_key=uuid.uuid4(),
                arrived_at=_session_start(a.month) + timedelta(minutes=a.minute),
            )  # fmt: skip
        release.release()
        after = surface(Client())
        transaction.set_rollback(True)
    assert _differences(before, after) == []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_published_visits_agree_with_an_independent_count_of_the_raw_visits(
    history: list[Arrival],
) -> None:
    """The usage CSV's visits per contact point, worked out again straight from the visits
    in Python with the documented rule: each month exact when 0 or at least k, otherwise
    suppressed (1 to k − 1); a period's figure is exact when no month is suppressed, else
    the range its months allow."""
    k = release.threshold()
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        _build(history)
        cache.clear()
        response = Client().get("/usage/usage.csv", {"start": "2026-09", "end": "2026-10"})
        transaction.set_rollback(True)
    published = {row["contact point"]: row["visits"] for row in _csv_rows(response.content)}
    for p, (slug, _borough) in enumerate(PLACES):
        months = [sum(1 for a in history if a.place == p and a.month == m) for m in (0, 1)]
        shown = sum(n for n in months if n == 0 or n >= k)
        hidden = sum(1 for n in months if 0 < n < k)
        expected = (
            f"{shown}"
            if not hidden
            else (
                "[c]"
                if hidden == 1 and not shown
                else f"{shown + hidden}–{shown + hidden * (k - 1)}"
            )
        )
        assert published[slug.title()] == expected, (slug, months)


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))
