"""Bank holidays in England and Wales, as GOV.UK publishes them.

The official list is GOV.UK's `bank-holidays.json` (division `england-and-wales`): it gives
the days that are holidays, so when Christmas or Boxing Day falls on a weekend it lists the
substitute weekday, not the weekend date (Saturday 26 December 2026 is not a bank holiday;
Monday 28 December is). A copy ships with the project (`contactpoints/data/
bank-holidays.json`, same format) and `manage.py refresh_bank_holidays` replaces it from
GOV.UK when a network is there.

For a year the list does not cover, the `holidays` package's England dates are used without
the weekend dates (no England and Wales bank holiday falls on a weekend: each is a weekday or
has a substitute one), so the answer never closes a place on a date that is not a holiday.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import holidays

DATA = Path(__file__).resolve().parent / "data" / "bank-holidays.json"
GOV_UK_URL = "https://www.gov.uk/bank-holidays.json"
DIVISION = "england-and-wales"


class ListError(ValueError):
    """The list fetched is not GOV.UK's bank holidays in the expected shape."""


def parse(document: Any) -> dict[date, str]:
    """England and Wales bank holidays from a GOV.UK `bank-holidays.json` document."""
    try:
        events = document[DIVISION]["events"]
        found = {date.fromisoformat(e["date"]): str(e["title"]) for e in events}
    except (KeyError, TypeError, ValueError) as error:
        raise ListError(f"not GOV.UK's bank holiday list ({error!s})") from None
    if not found:
        raise ListError("the list of England and Wales bank holidays is empty")
    weekend = [d for d in found if d.weekday() >= 5]
    if weekend:
        raise ListError(f"a bank holiday on a weekend ({weekend[0]}): not the official list")
    return found


@cache
def published() -> dict[date, str]:
    with DATA.open(encoding="utf-8") as file:
        return parse(json.load(file))


@cache
def _years() -> frozenset[int]:
    return frozenset(day.year for day in published())


@cache
def _fallback() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG")


def name(day: date) -> str | None:
    """The bank holiday on `day` in England and Wales, or None."""
    if day.year in _years():
        return published().get(day)
    if day.weekday() >= 5:
        return None
    found = _fallback().get(day)
    return str(found).replace(" (observed)", "") if found else None


def refresh(*, fetch: Callable[..., Any] | None = None, timeout: float = 10) -> int:
    """Replace the shipped list with GOV.UK's current one. Checks it first and writes it
    atomically, so a failed download leaves the old list in place. Returns how many England
    and Wales bank holidays it holds."""
    request = Request(GOV_UK_URL, headers={"User-Agent": "contact-points (bank holidays)"})
    with (fetch or urlopen)(request, timeout=timeout) as response:
        document = json.load(response)
    found = parse(document)
    handle, temporary = tempfile.mkstemp(dir=DATA.parent, suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump({DIVISION: document[DIVISION]}, file, ensure_ascii=False, indent=1)
    Path(temporary).replace(DATA)
    published.cache_clear()
    _years.cache_clear()
    return len(found)
