"""The maps' outlines as SVG path data, read back as a browser reads it: each path's rings,
point by point, are the outline's points in the picture's units."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from places import svg

# A reader of the path grammar the maps use (SVG 1.1, 9.3.9): a command letter, then
# numbers; after `M`, more pairs are lines; `l` pairs are steps from the point before and
# repeat without the letter; `z` closes the ring. A number ends where a minus sign begins.
TOKENS = re.compile(r"[MmLlZz]|-?\d+(?:\.\d+)?")


def rings_read(data: str) -> list[list[tuple[int, int]]]:
    rings: list[list[tuple[int, int]]] = []
    command, numbers, x, y = "", [], 0, 0
    for token in TOKENS.findall(data):
        if token.isalpha():
            command = token
            if command in "Zz":
                command = ""
            continue
        numbers.append(int(token))
        if len(numbers) < 2:
            continue
        dx, dy = numbers
        numbers = []
        if command == "M":
            x, y = dx, dy
            rings.append([(x, y)])
            command = "L"
        elif command == "L":
            x, y = dx, dy
            rings[-1].append((x, y))
        elif command == "l":
            x, y = x + dx, y + dy
            rings[-1].append((x, y))
        else:
            raise AssertionError(f"number outside a command in {data!r}")
    return rings


points = st.tuples(st.floats(-0.5, 0.3), st.floats(51.3, 51.7))
rings = st.lists(points, min_size=3, max_size=40).map(lambda ring: [*ring, ring[0]])


@given(outlines=st.lists(st.lists(rings, min_size=1, max_size=3), min_size=1, max_size=4))
def test_each_path_reads_back_as_its_outlines_points(outlines: list) -> None:  # type: ignore[type-arg]
    shapes = [{"type": "Polygon", "coordinates": polygon} for polygon in outlines]
    frame = svg.Frame.around(shapes)
    assert frame is not None
    for shape, data in zip(shapes, svg.paths(shapes, frame), strict=True):
        expected = []
        for ring in shape["coordinates"]:
            drawn: list[tuple[int, int]] = []
            for lon, lat in ring:
                if not drawn or frame.xy(lon, lat) != drawn[-1]:
                    drawn.append(frame.xy(lon, lat))
            if len(drawn) >= 3:
                expected.append(drawn)
        assert rings_read(data) == expected
