"""Every target's verdict in one run, gathered as the benchmarks print them and listed
together at the end (`python -m bench`), each with its figure, its anchor measured in the
same run and the machine's load average when it was judged: the table README quotes.

    print(f"… {verdicts.judge('nearest at 100k, p95', f'{p95:.1f} ms', '≤ 10 ms', p95 <= 10,
                              anchor=f'PostGIS KNN {knn:.1f} ms')}")
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

# Where a benchmark run as part of the whole run (`python -m bench`) adds its verdicts.
SHARED = "BENCH_VERDICTS"


@dataclass(frozen=True)
class Verdict:
    measure: str
    figure: str
    target: str
    meets: bool
    anchor: str
    load: float = field(default_factory=lambda: os.getloadavg()[0])


_judged: list[Verdict] = []


def judge(measure: str, figure: str, target: str, meets: bool, *, anchor: str = "") -> str:
    """Record a target's verdict for the run's table; 'MEETS' or 'MISSES', to print."""
    _judged.append(Verdict(measure, figure, target, meets, anchor))
    return "MEETS" if meets else "MISSES"


def judged() -> list[Verdict]:
    return list(_judged)


def save(path: str) -> None:
    """Add this process's verdicts to the whole run's file."""
    _append(path, _judged)


def record(path: str, measure: str, figure: str, target: str, meets: bool) -> None:
    """Add one verdict to the whole run's file (a benchmark that did not finish)."""
    _append(path, [Verdict(measure, figure, target, meets, anchor="")])


def _append(path: str, verdicts: list[Verdict]) -> None:
    with open(path, "a", encoding="utf-8") as file:  # one JSON object a line
        file.writelines(json.dumps(asdict(verdict)) + "\n" for verdict in verdicts)


def load(path: str) -> list[Verdict]:
    with open(path, encoding="utf-8") as file:
        return [Verdict(**json.loads(line)) for line in file if line.strip()]


def table(database: str, began: datetime, verdicts: list[Verdict]) -> str:
    """The run's verdicts, in the order judged."""
    ended = datetime.now(UTC)
    lines = [
        f"Every target judged in this run ({database}, {began:%Y-%m-%d %H:%M}–{ended:%H:%M} "
        f"UTC, {os.cpu_count()} cores; load average when judged in brackets):"
    ]
    width = max((len(v.measure) for v in verdicts), default=0)
    for v in verdicts:
        anchor = f"; {v.anchor}" if v.anchor else ""
        lines.append(
            f"  {'MEETS ' if v.meets else 'MISSES'}  {v.measure:<{width}}  {v.figure} "
            f"(target {v.target}{anchor}) [{v.load:.1f}]"
        )
    missed = sum(not v.meets for v in verdicts)
    lines.append(f"  {len(verdicts) - missed} of {len(verdicts)} targets met; {missed} missed.")
    return "\n".join(lines)
