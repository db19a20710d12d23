"""The shape every benchmark reports: rows of (name, value, unit, target)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    value: float
    unit: str
    #: e.g. "< 100" or "> 5000"; empty when there is no target.
    target: str = ""

    @property
    def met(self) -> bool | None:
        if not self.target:
            return None
        op, _, number = self.target.partition(" ")
        limit = float(number.replace(",", ""))
        return self.value < limit if op == "<" else self.value > limit


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
