"""Time as a dependency, so waits (rate limits, backoff) are instant and checkable in tests."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from core.timeutil import from_epoch


class Clock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def now(self) -> datetime:
        return from_epoch(self.time())

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock(Clock):
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self, start: float = 1_760_000_000.0) -> None:
        self._now = start
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._now += max(0.0, seconds)
        await asyncio.sleep(0)
