"""An adversary in the test suite (docs/usage-figures.md, "Threat model").

The adversary requests every public usage output — pages, CSV downloads, the review and its
CSV — for every period and filter the site accepts, and combines them as they like. They
may be a neighbour who knows that someone visited, or a visitor who knows their own record.
Rather than list every attack, these tests check the properties that defeat them:

- Twin worlds: two histories that differ only in what the rules promise to hide give
  byte-for-byte the same public surface, so no arithmetic on the outputs tells them apart.
  (1) A month with fewer than k visitors at a place: any number of them from 0 to k − 1,
  with any answers — a single visitor's whole profile included. (2) A month where fewer
  than k visitors differ from the rest: their answers, whatever they are.
- The tables themselves: in every table of every month, a hidden cell cannot be worked out
  by subtraction, and an empty category looks exactly like a small one; every figure for a
  longer period is the sum of its months' figures, so says nothing more.
- Over time: fewer than k visits imported late into a published month change nothing.
- An independent count: the published visits per place, worked out again in Python from the
  raw visits with the documented rule.

Worlds are built at the service level (bulk rows, the roll-up rebuilt, released, a review
published) and read through the real pages and downloads.
"""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.time import LONDON
from publishing import release, rollup
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
    Visit,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # September and October are published
MONTHS = [date(2026, 9, 1), date(2026, 10, 1)]
PLACES = [("north", "Camden"), ("south", "Lambeth"), ("east", "Lambeth")]
K = 5  # settings.DISCLOSURE_THRESHOLD, as the tests run


@dataclass(frozen=True)
class Arrival:
    place: int
    month: int
    minute: int
    purpose: str
    heard: str
    room: str
    outcome: str


answers = {
    "purpose": st.sampled_from([Purpose.REPORT_CRIME, Purpose.ADVICE, Purpose.BAIL]),
    "heard": st.sampled_from([HeardVia.NOT_ASKED, HeardVia.POSTER]),
    "room": st.sampled_from([PrivateRoom.NOT_NEEDED, PrivateRoom.USED]),
    "outcome": st.sampled_from([Outcome.NOT_RECORDED, Outcome.CRIME_REPORT]),
}
arrivals = st.builds(
    Arrival,
    place=st.integers(0, len(PLACES) - 1),
    month=st.integers(0, len(MONTHS) - 1),
    # 19:05, 19:35 and 20:05: two hours of the week's table.
    minute=st.sampled_from([5, 35, 65]),
    **answers,
)
histories = st.lists(arrivals, max_size=20)


def _at(place: int, month: int) -> Any:
    """Arrivals at one place in one month, with any answers."""
    return st.builds(
        Arrival, place=st.just(place), month=st.just(month),
        minute=st.sampled_from([5, 35, 65]), **answers,
    )  # fmt: skip


def _session_start(month: int) -> datetime:
    first = MONTHS[month]
    return datetime(first.year, first.month, 14, 19, tzinfo=LONDON)


def _build(history: list[Arrival]) -> dict[str, Any]:
    """Places, one held session of two hours per place and month, the visits; released and
    reviewed."""
    officer = staff_user("recorder", roles.MANAGER)
    places = [
        ContactPointFactory(slug=slug, name=slug.title(), borough=borough)
        for slug, borough in PLACES
    ]
    sessions = {}
    for p, place in enumerate(places):
        for m in range(len(MONTHS)):
            start = _session_start(m)
            end = start + timedelta(hours=2)
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
    rollup.usage_rebuild()
    release.release()
    author, approver = staff_user("author", roles.MANAGER), staff_user("approver", roles.MANAGER)
    review = Review.objects.create(
        title="Review", slug="review", period_start=MONTHS[0], period_end=date(2026, 10, 31),
        summary="x", author=author,
    )  # fmt: skip
    review_services.review_publish(review=review, approver=approver)
    return {"officer": officer, "places": places, "sessions": sessions}


PERIODS = [("2026-09", "2026-09"), ("2026-10", "2026-10"), ("2026-09", "2026-10")]
TABLES = ["months", "purposes", "outcomes", "heard-via", "private-room", "weekday-hour"]


