"""Owed replies: one sentence per item saying who is waiting, for what, and for how long."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.ledger.flags import WAIT_MIN_ANSWERED, waiting_sentence
from core.ledger.model import OwedItem
from core.ledger.wording import duration
from core.store.ledger_sql import OwedRow
from core.timeutil import from_epoch

_VERBS = {
    "mention": "mentioned you",
    "reply": "replied to you",
    "comment": "commented",
    "quote": "quoted you",
    "direct": "sent you a message",
    "review": "left you a review comment",
}


def owed_item(row: OwedRow, now: datetime, target: timedelta) -> OwedItem:
    created = from_epoch(row.created_at)
    waited = max(timedelta(0), now - created)
    return OwedItem(
        item_id=row.item_id,
        waited=waited,
        sentence=owed_sentence(row, waited, target),
        contact_id=row.contact_id,
        created_at=created,
        kind=row.kind,
    )


def owed_sentence(row: OwedRow, waited: timedelta, target: timedelta) -> str:
    """Against the user's habit with this contact when it is known and exceeded, else against
    the target: "Maria asked you a question 2 days ago; your target is 4 h."."""
    name = row.display_name or row.handle
    if row.p90_delay is not None and row.answered_before >= WAIT_MIN_ANSWERED:
        usual = timedelta(seconds=row.p90_delay)
        if waited > usual:
            return waiting_sentence(name, usual, waited)
    verb = "asked you a question" if row.is_question else _VERBS.get(row.kind, "wrote to you")
    return f"{name} {verb} {duration(waited)} ago; your target is {duration(target)}."
