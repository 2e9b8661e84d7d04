"""The nearest search, once, for the finder page, the embeddable widget and the API: which
contact points, with which filters, and — when none of those found is open now — the
nearest one that is. Each caller only describes the answer in its own format."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from .geocoding import Place
from .models import ContactPoint


@dataclass(frozen=True)
class Found:
    place: Place
    results: list[tuple[ContactPoint, float]]  # nearest first, with metres
    # When no result is open now (and no time was asked for): the nearest place open now.
    nearest_open: tuple[ContactPoint, float] | None
    within_km: int  # nothing further away is looked at

    @property
    def shown(self) -> list[ContactPoint]:
        """Every place the answer describes."""
        places = [cp for cp, _distance in self.results]
        return places + ([self.nearest_open[0]] if self.nearest_open else [])


def nearest(
    place: Place,
    *,
    now: datetime,
    open_at: datetime | None = None,
    facilities: Sequence[str] = (),
    kind: str | None = None,
    limit: int = 10,
) -> Found:
    """The `limit` published, operating contact points nearest `place` with these
    facilities (and of this kind), open at `open_at` if given."""
    queryset = ContactPoint.objects.published().operating().with_facility(*facilities)
    if kind:
        queryset = queryset.filter(kind=kind)
    found = queryset.nearest(*place.coordinates, limit=limit, open_at=open_at)
    nearest_open = None
    if found and open_at is None and not any(cp.is_open_at(now) for cp, _d in found):
        also = queryset.nearest(*place.coordinates, limit=1, open_at=now)
        nearest_open = also[0] if also else None
    return Found(place, found, nearest_open, settings.SEARCH_WITHIN_KM)
