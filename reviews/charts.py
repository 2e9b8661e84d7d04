"""Geometry for server-rendered SVG charts (bars, heatmap). Templates draw them; every
chart is followed by its data table, so nothing depends on seeing the picture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .disclosure import Breakdown, Cell

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
BAR_HEIGHT = 22
LABEL_WIDTH = 190
PLOT_WIDTH = 260


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Cell
    y: int
    width: float  # in SVG units, 0 when suppressed or zero


def bars(breakdown: Breakdown[Any]) -> dict[str, Any]:
    shown = [c.value for c in breakdown.cells.values() if c.value]
    top = max(shown, default=0)
    items = [
        Bar(
            label=str(label),
            cell=cell,
            y=i * BAR_HEIGHT,
            width=(cell.value / top * PLOT_WIDTH) if top and cell.value else 0.0,
        )
        for i, (label, cell) in enumerate(breakdown.cells.items())
    ]
    return {
        "bars": items,
        "height": len(items) * BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
        "plot_x": LABEL_WIDTH + 8,
        "width": LABEL_WIDTH + PLOT_WIDTH + 70,
    }


@dataclass(frozen=True)
class HeatCell:
    day: int
    hour: int
    cell: Cell
    x: int
    y: int
    opacity: float


def heatmap(breakdown: Breakdown[tuple[int, int]]) -> dict[str, Any]:
    shown = [c.value for c in breakdown.cells.values() if c.value]
    top = max(shown, default=0)
    cells = [
        HeatCell(
            day=day,
            hour=hour,
            cell=cell,
            x=40 + hour * 18,
            y=20 + (day - 1) * 18,
            opacity=round(0.15 + 0.85 * cell.value / top, 2) if top and cell.value else 0.0,
        )
        for (day, hour), cell in sorted(breakdown.cells.items())
    ]
    rows = [(DAYS[day - 1], [c for c in cells if c.day == day]) for day in range(1, 8)]
    return {"cells": cells, "rows": rows, "days": DAYS, "hours": list(range(24))}
