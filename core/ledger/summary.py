"""Turning facts into a ContactSummary: the numbers, the flags and the one-line sentence."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.ledger.facts import Facts, Norms
from core.ledger.flags import flags_for
from core.ledger.model import ContactSummary
from core.ledger.wording import duration, ordinal
from core.timeutil import from_epoch


def summarize(facts: Facts, norms: Norms, now: datetime, target: timedelta) -> ContactSummary:
    open_items = facts.open
    oldest_owed = open_items.oldest_owed if open_items else None
    return ContactSummary(
        kind=facts.kind,
        contact_id=facts.contact_id,
        name=facts.name,
        handle=facts.handle,
        platforms=facts.platforms,
        contact_ids=facts.contact_ids,
        person_id=facts.person_id,
        person_name=facts.person_name,
        received=facts.received,
        answered=facts.answered,
        unanswered=facts.received - facts.answered,
        reply_rate=facts.reply_rate,
        median_reply=_span(facts.median_delay),
        p90_reply=_span(facts.p90_delay),
        streak=facts.streak,
        waiting=open_items.waiting if open_items else 0,
        owed=open_items.owed if open_items else 0,
        oldest_owed_wait=(
            max(timedelta(0), now - from_epoch(oldest_owed)) if oldest_owed is not None else None
        ),
        last_received=_moment(facts.last_in),
        last_answered=_moment(facts.last_out),
        tone_received=facts.tone_received,
        tone_received_recent=facts.tone_received_recent,
        tone_received_before=facts.tone_received_before,
        tone_given=facts.tone_given,
        tone_given_recent=facts.tone_given_recent,
        flags=flags_for(facts, norms, now, target),
        sentence=sentence(facts),
    )


def sentence(facts: Facts) -> str:
    """e.g. "3rd message, 2 unanswered, you usually reply in 2 h"."""
    if facts.received == 0:
        return "No messages yet"
    unanswered = facts.received - facts.answered
    if facts.received == 1:
        if facts.median_delay is not None:
            return f"First message, answered in {duration(timedelta(seconds=facts.median_delay))}"
        return "First message, not answered yet"
    parts = [f"{ordinal(facts.received)} message"]
    if facts.answered == 0:
        parts.append("none answered yet")
    elif unanswered == 0:
        parts.append("all answered")
    else:
        parts.append(f"{unanswered} unanswered")
    if facts.median_delay is not None:
        typical = duration(timedelta(seconds=facts.median_delay))
        if facts.answered == 1:
            parts.append(f"your one reply took {typical}")
        else:
            parts.append(f"you usually reply in {typical}")
    return ", ".join(parts)


def _span(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def _moment(epoch: float | None) -> datetime | None:
    return None if epoch is None else from_epoch(epoch)
