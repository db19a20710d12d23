"""Retrying transient faults: jittered exponential backoff with a cap, and rate-limit waits."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    #: Transient failures (timeouts, 5xx, resets) tolerated in a row before giving up.
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    #: The longest rate-limit wait a sync sits out; a longer one ends the account's run
    #: (the next run resumes from the stored cursor).
    max_rate_limit_wait: float = 900.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full jitter: a random delay up to base * 2**attempt, capped."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return (rng or random).uniform(ceiling / 2, ceiling)
