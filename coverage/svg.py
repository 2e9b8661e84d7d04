"""Ward maps drawn on the server as SVG paths: no tiles, no JavaScript. Longitudes are
scaled by the cosine of the middle latitude (an equirectangular view, true enough across a
city), coordinates rounded to whole units of an 800-unit-wide picture (60 m across London),
and points that round to the one before dropped."""

from __future__ import annotations

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


def draw(
    outlines: Sequence[dict[str, Any]], shares: Sequence[float | None], titles: Sequence[str]
) -> tuple[list[Shape], str]:
    """One shape per outline, and the picture's viewBox."""
    points = [p for outline in outlines for ring in _rings(outline) for p in ring]
    if not points:
        return [], "0 0 1 1"
    min_lon = min(p[0] for p in points)
    max_lon = max(p[0] for p in points)
    min_lat = min(p[1] for p in points)
    max_lat = max(p[1] for p in points)
    squash = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = WIDTH / max((max_lon - min_lon) * squash, 1e-9)
    height = (max_lat - min_lat) * scale

    def xy(lon: float, lat: float) -> tuple[int, int]:
        return round((lon - min_lon) * squash * scale), round((max_lat - lat) * scale)

    shapes = []
    for outline, share, title in zip(outlines, shares, titles, strict=True):
        parts = []
        for ring in _rings(outline):
            last = None
            moves = []
            for lon, lat, *_rest in ring:
                point = xy(lon, lat)
                if point != last:
                    moves.append(f"{point[0]} {point[1]}")
                    last = point
            if len(moves) >= 3:
                parts.append("M" + "L".join(moves) + "Z")
        shapes.append(Shape("".join(parts), step_of(share), title))
    return shapes, f"0 0 {WIDTH:g} {math.ceil(height):g}"
