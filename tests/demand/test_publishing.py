"""Publishing search demand: whole months, protected once, never revised; the adversary's
test (docs/usage-figures.md) over the demand pages and downloads; daily counts deleted after
the retention period, the published figures kept."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from contactpoints.hours import LONDON
from demand import release
from demand.models import DemandMonth, SearchCount, Walk

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, tzinfo=LONDON)  # September and October are published
MONTHS = [date(2026, 9, 1), date(2026, 10, 1)]
AREAS = ["W2", "WC2N", "51.52,-0.18"]


@dataclass(frozen=True)
class Search:
    area: int
    month: int
    day: int
    hour: int
    open_now: bool
    walk: str


searches = st.builds(
    Search,
    area=st.integers(0, len(AREAS) - 1),
    month=st.integers(0, len(MONTHS) - 1),
    day=st.sampled_from([3, 17]),
    hour=st.sampled_from([9, 19]),
    open_now=st.booleans(),
    walk=st.sampled_from(Walk.values),
)
histories = st.lists(searches, max_size=24)


def build(history: list[Search]) -> None:
    for s in history:
        row, _ = SearchCount.objects.get_or_create(
            day=MONTHS[s.month].replace(day=s.day), area=AREAS[s.area], hour=s.hour,
            open_now=s.open_now, facility=False, walk=s.walk, defaults={"count": 0},
        )  # fmt: skip
        row.count += 1
        row.save()


def surface(client: Client) -> dict[str, bytes]:
    """Every public demand output: each period the site accepts, as a page and as CSV."""
    found = {}
    for start, end in [("2026-09", "2026-09"), ("2026-10", "2026-10"), ("2026-09", "2026-10")]:
        for path in ("/demand/", "/demand/demand.csv"):
            url = f"{path}?start={start}&end={end}"
            found[url] = client.get(url).content
    found["/demand/"] = client.get("/demand/").content
    return found


def in_world(history: list[Search]) -> tuple[list[tuple[object, ...]], dict[str, bytes]]:
    with transaction.atomic():
        cache.clear()
        build(history)
        outputs = surface(Client())
        cells = sorted(DemandMonth.objects.values_list("month", "area", "cells"))
        transaction.set_rollback(True)
    cache.clear()
    return [(m, a, sorted(c.items())) for m, a, c in cells], outputs


@settings(
    max_examples=12 if os.environ.get("CI") else 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, extra=searches, like=st.booleans())
# Two searches from one district, then a third like them: all hidden — nothing may change.
@example(history=[Search(0, 1, 3, 19, False, "over")] * 2,
         extra=Search(0, 1, 3, 19, False, "over"), like=False)  # fmt: skip
def test_no_output_tells_apart_histories_that_differ_in_suppressed_cells(
    history: list[Search], extra: Search, like: bool
) -> None:
    if like and history:  # most often the extra search is like one already there
        same = history[extra.day % len(history)]
        extra = Search(same.area, same.month, same.day, same.hour, same.open_now, same.walk)
    with time_machine.travel(NOW, tick=False):
        cells, outputs = in_world(history)
        twin_cells, twin_outputs = in_world([*history, extra])
    if cells != twin_cells:
        event("the extra search shows in a published cell")
        return
    event("the extra search is hidden in suppressed cells")
    assert [url for url in outputs if outputs[url] != twin_outputs[url]] == []


def test_months_are_published_once_a_week_after_they_end_and_never_revised(
    client: Client,
) -> None:
    build([Search(0, 1, 3, 19, False, Walk.OVER_30)] * 7 + [Search(1, 1, 3, 9, True, "10")] * 2)
    with time_machine.travel(datetime(2026, 11, 6, 12, tzinfo=LONDON), tick=False):
        early = client.get("/demand/").content.decode()
    assert "No search figures have been published yet" in early
    with time_machine.travel(NOW, tick=False):
        page = client.get("/demand/").content.decode()
        table = client.get("/demand/demand.csv").content.decode()
        # A search counted late into October changes nothing published.
        build([Search(1, 1, 17, 9, True, "10")] * 3)
        cache.clear()
        again = client.get("/demand/demand.csv").content.decode()
    assert "October 2026" in page
    assert "9 searches" not in page  # London's total includes a suppressed area: a range
    # W2: 7 searches, all with nothing open within 30 minutes; WC2N: 2, suppressed.
    rows = {line.split(",")[0]: line.split(",") for line in table.splitlines()[1:]}
    assert rows["W2"][2:4] == ["7", "7"]
    assert rows["WC2N"][2] == "[c]"
    assert rows["London"][2] == "8–11"
    assert table == again


def test_bad_periods_are_told_plainly(client: Client) -> None:
    build([Search(0, 0, 3, 19, False, Walk.OVER_30)] * 6)
    with time_machine.travel(NOW, tick=False):
        future = client.get("/demand/?start=2026-11&end=2026-11")
        garbage = client.get("/demand/?start=soon")
    assert future.status_code == garbage.status_code == 400
    assert "Search figures are published from September 2026 to October 2026" in (
        future.content.decode()
    )
    assert "Enter a month as YYYY-MM" in garbage.content.decode()


def test_daily_counts_are_deleted_after_the_retention_period(client: Client) -> None:
    build([Search(0, 0, 3, 19, False, Walk.OVER_30)] * 6 + [Search(0, 1, 3, 9, False, "10")] * 6)
    SearchCount.objects.create(
        day=date(2026, 11, 10), area="W2", hour=9, open_now=False, facility=False, walk="10",
        count=4,
    )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        before = client.get("/demand/demand.csv?start=2026-09&end=2026-10").content
    out = io.StringIO()
    # On 2 February 2027 the counts before 4 November 2026 (90 days) go, their months being
    # published; 10 November's stay.
    with time_machine.travel(datetime(2027, 2, 2, 12, tzinfo=LONDON), tick=False):
        call_command("demand_retention", stdout=out)
    assert sorted(SearchCount.objects.values_list("day", flat=True)) == [date(2026, 11, 10)]
    assert "2 daily search counts deleted" in out.getvalue()
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        assert client.get("/demand/demand.csv?start=2026-09&end=2026-10").content == before
    # Old enough but not yet published: kept until its month is.
    SearchCount.objects.create(
        day=date(2027, 1, 3), area="W2", hour=9, open_now=False, facility=False, walk="10",
        count=1,
    )  # fmt: skip
    # By June both are old; November is published, January (never released here) is not.
    assert release.forget_daily_counts(today=date(2027, 6, 1)) == 1
    assert list(SearchCount.objects.values_list("day", flat=True)) == [date(2027, 1, 3)]
