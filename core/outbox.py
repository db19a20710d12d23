"""Queueing replies behind the conflict gate. (Sending them is the sync engine's job.)

The gate and the app's live check judge a draft in the same context (`draft_context`): the
thread it answers, and the user's usual tone with the author (or their person) from the ledger,
so a draft the composer showed as fine is not refused by `rapport reply`, and the other way
round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import UsageError
from core.models import Item, Reply
from core.store.repository import Store


@dataclass(slots=True)
class QueueOutcome:
    reply: Reply | None
    verdict: Any
    refused: bool


async def draft_context(store: Store, item: Item, thread: Sequence[str] | None = None) -> Any:
    """The ToneContext of a draft answering `item`: `thread` (the posts above it and the item,
    oldest first; default: the item alone) and the user's usual tone with its author, once the
    ledger has enough replies to them (core.ledger.usual)."""
    from core.analysis import ToneContext
    from core.ledger.usual import usual_tone

    usual = await usual_tone(store, item.author.id)
    return ToneContext(
        thread=list(thread) if thread is not None else [item.text],
        usual_polarity=usual.polarity if usual is not None else None,
        contact_name=(usual.person if usual is not None else None) or item.author.label or None,
    )


async def queue_reply(
    store: Store,
    analyzer: Any,
    item_id: int,
    text: str,
    *,
    force: bool = False,
    thread: Sequence[str] | None = None,
) -> QueueOutcome:
    """Check the draft's tone; queue it unless it is flagged (then only with `force`).
    `thread`: as for `draft_context` (the composer passes what it checked against)."""
    item = await store.item(item_id)
    if item is None:
        raise UsageError(f"no item with id {item_id} (ids are shown by `rapport export`)")
    context = await draft_context(store, item, thread)
    verdict = analyzer.check(text, role="draft", context=context)
    if verdict.conflict and not force:
        return QueueOutcome(reply=None, verdict=verdict, refused=True)
    reply = await store.queue_reply(
        item_id, item.account, text, verdict.to_tone(), forced=bool(force and verdict.conflict)
    )
    return QueueOutcome(reply=reply, verdict=verdict, refused=False)
