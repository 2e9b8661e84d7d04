"""Publishing search demand: whole months with differential-privacy noise drawn once at
release; the padding adversary held to the stated budget; daily counts deleted after the
retention period, the published figures kept."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from core.time import LONDON
from demand import figures, release
from demand.models import UNMET, DemandMonth, SearchCount, Walk
from places.models import Postcode
from publishing import noise
from publishing.usage import Period
from tests.reference import attacker

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


@pytest.fixture(autouse=True)
def gazetteer() -> None:
    """Two districts in the gazetteer: the published list of areas has them."""
    for postcode, lat, lon in (("W2 1JQ", 51.5154, -0.1755), ("WC2N 4JP", 51.5098, -0.1247)):
        Postcode.objects.create(
            postcode=postcode, outward=postcode.split()[0], latitude=lat, longitude=lon,
            source="codepoint",
        )  # fmt: skip


def build(history: list[Search], count: int = 1) -> None:
    for s in history:
        row, _ = SearchCount.objects.get_or_create(
            day=MONTHS[s.month].replace(day=s.day), area=AREAS[s.area], hour=s.hour,
            open_now=s.open_now, facility=False, walk=s.walk, defaults={"count": 0},
        )  # fmt: skip
        row.count += count
        row.save()


def _csv(content: bytes) -> dict[str, dict[str, str]]:
    return {row["area"]: row for row in csv.DictReader(io.StringIO(content.decode()))}


def test_padding_a_month_with_ones_own_searches_reveals_no_more_than_the_budget() -> None:
    """Someone adds up to 100 searches from W2 and wants to know whether one other person
    searched from W2 that month, knowing everything else. Under thresholds they subtracted
    their own and always knew; with the noise their best test is right at most
    e^ε / (1 + e^ε) of the time (ε = 1: 73 %), checked over thousands of releases."""
    background = [Search(0, 1, 3, 19, True, Walk.OVER_30)] * 3 + [Search(1, 1, 4, 9, False, "10")]
    build(background)
    # The month's true counts as the release reads them: from the database, once.
    base = release.month_counts(MONTHS[1])
    target = Search(0, 1, 5, 21, True, Walk.WITHIN_30)  # unmet, asked for open now

    def counts(present: bool, padding: int) -> release.Counts:
        extra = padding + present
        unmet = target.walk in UNMET
        areas = {"W2": list(base.areas["W2"])}
        areas["W2"][unmet] += extra
        walks = dict(base.walks)
        walks[target.walk] += extra
        hours = list(base.hours)
        hours[target.hour] += extra
        return release.Counts(
            areas=areas, walks=walks, hours=hours,
            asked_open=base.asked_open + extra, asked_facility=base.asked_facility,
        )  # fmt: skip

    budget = release.BUDGET

    def cells(padding: int) -> list[attacker.Cell]:
        without = counts(False, padding)
        unmet = target.walk in UNMET
        return [
            attacker.Cell(lambda p: p["areas"]["W2"][unmet], budget["areas"].scale,
                          without.areas["W2"][unmet]),
            attacker.Cell(lambda p: p["walks"][target.walk], budget["walks"].scale,
                          without.walks[target.walk]),
            attacker.Cell(lambda p: p["hours"][target.hour], budget["hours"].scale,
                          without.hours[target.hour]),
            attacker.Cell(lambda p: p["asked_open"], budget["asked_open"].scale,
                          without.asked_open),
        ]  # fmt: skip

    trials = 4000
    found = attacker.accuracy(lambda present, pad: release.noisy_cells(counts(present, pad)),
                              cells, trials)  # fmt: skip
    bound = noise.guess_bound(budget.epsilon)
    assert budget.epsilon == 1.0
    assert found <= bound + attacker.slack(bound, trials), (found, bound)


def test_each_month_is_published_once_with_its_noise_kept() -> None:
    build([Search(0, 1, 3, 19, False, Walk.OVER_30)] * 40 + [Search(1, 1, 3, 9, True, "10")] * 9)
    client = Client()
    with time_machine.travel(datetime(2026, 11, 6, 12, tzinfo=LONDON), tick=False):
        call_command("daily", stdout=io.StringIO())  # October is not due yet
        early = client.get("/demand/").content.decode()
    assert "No search figures have been published yet" in early
    with time_machine.travel(NOW, tick=False):
        call_command("daily", stdout=io.StringIO())
        page = client.get("/demand/").content.decode()
        table = client.get("/demand/demand.csv").content
        stored = DemandMonth.objects.get(month=MONTHS[1])
        # Counted late into October, and released again: nothing published changes.
        build([Search(1, 1, 17, 9, True, "10")] * 30)
        release.release()
        release.release_month(MONTHS[1])
        cache.clear()
        again = client.get("/demand/demand.csv").content
    assert "October 2026" in page
    assert "random noise" in page
    assert table == again
    assert DemandMonth.objects.get(month=MONTHS[1]).cells == stored.cells
    rows = _csv(table)
    raw = stored.cells["areas"]
    # Shown: the counts as drawn, never below zero; an area's searches are its two cells.
    met, unmet = (noise.shown(n) for n in raw["W2"])
    assert (int(rows["W2"]["searches"]), int(rows["W2"]["nothing open within 20 minutes"])) == (
        met + unmet,
        unmet,
    )
    # London's searches: its walk table added up, each band shown as drawn (never below 0).
    bands = {w: noise.shown(n) for w, n in stored.cells["walks"].items()}
    assert int(rows["London"]["searches"]) == sum(bands.values())
    assert int(rows["London"]["nothing open within 20 minutes"]) == sum(bands[w] for w in UNMET)
    assert all(int(row["searches"]) >= 0 for row in rows.values())
    assert float(rows["London"]["privacy budget per search (ε)"]) == 1.0


def test_the_published_areas_do_not_depend_on_the_searches() -> None:
    """Every area of the gazetteer and every square over London is published every month,
    searched from or not: which areas appear says nothing about who searched."""
    build([Search(2, 0, 3, 19, False, Walk.OVER_30)])
    with time_machine.travel(NOW, tick=False):
        release.release()
    september, october = DemandMonth.objects.order_by("month")
    assert set(september.cells["areas"]) == set(october.cells["areas"]) == set(release.areas())
    assert {"W2", "WC2N", "51.52,-0.18", release.ELSEWHERE} <= set(release.areas())
    assert len(release.squares()) > 500


def test_the_stated_margin_holds_nine_times_in_ten() -> None:
    """ "Within N, nine times in ten", as the pages say it: over many draws of a year of an
    area's noise, the share within the margin is about 90 %."""
    measurement = release.BUDGET["areas"]
    cells = 24  # an area over twelve months: two cells a month
    margin = noise.margin(measurement, cells)
    draws = [sum(noise.add_noise([0] * cells, measurement)) for _ in range(2000)]
    within = sum(abs(d) <= margin for d in draws) / len(draws)
    assert 0.87 <= within <= 0.95, (margin, within)