def surface(client: Client) -> dict[str, bytes]:
    """Every public usage output: each download for every period and filter the site
    accepts, the pages for the default period, the review, its download and the feed."""
    cache.clear()  # each world is read afresh, never from the other's cached pages
    found: dict[str, bytes] = {}
    filters = [{}, {"borough": "Camden"}, {"borough": "lambeth"}]
    for start, end in PERIODS:
        period = {"start": start, "end": end}
        for extra in filters:
            for url in ("/usage/usage.csv", "/usage/purposes.csv", "/usage/heard-via.csv"):
                found[_key(url, period | extra)] = _get(client, url, period | extra)
        for slug, _borough in PLACES:
            for url in [f"/usage/{slug}/{t}.csv" for t in [*TABLES, "sessions"]]:
                found[_key(url, period)] = _get(client, url, period)
    pages = ["/usage/", "/usage/?borough=Camden", *(f"/usage/{slug}/" for slug, _b in PLACES)]
    for url in [*pages, "/reviews/review/", "/reviews/review/figures.csv"]:
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


def _in_world(history: list[Arrival]) -> dict[str, bytes]:
    """Build a world, read its public surface, and undo it."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        _build(history)
        found = surface(Client())
        transaction.set_rollback(True)
    return found


def _differences(one: dict[str, bytes], other: dict[str, bytes]) -> list[str]:
    return [url for url in one if one[url] != other[url]]


# Each example reads the whole public surface of two worlds: a few locally, more in CI.
EXAMPLES = 10 if os.environ.get("CI") else 4
fast = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _elsewhere(history: list[Arrival], place: int, month: int) -> list[Arrival]:
    return [a for a in history if (a.place, a.month) != (place, month)]


@fast
@given(
    history=histories,
    span=st.tuples(st.integers(0, len(PLACES) - 1), st.integers(0, len(MONTHS) - 1)),
    data=st.data(),
)
def test_a_month_with_fewer_than_k_visitors_says_nothing_about_them(
    history: list[Arrival], span: tuple[int, int], data: st.DataObject
) -> None:
    """Twins that differ only in a place's month with 0 to k − 1 visitors — how many, and
    what they came for — publish exactly the same."""
    place, month = span
    background = _elsewhere(history, place, month)
    one = data.draw(st.lists(_at(place, month), max_size=K - 1), label="one world's visitors")
    other = data.draw(st.lists(_at(place, month), max_size=K - 1), label="the other's")
    assert _differences(_in_world(background + one), _in_world(background + other)) == []


@fast
@given(
    history=histories,
    span=st.tuples(st.integers(0, len(PLACES) - 1), st.integers(0, len(MONTHS) - 1)),
    majority=st.integers(K, 2 * K),
    data=st.data(),
)
def test_visitors_who_differ_from_the_rest_are_not_shown(
    history: list[Arrival], span: tuple[int, int], majority: int, data: st.DataObject
) -> None:
    """Twins with the same number of visitors at a place in a month, all alike but for
    fewer than k of them: what those few came for is not published in either."""
    place, month = span
    background = _elsewhere(history, place, month)
    usual = data.draw(_at(place, month), label="the usual visitor")
    few = data.draw(st.integers(0, K - 1), label="how many differ in one world")
    other_few = data.draw(st.integers(0, K - 1), label="and in the other")
    total = majority + few
    one = [replace(usual, minute=5)] * (total - few) + data.draw(
        st.lists(_at(place, month), min_size=few, max_size=few), label="their visitors"
    )
    other = [replace(usual, minute=5)] * (total - other_few) + data.draw(
        st.lists(_at(place, month), min_size=other_few, max_size=other_few), label="the other's"
    )
    assert _differences(_in_world(background + one), _in_world(background + other)) == []


def test_a_lone_visitors_profile_is_not_published() -> None:
    """A pop-up's month with one visitor: the old rules published their whole profile —
    every table had exactly one non-empty category. Now it reads exactly as a month with
    one visitor who answered everything differently, and as one with nobody."""
    lone = Arrival(0, 1, 5, Purpose.REPORT_CRIME, HeardVia.POSTER, PrivateRoom.USED,
                   Outcome.CRIME_REPORT)  # fmt: skip
    other = Arrival(0, 1, 65, Purpose.BAIL, HeardVia.NOT_ASKED, PrivateRoom.NOT_NEEDED,
                    Outcome.NOT_RECORDED)  # fmt: skip
    seen = _in_world([lone])
    assert _differences(seen, _in_world([other])) == []
    assert _differences(seen, _in_world([])) == []


def _table(content: bytes) -> tuple[dict[str, str], str]:
    rows = list(csv.reader(io.StringIO(content.decode())))[1:]
    cells = {row[0]: row[1] for row in rows if row[0] != "Total"}
    return cells, next(row[1] for row in rows if row[0] == "Total")


def _value(text: str) -> tuple[int, int | None]:
    """A published figure as the least and most it can be (None: no bound given)."""
    if text == "[c]":
        return 0, K - 1
    if text.startswith("at least "):
        return int(text.removeprefix("at least ").replace(",", "")), None
    if "–" in text:
        low, high = text.split("–")
        return int(low.replace(",", "")), int(high.replace(",", ""))
    return int(text.replace(",", "")), int(text.replace(",", ""))


@fast
@given(history=histories)
@example(  # a category left empty beside a small one: the old rules showed it as 0
    history=[Arrival(0, 0, 5, Purpose.ADVICE, HeardVia.POSTER, PrivateRoom.NOT_NEEDED,
                     Outcome.NOT_RECORDED)] * 6
    + [Arrival(0, 0, 35, Purpose.BAIL, HeardVia.NOT_ASKED, PrivateRoom.NOT_NEEDED,
               Outcome.NOT_RECORDED)] * 2
)  # fmt: skip
def test_no_hidden_cell_can_be_worked_out(history: list[Arrival]) -> None:
    """In each month's tables: when anything is hidden, no empty category shows as 0 (it
    would tell the hidden ones are not), at least two cells are hidden, and the total less
    the shown cells leaves at least k — so each hidden cell could hold anything from 0 to
    that sum. And every figure for both months is the sum of the two months' figures."""
    found = _in_world(history)
    for slug, _borough in PLACES:
        for table in TABLES[1:]:
            months = []
            for start, end in PERIODS[:2]:
                url = _key(f"/usage/{slug}/{table}.csv", {"start": start, "end": end})
                cells, total = _table(found[url])
                months.append(cells)
                hidden = [key for key, text in cells.items() if text == "[c]"]
                if not hidden:
                    continue
                assert "0" not in cells.values(), (url, cells)
                assert len(hidden) >= 2, (url, cells)
                if total != "[c]":
                    shown = sum(int(v.replace(",", "")) for v in cells.values() if v != "[c]")
                    assert int(total.replace(",", "")) - shown >= K, (url, cells, total)
            both, _total = _table(
                found[_key(f"/usage/{slug}/{table}.csv", {"start": "2026-09", "end": "2026-10"})]
            )
            for key, text in both.items():
                low, high = _value(text)
                parts = [_value(m[key]) for m in months]
                assert low <= sum(p[0] for p in parts), (slug, table, key, text, months)
                if all(p[0] == p[1] for p in parts):
                    assert (low, high) == (sum(p[0] for p in parts),) * 2, (slug, table, key)


