"""Consistency flags: who is waiting, owed, neglected or answered more coldly than usual.

Each flag carries one sentence a person understands. The thresholds:

- waiting: the oldest owed item has waited more than twice the user's p90 reply time with this
  contact (the time within which 9 answers in 10 came), once there are at least 3 answered
  items to know it.
- owed: items addressed to the user, unanswered, past the target response time.
- neglected: the last 3 or more messages are all unanswered (the streak), or, with at least
  5 messages, the reply rate is under half the user's overall rate and 20 points below it.
- colder: the user's replies to them in the recent window (at least 2) average a polarity at
  least 0.3 below the user's earlier replies to them (at least 3) or, failing that, below the
  user's replies to everyone else (at least 5).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.ledger.facts import Facts, Norms
from core.ledger.model import Flag, FlagKind
from core.ledger.wording import count, duration, percent
from core.timeutil import from_epoch

WAIT_FACTOR = 2.0
WAIT_MIN_ANSWERED = 3
STREAK_NEGLECTED = 3
NEGLECT_MIN_RECEIVED = 5
NEGLECT_RATE_FACTOR = 0.5
NEGLECT_RATE_GAP = 0.2
COLDER_MARGIN = 0.3
COLDER_MIN_RECENT = 2
COLDER_MIN_EARLIER = 3
COLDER_MIN_OTHERS = 5


def flags_for(facts: Facts, norms: Norms, now: datetime, target: timedelta) -> list[Flag]:
    """The flags that apply, most pressing first."""
    found = [
        waiting_flag(facts, now),
        owed_flag(facts, now, target),
        neglected_flag(facts, norms),
        colder_flag(facts, norms),
    ]
    return [flag for flag in found if flag is not None]


def _oldest_owed_wait(facts: Facts, now: datetime) -> timedelta | None:
    if facts.open is None or facts.open.oldest_owed is None:
        return None
    return max(timedelta(0), now - from_epoch(facts.open.oldest_owed))


def usually_within(facts: Facts) -> timedelta | None:
    """The time within which the user answers them 9 times in 10 (p90), once there is enough
    to say so. Not "usually": that word means the median everywhere (the summary sentence)."""
    if facts.p90_delay is None or facts.answered < WAIT_MIN_ANSWERED:
        return None
    return timedelta(seconds=facts.p90_delay)


def waiting_sentence(name: str, p90: timedelta, waited: timedelta) -> str:
    """e.g. "9 times in 10 you answer Maria within 2 h; this has waited 3 days." (the p90,
    said as what it is: "usually" is the median, as in the summary sentence)."""
    within = "a minute" if p90 < timedelta(minutes=1) else duration(p90)
    return f"9 times in 10 you answer {name} within {within}; this has waited {duration(waited)}."


def waiting_flag(facts: Facts, now: datetime) -> Flag | None:
    waited = _oldest_owed_wait(facts, now)
    usual = usually_within(facts)
    if waited is None or usual is None or waited <= usual * WAIT_FACTOR:
        return None
    return Flag(FlagKind.WAITING, waiting_sentence(facts.name, usual, waited))


def owed_flag(facts: Facts, now: datetime, target: timedelta) -> Flag | None:
    waited = _oldest_owed_wait(facts, now)
    if waited is None or facts.open is None or facts.open.owed == 0:
        return None
    goal = f"(your target is {duration(target)})"
    if facts.open.owed == 1:
        sentence = f"{facts.name} has waited {duration(waited)} for a reply {goal}."
    else:
        owed = count(facts.open.owed, "reply", "replies")
        sentence = f"{facts.name} is owed {owed}; the oldest has waited {duration(waited)} {goal}."
    return Flag(FlagKind.OWED, sentence)


def neglected_flag(facts: Facts, norms: Norms) -> Flag | None:
    if facts.streak >= STREAK_NEGLECTED:
        return Flag(
            FlagKind.NEGLECTED,
            f"{facts.name} has written {facts.streak} times in a row without an answer.",
        )
    overall, rate = norms.reply_rate, facts.reply_rate
    if overall is None or rate is None or facts.received < NEGLECT_MIN_RECEIVED:
        return None
    if rate < overall * NEGLECT_RATE_FACTOR and overall - rate >= NEGLECT_RATE_GAP:
        return Flag(
            FlagKind.NEGLECTED,
            f"You have answered {facts.answered} of {facts.name}'s {facts.received} messages; "
            f"overall you answer {percent(overall)}.",
        )
    return None


def colder_flag(facts: Facts, norms: Norms) -> Flag | None:
    recent = facts.tone_given_recent
    if recent is None or facts.given_recent.count < COLDER_MIN_RECENT:
        return None
    earlier = facts.tone_given_before
    if earlier is not None and facts.given_before_count >= COLDER_MIN_EARLIER:
        if recent <= earlier - COLDER_MARGIN:
            return Flag(
                FlagKind.COLDER,
                f"Your recent replies to {facts.name} are colder than your earlier ones.",
            )
        return None
    others, how_many = norms.given_to_others(facts)
    if others is not None and how_many >= COLDER_MIN_OTHERS and recent <= others - COLDER_MARGIN:
        return Flag(
            FlagKind.COLDER,
            f"Your recent replies to {facts.name} are colder than your replies to others.",
        )
    return None
