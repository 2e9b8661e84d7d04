"""A scenario's effect: the week's places with the scenario's changes applied, through the
same engine, beside the figures without them."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from typing import Any

import numpy as np

from contactpoints.models import ContactPoint
from core.time import LONDON, local

from . import engine, london
from .models import Scenario


@dataclass(frozen=True)
class Addition:
    name: str
    latitude: float
    longitude: float
    weekdays: tuple[int, ...]
    opens: clock
    closes: clock  # on the same day, after `opens`
    annual_cost: float | None = None
    replaces: int | None = None  # a contact point whose hours this replaces

    @classmethod
    def of(cls, data: dict[str, Any]) -> Addition:
        cost = data.get("annual_cost")
        return cls(
            name=str(data["name"]),
            latitude=float(data["latitude"]),
            longitude=float(data["longitude"]),
            weekdays=tuple(int(d) for d in data["weekdays"]),
            opens=clock.fromisoformat(data["opens"]),
            closes=clock.fromisoformat(data["closes"]),
            annual_cost=None if cost is None or cost == "" else float(cost),
            replaces=data.get("replaces"),
        )

    def open_hours(self) -> np.ndarray:
        """For each hour of the week: open at its middle."""
        row = np.zeros(london.HOURS, dtype=bool)
        for day in self.weekdays:
            for hour in range(24):
                middle = clock(hour, 30)
                row[day * 24 + hour] = self.opens <= middle < self.closes
        return row


def kept(keys: list[int], removed: set[int], additions: list[Addition]) -> np.ndarray:
    """Which of the places stay as they are: not removed, not given new hours."""
    gone = removed | {a.replaces for a in additions if a.replaces is not None}
    return np.array([key not in gone for key in keys], dtype=bool)


def added(additions: list[Addition]) -> engine.Places:
    return engine.Places(
        np.array([a.latitude for a in additions], dtype=float),
        np.array([a.longitude for a in additions], dtype=float),
        np.array([a.open_hours() for a in additions], dtype=bool).reshape(-1, london.HOURS),
    )


def apply(places: engine.Places, keep: np.ndarray, new: engine.Places) -> engine.Places:
    """The places kept, then the new ones."""
    return engine.Places(
        np.concatenate([places.latitudes[keep], new.latitudes]),
        np.concatenate([places.longitudes[keep], new.longitudes]),
        np.vstack([places.open[keep], new.open]),
    )


@dataclass
class Outcome:
    base: engine.Result
    changed: engine.Result
    seconds: float
    cost_change: float | None  # a year; None when any cost involved is unknown


def outcome(scenario: Scenario) -> Outcome:
    started = time.perf_counter()
    where = london.london_map()
    week = london.london(scenario.week)  # the same week without the change (cached)
    places, keys = week.open, week.keys
    if places is None:  # figures kept by an earlier release, without their places
        this_week = london.week_of(local(datetime.now(tz=LONDON)).date())
        historical = scenario.week < this_week
        places, keys, _unrecorded = london.places_open(scenario.week, historical=historical)
    removed = set(scenario.removes.values_list("pk", flat=True))
    additions = [Addition.of(a) for a in scenario.additions]
    keep, new = kept(keys, removed, additions), added(additions)
    method = london.method()
    pairs = engine.pairs_changed(
        london.pairs_of(where, places), keep, engine.pairs_within(where.homes, new, method.reach_m)
    )
    changed = engine.coverage(
        where.homes, apply(places, keep, new), len(where.ward_codes), method, pairs
    )
    seconds = time.perf_counter() - started
    return Outcome(week.result, changed, seconds, cost_change(removed, additions))


def cost_change(removed: set[int], additions: list[Addition]) -> float | None:
    """Added costs less the costs of places removed; None when one is not known. A place
    given new hours keeps its cost unless the change says otherwise."""
    replaced = {
        a.replaces for a in additions if a.replaces is not None and a.annual_cost is not None
    }
    costs = dict(
        ContactPoint.objects.filter(pk__in=removed | replaced).values_list("pk", "annual_cost")
    )
    if any(costs.get(pk) is None for pk in removed | replaced):
        return None
    total = -sum((float(costs[pk] or 0) for pk in removed | replaced), 0.0)
    for addition in additions:
        if addition.annual_cost is None:
            if addition.replaces is None:
                return None
            continue
        total += addition.annual_cost
    return total


def _share(value: Any) -> float | None:
    """A share as JSON keeps it: None where there was nothing to count (no postcodes)."""
    number = float(value)
    return None if math.isnan(number) else round(number, 4)


def summary(scenario: Scenario, result: Outcome) -> dict[str, Any]:
    """Plain data for the page and for freezing with a review: London and each borough,
    within each threshold averaged over the week, before and with the change."""
    where = london.london_map()
    thresholds = london.method().thresholds

    def shares(r: engine.Result, wards: np.ndarray | None) -> list[float | None]:
        return [_share(v) for v in r.overall(wards).mean(axis=0)]

    boroughs = []
    for b, (code, name) in enumerate(zip(where.borough_codes, where.borough_names, strict=True)):
        wards = np.flatnonzero(where.ward_borough == b)
        before, after = shares(result.base, wards), shares(result.changed, wards)
        if before != after:
            boroughs.append({"code": code, "name": name, "before": before, "after": after})
    ward_before = result.base.shares()[:, :, 1].mean(axis=1)
    ward_after = result.changed.shares()[:, :, 1].mean(axis=1)
    change = np.nan_to_num(ward_after - ward_before)
    order = np.argsort(-np.abs(change))[:20]
    return {
        "scenario": scenario.name,
        "week": scenario.week.isoformat(),
        "thresholds": list(thresholds),
        "london": {"before": shares(result.base, None), "after": shares(result.changed, None)},
        "boroughs": boroughs,
        "wards": [
            {
                "code": where.ward_codes[w],
                "name": where.ward_names[w],
                "borough": where.borough_names[where.ward_borough[w]],
                "before": _share(ward_before[w]),
                "after": _share(ward_after[w]),
            }
            for w in order
            if change[w] != 0
        ],
        "hours": {
            "before": [_share(v) for v in result.base.overall()[:, 1]],
            "after": [_share(v) for v in result.changed.overall()[:, 1]],
        },
        "cost_change": result.cost_change,
    }
