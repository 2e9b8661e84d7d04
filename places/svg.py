"""Ward maps drawn on the server as SVG paths: no tiles, no JavaScript. Longitudes are
scaled by the cosine of the middle latitude (an equirectangular view, true enough across a
city), coordinates rounded to whole units of an 800-unit-wide picture (60 m across London),
and points that round to the one before dropped."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 800.0
# Shares in five steps, lightest (fewest homes within reach) to darkest, with their words.
STEPS = [
    (0.2, "under 20%"),
    (0.4, "20% to 40%"),
    (0.6, "40% to 60%"),
    (0.8, "60% to 80%"),
    (1.01, "80% or more"),
]


@dataclass(frozen=True)
class Shape:
    path: str
    step: int  # index into STEPS (-1: no homes)
    title: str


def _rings(outline: dict[str, Any]) -> Iterable[Sequence[Sequence[float]]]:
    if outline.get("type") == "Polygon":
        yield from outline["coordinates"]
    elif outline.get("type") == "MultiPolygon":
        for polygon in outline["coordinates"]:
            yield from polygon


def step_of(share: float | None) -> int:
    if share is None or math.isnan(share):
        return -1
    return next(i for i, (upper, _words) in enumerate(STEPS) if share < upper)


@dataclass(frozen=True)
class Frame:
    """Where a picture of some outlines puts each longitude and latitude, and back."""

    min_lon: float
    max_lat: float
    squash: float  # cos(middle latitude)
    scale: float  # picture units per degree of latitude
    height: float

    @classmethod
    def around(cls, outlines: Sequence[dict[str, Any]]) -> Frame | None:
        points = [p for outline in outlines for ring in _rings(outline) for p in ring]
        if not points:
            return None
        min_lon = min(p[0] for p in points)
        max_lon = max(p[0] for p in points)
        min_lat = min(p[1] for p in points)
        max_lat = max(p[1] for p in points)
        squash = math.cos(math.radians((min_lat + max_lat) / 2))
        scale = WIDTH / max((max_lon - min_lon) * squash, 1e-9)
        return cls(min_lon, max_lat, squash, scale, (max_lat - min_lat) * scale)

    def xy(self, lon: float, lat: float) -> tuple[int, int]:
        return (
            round((lon - self.min_lon) * self.squash * self.scale),
            round((self.max_lat - lat) * self.scale),
        )

    def lat_lon(self, x: float, y: float) -> tuple[float, float]:
        """The point at (x, y) in the picture's units."""
        return self.max_lat - y / self.scale, self.min_lon + x / (self.squash * self.scale)

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH:g} {math.ceil(self.height):g}"


def paths(outlines: Sequence[dict[str, Any]], frame: Frame) -> list[str]:
    """One SVG path per outline, its points rounded to whole units (repeats dropped). Each
    ring is its first point, then each step from the point before (`l`, repeated without
    the letter; a minus sign needs no space before it): a ward's steps are a few units, so
    a page of 649 wards is about a third smaller than with each point in full."""
    found = []
    for outline in outlines:
        parts = []
        for ring in _rings(outline):
            points: list[tuple[int, int]] = []
            for lon, lat, *_rest in ring:
                point = frame.xy(lon, lat)
                if not points or point != points[-1]:
                    points.append(point)
            if len(points) >= 3:
                steps = [
                    value
                    for (x0, y0), (x1, y1) in itertools.pairwise(points)
                    for value in (x1 - x0, y1 - y0)
                ]
                parts.append(f"M{points[0][0]} {points[0][1]}l{_numbers(steps)}z")
        found.append("".join(parts))
    return found


def _numbers(values: list[int]) -> str:
    """Numbers as SVG path data lists them: a space between two, none before a minus."""
    text = [str(values[0])]
    for value in values[1:]:
        text.append(str(value) if value < 0 else f" {value}")
    return "".join(text)
