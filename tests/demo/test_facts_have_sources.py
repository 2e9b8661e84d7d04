"""Every fact the demo publishes about a place walks back to the source row that states it,
or is shown as not known. Read as an outsider would: the shared source files on one side,
the pages and the API on the other, nothing of ours in between but the database."""

from __future__ import annotations

import csv
import re
from datetime import date, time

import pytest
from django.core.management import call_command
from django.test import Client

from contactpoints.importer import parse_hours
from contactpoints.models import FACILITIES, SERVICES, Basis, ContactPoint, Fact, Status
from tests.shared_data import SHARED_DATA

pytestmark = pytest.mark.django_db

POLICE = SHARED_DATA / "police"


def _rows(name: str) -> dict[str, dict[str, str]]:
    with (POLICE / name).open(encoding="utf-8-sig", newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle)}


MET = _rows("met_front_counters_2025_list_thirdparty.csv")
HISTORY = _rows("westminster_police_points_history.csv")
MET_FROM = date(2026, 3, 3)
QUOTED = re.compile(r"Westminster police points history, (?P<name>.+) row: “(?P<words>.+)”")


def _rules(cp: ContactPoint) -> set[tuple[int, time, time]]:
    return {(r.weekday, r.opens, r.closes) for r in cp.opening_rules.all()}


def _hours_in_words(words: str) -> set[tuple[int, time, time]]:
    """The hours a history row's words give: '24h', or 'HH:MM-HH:MM Mon-Fri'."""
    if "24h" in words:
        return {(d, time(0), time(0)) for d in range(7)}
    found = re.search(r"(\d\d):(\d\d)-(\d\d):(\d\d) Mon-Fri", words)
    assert found, words
    h1, m1, h2, m2 = (int(x) for x in found.groups())
    return {(d, time(h1, m1), time(h2, m2)) for d in range(5)}


def test_every_published_fact_walks_back_to_its_source_row_or_is_shown_not_known(
    client: Client,
) -> None:
    call_command("load_demo", verbosity=0)
    places = list(ContactPoint.objects.published().with_hours())
    assert len(places) > 30
    for cp in places:
        checks = cp.fact_checks_by_fact()
        page = client.get(cp.get_absolute_url()).content.decode()
        for fact in Fact.values:
            check = checks.get(fact)
            if check is None or not check.confirmed:
                continue
            # Nothing in the demo is checked on site: each known fact names its source.
            assert check.basis == Basis.SOURCE, (cp.name, fact)
            if cp.name in MET and "Met front counter list" in check.source:
                row = MET[cp.name]
                # The Met list states hours (from 3 March 2026) and nothing else.
                assert fact == Fact.HOURS, (cp.name, fact)
                expected = parse_hours(row["status_from_2026_03_03"], MET_FROM)
                assert {r.as_rule() for r in cp.opening_rules.all()} == set(expected)
            else:
                quoted = QUOTED.fullmatch(check.source)
                assert quoted, (cp.name, fact, check.source)
                row = HISTORY[quoted["name"]]
                assert quoted["name"] == cp.name or cp.name in quoted["name"]
                for piece in quoted["words"].split(" … "):
                    assert piece in row["timeline"], (cp.name, piece)
                assert fact == Fact.HOURS, (cp.name, fact)
                assert _rules(cp) == _hours_in_words(quoted["words"]), cp.name
        # Every facility and service no source states is shown as not known: never as a
        # "no" (a "no" needs a source that says no) and never as a yes.
        for name, label in FACILITIES + SERVICES:
            check = checks.get(name)
            if check is None or not check.confirmed:
                shown = f"{label} – not known"
                assert shown in page, (cp.name, label)
        if not cp.is_confirmed(Fact.BANK_HOLIDAYS) and cp.status == Status.OPEN:
            assert "Bank holidays: not confirmed" in page, cp.name
        if not cp.is_confirmed(Fact.HOURS) and cp.status == Status.OPEN:
            assert "hours not confirmed: call 101" in page, cp.name
        # Where the Met list gives status, dates and a location, ours are the same.
        if cp.name in MET and cp.name not in HISTORY:
            row = MET[cp.name]
            closed = re.fullmatch(r"closed to public from (\S+)", row["status_from_2026_03_03"])
            assert (cp.status == Status.CLOSED) == bool(closed), cp.name
            if closed:
                assert cp.closed_on == date.fromisoformat(closed.group(1))
            if row["latitude"]:
                assert f"{cp.latitude:.6f}" == f"{float(row['latitude']):.6f}", cp.name
                assert f"{cp.longitude:.6f}" == f"{float(row['longitude']):.6f}", cp.name


def test_the_api_gives_unknown_facts_as_null_never_false(client: Client) -> None:
    call_command("load_demo", verbosity=0)
    body = client.get("/api/v1/contact-points").json()
    for feature in body["features"]:
        props = feature["properties"]
        for group, prefix in (("facilities", "has_"), ("services", "offers_")):
            for name, value in props[group].items():
                basis = props["facts"][prefix + name]["basis"]
                assert (value is None) == (basis == "unconfirmed"), (props["name"], name)
