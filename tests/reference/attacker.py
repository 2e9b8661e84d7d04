"""The adversary who pads a month with records of their own and then tries to tell whether
one other person's record is in it (docs/usage-figures.md, "Where anyone can add records").

They know everything but that one record: their own records, everyone else's, and which
cells the other record would add to. Their best test is the likelihood ratio of what is
published under the two worlds, given the noise the release claims to use (discrete
Laplace of scale 1/ε per measurement). If the release used less noise than it claims — or
none, as thresholds do — this attacker wins more often than the budget allows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """A published value the other record adds 1 to, read from a release's output."""

    read: Callable[[object], int]
    scale: float  # the noise the release claims for it
    without: int  # its true count without the other record (the attacker knows it)


def log_ratio(published: object, cells: Sequence[Cell]) -> float:
    """log P(published | with) − log P(published | without), for discrete Laplace noise."""
    total = 0.0
    for cell in cells:
        y = cell.read(published)
        total += (abs(y - cell.without) - abs(y - cell.without - 1)) / cell.scale
    return total


def accuracy(
    release: Callable[[bool, int], object],
    cells: Callable[[int], Sequence[Cell]],
    trials: int,
    seed: int = 2026,
) -> float:
    """How often the attacker is right over `trials` releases, the other record present or
    not at even odds, with 0 to 100 of the attacker's own records added each time.
    `release(present, padding)` releases a month; `cells(padding)` says what it holds."""
    rng = random.Random(seed)
    right = 0
    for _ in range(trials):
        present, padding = rng.random() < 0.5, rng.randint(0, 100)
        ratio = log_ratio(release(present, padding), cells(padding))
        guess = ratio > 0 or (ratio == 0 and rng.random() < 0.5)
        right += guess == present
    return right / trials


def slack(bound: float, trials: int) -> float:
    """Four standard errors of an accuracy measured over `trials` at `bound`."""
    return 4 * math.sqrt(bound * (1 - bound) / trials)
