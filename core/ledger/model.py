"""What the ledger hands out: summaries, flags and owed items (plain data, JSON-able)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.timeutil import to_iso


class FlagKind(enum.StrEnum):
    #: An owed item has waited far longer than the user usually takes with this contact.
    WAITING = "waiting"
    #: Items owed a reply: direct, unanswered, past the target response time.
    OWED = "owed"
    #: An unanswered streak, or a reply rate far below the user's own overall rate.
    NEGLECTED = "neglected"
    #: The user's recent replies to them are well below the user's usual tone.
    COLDER = "colder"


@dataclass(frozen=True, slots=True)
class Flag:
    kind: FlagKind
    #: One plain sentence saying why, e.g. "9 times in 10 you answer Maria within 2 h; this
    #: has waited 3 days."
    sentence: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "sentence": self.sentence}


@dataclass(slots=True)
class ContactSummary:
    """How the user has been treating one contact (kind "contact") or one person, rolled up
    over the contacts linked to them (kind "person")."""

    kind: str
    contact_id: int | None
    name: str
    handle: str
    platforms: list[str]
    contact_ids: list[int]
    person_id: int | None
    person_name: str | None
    received: int
    answered: int
    unanswered: int
    reply_rate: float | None
    median_reply: timedelta | None
    p90_reply: timedelta | None
    streak: int
    #: Items waiting in the inbox (state new, unanswered, not deleted) and those owed.
    waiting: int
    owed: int
    #: How long the oldest owed item has waited (None when nothing is owed).
    oldest_owed_wait: timedelta | None
    last_received: datetime | None
    last_answered: datetime | None
    #: Mean polarity (-1..1) of what they sent: overall, in the recent window, and before it.
    tone_received: float | None
    tone_received_recent: float | None
    tone_received_before: float | None
    #: Mean polarity of the user's sent replies to them: overall and in the recent window.
    tone_given: float | None
    tone_given_recent: float | None
    flags: list[Flag] = field(default_factory=list)
    #: One short line, e.g. "3rd message, 2 unanswered, you usually reply in 2 h".
    sentence: str = ""

    @property
    def tone_trend(self) -> float | None:
        """Recent tone received minus the tone before it (positive: warmer lately)."""
        if self.tone_received_recent is None or self.tone_received_before is None:
            return None
        return self.tone_received_recent - self.tone_received_before

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "contact_id": self.contact_id,
            "name": self.name,
            "handle": self.handle,
            "platforms": self.platforms,
            "contact_ids": self.contact_ids,
            "person_id": self.person_id,
            "person": self.person_name,
            "received": self.received,
            "answered": self.answered,
            "unanswered": self.unanswered,
            "reply_rate": _round(self.reply_rate),
            "median_reply_seconds": _seconds(self.median_reply),
            "p90_reply_seconds": _seconds(self.p90_reply),
            "streak": self.streak,
            "waiting": self.waiting,
            "owed": self.owed,
            "oldest_owed_wait_seconds": _seconds(self.oldest_owed_wait),
            "last_received": _iso(self.last_received),
            "last_answered": _iso(self.last_answered),
            "tone_received": _round(self.tone_received),
            "tone_received_recent": _round(self.tone_received_recent),
            "tone_received_before": _round(self.tone_received_before),
            "tone_trend": _round(self.tone_trend),
            "tone_given": _round(self.tone_given),
            "tone_given_recent": _round(self.tone_given_recent),
            "flags": [flag.to_json() for flag in self.flags],
            "sentence": self.sentence,
        }


@dataclass(frozen=True, slots=True)
class OwedItem:
    """An item owed a reply, and how long it has waited (wall-clock time)."""

    item_id: int
    waited: timedelta
    sentence: str
    contact_id: int
    created_at: datetime
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "contact_id": self.contact_id,
            "kind": self.kind,
            "created_at": to_iso(self.created_at),
            "waited_seconds": _seconds(self.waited),
            "sentence": self.sentence,
        }


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds(), 3)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else to_iso(moment)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
