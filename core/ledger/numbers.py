"""The two percentiles of reply time, defined once (the SQL triggers rank the same way).

- median: the middle value; with an even count, the mean of the two middle values
  (as `statistics.median`).
- p90: nearest rank: the smallest value with at least 90% of the values at or below it,
  i.e. the value at rank ceil(0.9 n) counting from 1.
"""

from __future__ import annotations

from collections.abc import Sequence


def median(ordered: Sequence[float]) -> float | None:
    """Median of values already sorted ascending."""
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def p90(ordered: Sequence[float]) -> float | None:
    """90th percentile (nearest rank) of values already sorted ascending."""
    n = len(ordered)
    if n == 0:
        return None
    # ceil(0.9 n) in integers: 0.9 * n in floating point can land just above a whole number.
    return ordered[(9 * n + 9) // 10 - 1]


def mean(total: float, count: int) -> float | None:
    return total / count if count > 0 else None
