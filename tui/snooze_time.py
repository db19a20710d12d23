"""When a snooze ends: the quick choices and what a user may type, in their local time.

2h, 30m, 3d, 1w          from now
17:30, 5pm, 9am          today at that time (tomorrow if it has passed)
tomorrow, tomorrow 14:00 tomorrow at 9:00 or at the time given
mon, friday 8:00         the next such day, at 9:00 or the time given
next week                next Monday at 9:00
2026-11-03, 2026-11-03 14:00
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.timeutil import parse_duration

MORNING = time(9, 0)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


@dataclass(frozen=True, slots=True)
class QuickChoice:
    key: str
    label: str
    until: datetime


def quick_choices(now: datetime) -> list[QuickChoice]:
    local = now.astimezone()
    choices = [
        QuickChoice("1", "in 1 hour", now + timedelta(hours=1)),
        QuickChoice("2", "in 3 hours", now + timedelta(hours=3)),
        QuickChoice("3", "tomorrow 9:00", _at(local.date() + timedelta(days=1), MORNING, local)),
        QuickChoice("4", "next week (Monday 9:00)", _next_monday(local)),
    ]
    return choices


def parse_snooze(text: str, now: datetime) -> datetime:
    """The moment `text` means, in UTC; ValueError says what is understood."""
    value = " ".join(text.lower().split())
    if not value:
        raise ValueError("type when to bring it back, e.g. 2h, 17:30, tomorrow, fri 8:00")
    local = now.astimezone()
    try:
        return now + parse_duration(value)
    except ValueError:
        pass
    if value in ("next week", "nextweek"):
        return _next_monday(local)
    day_part, _, time_part = value.partition(" ")
    if day_part in ("tomorrow", "tmr", "tom"):
        return _at(local.date() + timedelta(days=1), _clock(time_part) or MORNING, local)
    if day_part in ("today", "tonight"):
        moment = _at(local.date(), _clock(time_part) or time(18, 0), local)
        return _future(moment, now)
    weekday = _weekday(day_part)
    if weekday is not None:
        ahead = (weekday - local.weekday()) % 7 or 7
        return _at(local.date() + timedelta(days=ahead), _clock(time_part) or MORNING, local)
    clock = _clock(value)
    if clock is not None:
        moment = _at(local.date(), clock, local)
        return moment if moment > now else moment + timedelta(days=1)
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        raise ValueError(
            f"{text.strip()!r} is not a time: try 2h, 30m, 17:30, tomorrow, fri 8:00, "
            f"next week or {example_date(now)} 14:00"
        ) from None
    if moment.tzinfo is None:
        if len(value) <= 10:  # a date alone means the morning of that day
            moment = datetime.combine(moment.date(), MORNING)
        moment = moment.replace(tzinfo=local.tzinfo)
    return _future(moment.astimezone(UTC), now)


def example_date(now: datetime) -> str:
    """A date to show in an example: a week after `now` (the app's clock), so an example is
    never a time that has passed."""
    return (now.astimezone() + timedelta(days=7)).date().isoformat()


def _future(moment: datetime, now: datetime) -> datetime:
    if moment <= now:
        raise ValueError(
            f"that time has passed: choose a later one, e.g. tomorrow or {example_date(now)}"
        )
    return moment.astimezone(UTC)


def _at(day: object, clock: time, local: datetime) -> datetime:
    assert hasattr(day, "year")
    moment = datetime.combine(day, clock).replace(tzinfo=local.tzinfo)  # type: ignore[arg-type]
    return moment.astimezone(UTC)


def _next_monday(local: datetime) -> datetime:
    ahead = (0 - local.weekday()) % 7 or 7
    return _at(local.date() + timedelta(days=ahead), MORNING, local)


def _weekday(word: str) -> int | None:
    for index, name in enumerate(_DAYS):
        if len(word) >= 3 and (word.startswith(name) or name.startswith(word)):
            return index
    return None


def _clock(text: str) -> time | None:
    match = _CLOCK.match(text.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    meridiem = match.group(3)
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)
