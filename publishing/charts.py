"""Geometry for server-rendered SVG charts (bars, heatmap). Templates draw them; every
chart is followed by its data table, so nothing depends on seeing the picture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .disclosure import Figure, Table

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
BAR_HEIGHT = 22
LABEL_WIDTH = 190
PLOT_WIDTH = 260
# The heatmap: one 16-unit square per hour, 18 units apart, after a 40-unit day label.
HEAT_LEFT = 40
HEAT_STEP = 18
HEAT_SQUARE = 16


@dataclass(frozen=True)
class Bar:
    label: str
    cell: Figure
    y: int
    width: float  # the exact part, in SVG units
    text_x: float  # where the value is written


def bars(table: Table[Any]) -> dict[str, Any]:
    """Bar lengths follow the exact part of each figure; a figure that includes suppressed
    counts gets a grey stripe after its bar and its range as text."""
    top = max((c.low for c in table.cells.values()), default=0)
    items = []
    for i, (label, cell) in enumerate(table.cells.items()):
        width = cell.shown / top * PLOT_WIDTH if top else 0.0
        stripe = 30 if cell.suppressed else 0
        items.append(
            Bar(label=str(label), cell=cell, y=i * BAR_HEIGHT, width=width,
                text_x=width + stripe + 4)
        )  # fmt: skip
    return {
        "bars": items,
        "height": len(items) * BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
        "plot_x": LABEL_WIDTH + 8,
        "width": LABEL_WIDTH + PLOT_WIDTH + 130,
    }


@dataclass(frozen=True)
class HeatCell:
    day: int
    hour: int
    cell: Figure
    x: int
    y: int
    opacity: float


def heatmap(table: Table[tuple[int, int]]) -> dict[str, Any]:
    top = max((c.low for c in table.cells.values()), default=0)
    cells = [
        HeatCell(
            day=day,
            hour=hour,
            cell=cell,
            x=HEAT_LEFT + hour * HEAT_STEP,
            y=20 + (day - 1) * HEAT_STEP,
            opacity=round(0.15 + 0.85 * cell.low / top, 2) if top and cell.low else 0.0,
        )
        for (day, hour), cell in sorted(table.cells.items())
    ]
    rows = [(DAYS[day - 1], [c for c in cells if c.day == day]) for day in range(1, 8)]
    # Each hour's label is centred over its own column of squares.
    labels = [(hour, HEAT_LEFT + hour * HEAT_STEP + HEAT_SQUARE / 2) for hour in range(0, 24, 3)]
    return {"cells": cells, "rows": rows, "days": DAYS, "hours": list(range(24)),
            "labels": labels}  # fmt: skip
