"""Daily work of coverage (`manage.py daily`): this week's figures and the weeks compared
with it, worked out ahead of the first reader."""

from __future__ import annotations

from datetime import date

from . import london


def warm(*, today: date) -> str:
    if not london.london_map().ward_codes:
        return "no wards loaded: nothing to work out"
    weeks = london.warm(today)
    return f"{weeks} week(s) of figures ready"
