"""Business hours: a target response time counted only in working hours.

With `business_hours = [9, 17]`, a mention that arrives on Friday at 16:00 with a 4 h target is
owed on Monday at 12:00: one hour on Friday, three on Monday. Working days are Monday to Friday
by default; hours are in the user's local time zone (daylight saving included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

WEEKDAYS = frozenset(range(5))
#: How far back to look for enough working hours before giving up (a year of holidays).
_MAX_DAYS = 400


@dataclass(frozen=True, slots=True)
class BusinessHours:
    start: int
    end: int
    tz: tzinfo = UTC
    workdays: frozenset[int] = field(default=WEEKDAYS)

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24:
            raise ValueError("business hours need 0 <= start < end <= 24, e.g. (9, 17)")

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local day, in UTC (None on a day off)."""
        if day.weekday() not in self.workdays:
            return None
        opens = datetime.combine(day, time(self.start), self.tz)
        if self.end == 24:
            closes = datetime.combine(day + timedelta(days=1), time(0), self.tz)
        else:
            closes = datetime.combine(day, time(self.end), self.tz)
        # Aware datetimes sharing a tzinfo subtract as wall clocks: compare in UTC instead.
        return opens.astimezone(UTC), closes.astimezone(UTC)

    def elapsed(self, begin: datetime, end: datetime) -> timedelta:
        """Working time between two moments."""
        begin, end = begin.astimezone(UTC), end.astimezone(UTC)
        total = timedelta(0)
        day = begin.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                overlap = min(end, window[1]) - max(begin, window[0])
                total += max(overlap, timedelta(0))
            day += timedelta(days=1)
        return total

    def cutoff(self, now: datetime, target: timedelta) -> datetime:
        """The latest moment from which `target` of working time has passed by `now`: an item
        created at or before it is past the target."""
        now = now.astimezone(UTC)
        if target <= timedelta(0):
            return now
        remaining = target
        day = now.astimezone(self.tz).date()
        for _ in range(_MAX_DAYS):
            window = self._window(day)
            if window is not None:
                opens, closes = window
                span_end = min(now, closes)
                if span_end > opens:
                    span = span_end - opens
                    if span >= remaining:
                        return span_end - remaining
                    remaining -= span
            day -= timedelta(days=1)
        return now - target - timedelta(days=_MAX_DAYS)
