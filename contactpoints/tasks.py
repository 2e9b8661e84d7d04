"""Daily work of contact points (`manage.py daily`): the day's exports worked out ahead of
the first reader (`prepared`)."""

from __future__ import annotations

from datetime import date

from . import prepared


def prepare_exports(*, today: date) -> str:
    places = prepared.prepare(today)
    return f"hours exports ready for {places} place(s), today and tomorrow"