def test_the_page_lists_areas_above_the_noise_and_the_csv_all() -> None:
    build([Search(0, 1, 3, 19, False, Walk.OVER_30)] * 60 + [Search(1, 1, 3, 9, True, "10")] * 2)
    with time_machine.travel(NOW, tick=False):
        release.release()
        found = figures.demand(Period(MONTHS[1], date(2026, 10, 31)))
        page = Client().get("/demand/?start=2026-10&end=2026-10").content.decode()
        table = _csv(Client().get("/demand/demand.csv?start=2026-10&end=2026-10").content)
    assert [r.area for r in found.listed][:1] == ["W2"]
    assert all(r.searches > r.margin for r in found.listed)
    shown = page.split('id="areas-caption"')[1].split("</table>")[0]
    assert '<th scope="row">W2</th>' in shown
    assert set(table) == {"London", *release.areas()}


@pytest.mark.cache
@pytest.mark.parametrize("path", ["/demand/", "/demand/?start=2026-10&end=2026-10"])
def test_a_kept_page_asked_again_reads_only_the_data_versions(path: str) -> None:
    """The period was checked against the released months once, for this version of the
    published figures: asked again, they are not read (ADR 24)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build([Search(0, 1, 3, 19, False, Walk.OVER_30)] * 60)
    client = Client()
    with time_machine.travel(NOW, tick=False):
        release.release()
        first = client.get(path)
        with CaptureQueriesContext(connection) as queries:
            again = client.get(path)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert [q["sql"] for q in queries.captured_queries] == [
        'SELECT "name", "value" FROM "core_dataversion" WHERE "name" IN (\'figures\', \'areas\')'
    ]


def test_bad_periods_are_told_plainly(client: Client) -> None:
    build([Search(0, 0, 3, 19, False, Walk.OVER_30)] * 6)
    with time_machine.travel(NOW, tick=False):
        release.release()
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
        release.release()
        before = client.get("/demand/demand.csv?start=2026-09&end=2026-10").content
    out = io.StringIO()
    # On 2 February 2027 the counts before 4 November 2026 (90 days) go, their months being
    # published; 10 November's stay.
    with time_machine.travel(datetime(2027, 2, 2, 12, tzinfo=LONDON), tick=False):
        call_command("daily", stdout=out)
    assert sorted(SearchCount.objects.values_list("day", flat=True)) == [date(2026, 11, 10)]
    assert "2 daily count(s) deleted" in out.getvalue()
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


def test_without_noise_the_attacker_always_wins() -> None:
    """The attack itself works: fed the exact counts (what thresholds publish once a cell
    is padded past them), it is right every time — so the bound above is a real test."""
    rng = random.Random(1)

    def exact(present: bool, padding: int) -> dict[str, object]:
        return {"v": 5 + padding + present}

    def cells(padding: int) -> list[attacker.Cell]:
        return [attacker.Cell(lambda p: p["v"], 1.0, 5 + padding)]

    assert attacker.accuracy(exact, cells, 500, seed=rng.randint(0, 99)) == 1.0
