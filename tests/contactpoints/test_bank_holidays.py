"""Bank holidays are GOV.UK's England and Wales list: substitute days, never the weekend
dates they replace."""

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from contactpoints import bank_holidays
from contactpoints.hours import Schedule, WeeklyRule
from core.time import LONDON
from tests.shared_data import SHARED_DATA

OFFICIAL = SHARED_DATA / "calendar" / "bank-holidays-england-and-wales-2024-2028.csv"


def _official() -> dict[date, str]:
    with OFFICIAL.open(encoding="utf-8") as file:
        return {date.fromisoformat(r["date"]): r["title"] for r in csv.DictReader(file)}


def test_every_day_of_2024_to_2028_agrees_with_the_official_list() -> None:
    official = _official()
    day = date(2024, 1, 1)
    while day <= date(2028, 12, 31):
        assert bank_holidays.name(day) == official.get(day), day
        day += timedelta(days=1)


def test_boxing_day_2026_falls_on_a_saturday_and_the_holiday_is_the_monday() -> None:
    assert bank_holidays.name(date(2026, 12, 26)) is None
    assert bank_holidays.name(date(2026, 12, 28)) == "Boxing Day"
    saturdays = Schedule(
        rules=[WeeklyRule(weekday=5, opens=time(14), closes=time(15))],
        closed_on_bank_holidays=True,
    )
    assert saturdays.is_open_at(datetime(2026, 12, 26, 14, 30, tzinfo=LONDON))
    mondays = Schedule(rules=[WeeklyRule(weekday=0, opens=time(10), closes=time(12))])
    assert not mondays.is_open_at(datetime(2026, 12, 28, 11, tzinfo=LONDON))


def test_years_beyond_the_list_never_close_on_a_weekend_date() -> None:
    # Christmas 2032 is a Saturday: the holiday is the Monday after, as GOV.UK will list it.
    assert bank_holidays.name(date(2032, 12, 25)) is None
    assert bank_holidays.name(date(2032, 12, 27)) == "Christmas Day"
    assert bank_holidays.name(date(2031, 5, 5)) == "May Day"


class _Answer(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def list_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "bank-holidays.json"
    copy.write_bytes(bank_holidays.DATA.read_bytes())
    monkeypatch.setattr(bank_holidays, "DATA", copy)
    bank_holidays.published.cache_clear()
    bank_holidays._years.cache_clear()
    yield copy
    bank_holidays.published.cache_clear()
    bank_holidays._years.cache_clear()


def test_refresh_replaces_the_list_from_gov_uk(list_file: Path) -> None:
    document = {
        "england-and-wales": {"division": "england-and-wales", "events": [
            {"title": "Boxing Day", "date": "2026-12-28", "notes": "Substitute day"},
            {"title": "Coronation", "date": "2029-05-08", "notes": ""},
        ]},
        "scotland": {"division": "scotland", "events": []},
    }  # fmt: skip
    seen = []

    def fetch(request, timeout):
        seen.append(request.full_url)
        return _Answer(json.dumps(document).encode())

    assert bank_holidays.refresh(fetch=fetch) == 2
    assert seen == [bank_holidays.GOV_UK_URL]
    assert bank_holidays.name(date(2029, 5, 8)) == "Coronation"
    assert "scotland" not in json.loads(list_file.read_text())


def test_a_bad_answer_leaves_the_list_alone(list_file: Path) -> None:
    before = list_file.read_bytes()
    weekend = {"england-and-wales": {"events": [{"title": "x", "date": "2026-12-26"}]}}
    for answer in (b"<html>", json.dumps({"scotland": {}}).encode(),
                   json.dumps(weekend).encode()):  # fmt: skip
        with pytest.raises((bank_holidays.ListError, ValueError)):
            bank_holidays.refresh(fetch=lambda request, timeout, a=answer: _Answer(a))
    assert list_file.read_bytes() == before


def test_the_command_says_plainly_when_there_is_no_network(
    list_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def offline(request, timeout):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(bank_holidays, "urlopen", offline)
    with pytest.raises(CommandError, match="list shipped with the project is unchanged"):
        call_command("refresh_bank_holidays")
