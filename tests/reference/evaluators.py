"""Independent readers of our exports, used as references by the tests.

The OSM `opening_hours` value is read by the `opening_hours` npm package (the evaluator OSM
editors use), pinned in package-lock.json and installed by `make install` (`npm ci`). If
node or the package is missing, the tests fail with what to run: they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("opening_hours_intervals.js")


class EvaluatorMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Reading:
    """What the evaluator says: open intervals (UTC) and where it says "unknown"."""

    open: list[tuple[datetime, datetime]]
    unknown: list[tuple[datetime, datetime]]
    warnings: list[str]


def read_osm(values: list[tuple[str, datetime, datetime]]) -> list[Reading]:
    """Evaluate each (value, from, to) with the reference evaluator, in one node run."""
    node = shutil.which("node")
    if node is None:
        raise EvaluatorMissing("node is not installed: apt-get install -y nodejs npm")
    if not (ROOT / "node_modules" / "opening_hours").is_dir():
        raise EvaluatorMissing("the opening_hours evaluator is missing: run `make install`")
    payload = [
        {"value": value, "from": start.isoformat(), "to": end.isoformat()}
        for value, start, end in values
    ]
    result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [node, str(SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "TZ": "Europe/London"},
    )
    readings = []
    for (value, _start, _end), answer in zip(values, json.loads(result.stdout), strict=True):
        if "error" in answer:
            raise AssertionError(f"the evaluator cannot read {value!r}: {answer['error']}")
        opened, unknown = [], []
        for start, end, is_unknown, _comment in answer["intervals"]:
            span = (datetime.fromisoformat(start), datetime.fromisoformat(end))
            (unknown if is_unknown else opened).append(span)
        readings.append(Reading(_merge(opened), _merge(unknown), answer["warnings"]))
    return readings


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
