"""Engagement statistics: volume, reply rate, reply times, tone over time, spikes, and warm
messages worth a thank-you.

- Days are the user's local days. Items per day = items in the period / days in the period.
  The period is what was asked for: from `since` (e.g. the last 7 x 24 h, or a local
  midnight) to now, its days counted as 24-hour spans with a started one counting whole
  (so "the last 7 days" is 7 days, and from midnight five days ago at noon today is 6); with
  no `since`, from the local midnight that began the day of the first message. The daily
  series has one entry per local calendar day the period touches.
- Reply rate and reply times count the items received in the period (answered whenever).
- Reply times fall in buckets: under 1 h, 1-4 h, 4-24 h, 1-3 days, 3-7 days, over 7 days.
- A spike is a day whose item count, or count of negative items (polarity <= -0.1), is above
  the mean of the 7 days before it plus two standard deviations of those days, and at least 3
  above that mean (so two mentions after a silent week are not an alarm).
- "Celebrate": unanswered messages with polarity >= 0.5 from the last 30 days (or since the
  start of the period if later), not muted or deleted, warmest first.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from core.ledger.numbers import median
from core.ledger.wording import duration
from core.store.ledger_sql import CelebrateRow, DelayRow, HourRow, TopContactRow
from core.timeutil import from_epoch, to_iso

BUCKETS: tuple[tuple[str, float], ...] = (
    ("under 1 h", 3600.0),
    ("1-4 h", 4 * 3600.0),
    ("4-24 h", 24 * 3600.0),
    ("1-3 days", 3 * 86400.0),
    ("3-7 days", 7 * 86400.0),
    ("over 7 days", math.inf),
)
SPIKE_WINDOW = 7
SPIKE_SIGMAS = 2.0
SPIKE_MIN_EXCESS = 3.0
CELEBRATE_POLARITY = 0.5
CELEBRATE_WINDOW = timedelta(days=30)
CELEBRATE_LIMIT = 10
TOP_CONTACTS = 10
_EXCERPT = 100


# ---- spikes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpikeCheck:
    """A value above its trailing window: where, how much, and the bar it cleared."""

    index: int
    value: float
    mean: float
    threshold: float


def find_spikes(
    series: Sequence[float],
    window: int = SPIKE_WINDOW,
    sigmas: float = SPIKE_SIGMAS,
    min_excess: float = SPIKE_MIN_EXCESS,
) -> list[SpikeCheck]:
    """Points above mean + sigmas x standard deviation of the `window` points before them
    (population deviation), and at least `min_excess` above that mean."""
    found = []
    for index in range(window, len(series)):
        prior = series[index - window : index]
        mean = statistics.fmean(prior)
        threshold = mean + sigmas * statistics.pstdev(prior)
        value = series[index]
        if value > threshold and value - mean >= min_excess:
            found.append(SpikeCheck(index, value, mean, threshold))
    return found


# ---- the result ------------------------------------------------------------------------------


@dataclass(slots=True)
class Breakdown:
    """Figures for everything, one platform or one account."""

    items: int = 0
    answered: int = 0
    negative: int = 0
    polarity_sum: float = 0.0
    days: int = 1
    delays: list[float] = field(default_factory=list)

    @property
    def reply_rate(self) -> float | None:
        return self.answered / self.items if self.items else None

    @property
    def items_per_day(self) -> float:
        return self.items / max(1, self.days)

    @property
    def median_reply(self) -> timedelta | None:
        value = median(sorted(self.delays))
        return None if value is None else timedelta(seconds=value)

    @property
    def tone(self) -> float | None:
        return self.polarity_sum / self.items if self.items else None

    @property
    def response_times(self) -> dict[str, int]:
        counts = dict.fromkeys((label for label, _ in BUCKETS), 0)
        for delay in self.delays:
            counts[_bucket(delay)] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        median_reply = self.median_reply
        return {
            "items": self.items,
            "items_per_day": round(self.items_per_day, 3),
            "answered": self.answered,
            "unanswered": self.items - self.answered,
            "reply_rate": None if self.reply_rate is None else round(self.reply_rate, 4),
            "median_reply_seconds": None if median_reply is None else median_reply.total_seconds(),
            "response_times": self.response_times,
            "negative": self.negative,
            "tone": None if self.tone is None else round(self.tone, 4),
        }


def _bucket(delay: float) -> str:
    return next(label for label, upper in BUCKETS if delay < upper)


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    items: int
    answered: int
    negative: int
    tone: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "items": self.items,
            "answered": self.answered,
            "negative": self.negative,
            "tone": None if self.tone is None else round(self.tone, 4),
        }


@dataclass(frozen=True, slots=True)
class Spike:
    day: date
    #: "volume" (all items) or "negativity" (negative items)
    what: str
    value: int
    mean: float
    threshold: float
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "what": self.what,
            "value": self.value,
            "mean": round(self.mean, 3),
            "threshold": round(self.threshold, 3),
            "sentence": self.sentence,
        }


@dataclass(frozen=True, slots=True)
class TopContact:
    contact_id: int
    name: str
    platform: str
    items: int
    answered: int

    def to_json(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "name": self.name,
            "platform": self.platform,
            "items": self.items,
            "answered": self.answered,
            "reply_rate": round(self.answered / self.items, 4) if self.items else None,
        }


@dataclass(frozen=True, slots=True)
class Celebration:
    """A warm message with no answer yet: worth a thank-you."""

    item_id: int
    contact_id: int
    name: str
    platform: str
    polarity: float
    created_at: datetime
    excerpt: str
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "contact_id": self.contact_id,
            "name": self.name,
            "platform": self.platform,
            "polarity": round(self.polarity, 4),
            "created_at": to_iso(self.created_at),
            "excerpt": self.excerpt,
            "sentence": self.sentence,
        }


@dataclass(slots=True)
class Stats:
    since: datetime | None
    until: datetime
    days: int
    overall: Breakdown
    platforms: dict[str, Breakdown]
    accounts: dict[str, Breakdown]
    daily: list[Day]
    spikes: list[Spike]
    top_contacts: list[TopContact]
    celebrate: list[Celebration]
    owed: int

    def to_json(self) -> dict[str, Any]:
        return {
            "since": None if self.since is None else to_iso(self.since),
            "until": to_iso(self.until),
            "days": self.days,
            "overall": self.overall.to_json(),
            "platforms": {name: b.to_json() for name, b in sorted(self.platforms.items())},
            "accounts": {name: b.to_json() for name, b in sorted(self.accounts.items())},
            "daily": [day.to_json() for day in self.daily],
            "spikes": [spike.to_json() for spike in self.spikes],
            "top_contacts": [contact.to_json() for contact in self.top_contacts],
            "celebrate": [item.to_json() for item in self.celebrate],
            "owed": self.owed,
        }


# ---- assembling ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatsInput:
    """What the store answered for a period."""

    since: datetime | None
    first_day: date
    until: datetime
    hours: list[HourRow]
    delays: list[DelayRow]
    top: list[TopContactRow]
    celebrate: list[CelebrateRow]
    owed: int


def build_stats(data: StatsInput, now: datetime, tz: tzinfo = UTC) -> Stats:
    last_day = data.until.astimezone(tz).date()
    calendar_days = max(1, (last_day - data.first_day).days + 1)
    days = calendar_days if data.since is None else period_days(data.since, data.until)
    overall = Breakdown(days=days)
    platforms: dict[str, Breakdown] = defaultdict(lambda: Breakdown(days=days))
    accounts: dict[str, Breakdown] = defaultdict(lambda: Breakdown(days=days))
    for hour in data.hours:
        for part in (overall, platforms[hour.platform], accounts[hour.account]):
            part.items += hour.items
            part.answered += hour.answered
            part.negative += hour.negative
            part.polarity_sum += hour.polarity_sum
    for row in data.delays:
        for part in (overall, platforms[row.platform], accounts[row.account]):
            part.delays.append(row.delay)
    daily = _daily(data.hours, data.first_day, calendar_days, tz)
    return Stats(
        since=data.since,
        until=data.until,
        days=days,
        overall=overall,
        platforms=dict(platforms),
        accounts=dict(accounts),
        daily=daily,
        spikes=spikes_in(daily),
        top_contacts=[
            TopContact(r.contact_id, r.display_name or r.handle, r.platform, r.items, r.answered)
            for r in data.top
        ],
        celebrate=[_celebration(row, now) for row in data.celebrate],
        owed=data.owed,
    )


#: A day started less than this long ago is not counted (`since` and `until` are read a few
#: milliseconds apart: "the last 7 days" must not come out as 8).
_DAY_SLACK = 60.0


def period_days(since: datetime, until: datetime) -> int:
    """Days from `since` to `until`, a started day counting whole (never under 1)."""
    elapsed = ((until - since).total_seconds() - _DAY_SLACK) / 86400.0
    return max(1, math.ceil(elapsed))


def _daily(hours: Iterable[HourRow], first_day: date, days: int, tz: tzinfo) -> list[Day]:
    totals: dict[date, list[float]] = defaultdict(lambda: [0, 0, 0, 0.0])
    for hour in hours:
        day = from_epoch(hour.hour * 3600.0).astimezone(tz).date()
        entry = totals[day]
        entry[0] += hour.items
        entry[1] += hour.answered
        entry[2] += hour.negative
        entry[3] += hour.polarity_sum
    series = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        items, answered, negative, polarity = totals.get(day, [0, 0, 0, 0.0])
        tone = polarity / items if items else None
        series.append(Day(day, int(items), int(answered), int(negative), tone))
    return series


def spikes_in(daily: Sequence[Day]) -> list[Spike]:
    found = []
    for what, values in (
        ("volume", [d.items for d in daily]),
        ("negativity", [d.negative for d in daily]),
    ):
        for check in find_spikes(values):
            day = daily[check.index].day
            found.append(
                Spike(
                    day=day,
                    what=what,
                    value=int(check.value),
                    mean=check.mean,
                    threshold=check.threshold,
                    sentence=_spike_sentence(day, what, int(check.value), check.mean),
                )
            )
    found.sort(key=lambda s: (s.day, s.what))
    return found


def _spike_sentence(day: date, what: str, value: int, mean: float) -> str:
    when = f"{day:%a %d %b}"
    usual = f"{mean:.0f}" if mean >= 1 else "under 1"
    if what == "volume":
        return f"{when}: {value} messages, against {usual} a day the week before."
    return f"{when}: {value} negative messages, against {usual} a day the week before."


def _celebration(row: CelebrateRow, now: datetime) -> Celebration:
    created = from_epoch(row.created_at)
    name = row.display_name or row.handle
    text = " ".join(row.text.split())
    excerpt = text if len(text) <= _EXCERPT else text[: _EXCERPT - 1].rstrip() + "…"
    ago = duration(max(timedelta(0), now - created))
    return Celebration(
        item_id=row.item_id,
        contact_id=row.contact_id,
        name=name,
        platform=row.platform,
        polarity=row.polarity,
        created_at=created,
        excerpt=excerpt,
        sentence=f"{name} said something kind {ago} ago and has had no answer yet.",
    )