@settings(
    max_examples=EXAMPLES // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, late=st.lists(arrivals, min_size=1, max_size=K - 1))
def test_visits_imported_late_never_show_as_published_minus_today(
    history: list[Arrival], late: list[Arrival]
) -> None:
    """Fewer than the threshold of late visits into one published month: every public
    output (the review frozen at publication included) stays exactly as it was."""
    # All into one place and month, so that together they stay below the threshold there.
    late = [replace(a, place=late[0].place, month=late[0].month) for a in late]
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


@fast
@given(history=histories)
def test_published_visits_agree_with_an_independent_count_of_the_raw_visits(
    history: list[Arrival],
) -> None:
    """The usage CSV's visits per contact point, worked out again straight from the visits
    in Python with the documented rule: each month exact when at least k, otherwise hidden
    (0 to k − 1); a period's figure is exact when no month is hidden, else the range its
    months allow."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        _build(history)
        cache.clear()
        response = Client().get("/usage/usage.csv", {"start": "2026-09", "end": "2026-10"})
        transaction.set_rollback(True)
    published = {row["contact point"]: row["visits"] for row in _csv_rows(response.content)}
    for p, (slug, _borough) in enumerate(PLACES):
        months = [sum(1 for a in history if a.place == p and a.month == m) for m in (0, 1)]
        shown = sum(n for n in months if n >= K)
        hidden = sum(1 for n in months if n < K)
        if not hidden:
            expected = f"{shown}"
        elif hidden == 1 and not shown:
            expected = "[c]"
        else:
            expected = f"{shown}–{shown + hidden * (K - 1)}"
        assert published[slug.title()] == expected, (slug, months)


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode())))
