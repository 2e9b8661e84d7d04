"""Differential privacy for the figures anyone can pad with records of their own: search
demand and visitor feedback (docs/usage-figures.md, "Where anyone can add records").

Thresholds cannot protect a count that an adversary can push past any threshold with
their own searches or answers and then subtract again. So each released month's counts get
noise from OpenDP's discrete Laplace mechanism — OpenDP is the reference implementation of
differential privacy; its vector Laplace measurement sits behind the `contrib` flag, which
is enabled here and nowhere else (ADR 14). The noise is drawn once, at release, and stored:
a cell always shows the same value, and asking again draws nothing new.

The unit is one record (a search, an answer) in one month. A release is a set of
measurements (`Budget`); each record adds 1 to at most one cell of each measurement, so
each has sensitivity 1, costs `epsilon` and the month costs the sum (sequential
composition): two months that differ by one record, added or removed, give every published
value with probabilities within a factor of e^ε of each other, whatever else is in them —
an adversary's own records included. δ is 0 (pure differential privacy). A person who adds
n records to a month is protected at n·ε (group privacy).

Stored values are the noisy integers as drawn (they may be negative); what is shown is
post-processed (`shown`: never below 0), which costs no privacy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import opendp.prelude as dp

dp.enable_features("contrib")

# For the 90 % margin shown beside a noisy figure: the normal approximation of a sum of
# independent discrete Laplace draws.
Z_90 = 1.6449


@dataclass(frozen=True)
class Measurement:
    name: str
    epsilon: float
    counts: str  # what it counts, in plain words (shown on /privacy/)

    @property
    def scale(self) -> float:
        return 1 / self.epsilon


@dataclass(frozen=True)
class Budget:
    """The measurements one month's release makes, and what it costs per record."""

    unit: str  # "search", "answer"
    measurements: tuple[Measurement, ...]

    @property
    def epsilon(self) -> float:
        return round(sum(m.epsilon for m in self.measurements), 9)

    def __getitem__(self, name: str) -> Measurement:
        return next(m for m in self.measurements if m.name == name)


@cache
def _mechanism(scale: float) -> dp.Measurement:
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    return dp.m.make_laplace(*space, scale=scale)


def add_noise(counts: Sequence[int], measurement: Measurement) -> list[int]:
    """The counts of one measurement (a record adds 1 to at most one of them), each with
    discrete Laplace noise; OpenDP's own privacy map checks the cost."""
    mechanism = _mechanism(measurement.scale)
    if mechanism.map(1) > measurement.epsilon * (1 + 1e-9):
        raise ValueError(f"{measurement.name} would cost more than its ε")
    return [int(v) for v in mechanism([int(c) for c in counts])]


def shown(value: int) -> int:
    """A noisy count as published: a whole number, never below zero."""
    return max(0, value)


def variance(measurement: Measurement) -> float:
    """The variance of one draw of the measurement's discrete Laplace noise."""
    alpha = math.exp(-measurement.epsilon)
    return 2 * alpha / (1 - alpha) ** 2


def margin(measurement: Measurement, cells: int = 1) -> int:
    """Nine times in ten, a sum of `cells` noisy cells of this measurement is within this
    many of the true count (before negatives are shown as 0)."""
    if cells <= 0:
        return 0
    return math.ceil(Z_90 * math.sqrt(variance(measurement) * cells))


def guess_bound(epsilon: float) -> float:
    """The most often anyone can tell, from a release of budget ε, whether one particular
    record is in it, starting from even odds: e^ε / (1 + e^ε)."""
    return math.exp(epsilon) / (1 + math.exp(epsilon))
