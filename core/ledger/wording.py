"""Words for people: durations, ordinals and counts as a person would say them."""

from __future__ import annotations

from datetime import timedelta

_MINUTE = 60.0
_HOUR = 3600.0
_DAY = 86400.0


def duration(span: timedelta) -> str:
    """'45 min', '2 h', '3 days', '5 weeks': rounded, one unit, short enough for a column.

    Hours up to two days and days up to two weeks, so a wait reads the way one thinks of it
    ("36 h" is still "a day and a half"; "3 days" not "72 h")."""
    seconds = max(0.0, span.total_seconds())
    if seconds < 90 * _MINUTE:
        minutes = _round(seconds / _MINUTE)
        return "under a minute" if minutes < 1 else f"{minutes} min"
    if seconds < 48 * _HOUR:
        return f"{_round(seconds / _HOUR)} h"
    if seconds < 14 * _DAY:
        return f"{_round(seconds / _DAY)} days"
    return f"{_round(seconds / (7 * _DAY))} weeks"


def _round(value: float) -> int:
    # Half up, not to even: 2.5 h reads as "3 h", the way people round.
    return int(value + 0.5)


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 102nd..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def count(number: int, singular: str, plural: str | None = None) -> str:
    """'1 reply', '2 replies'."""
    word = singular if number == 1 else (plural or f"{singular}s")
    return f"{number} {word}"


def percent(fraction: float) -> str:
    return f"{_round(fraction * 100)}%"
