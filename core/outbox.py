"""Queueing replies behind the conflict gate. (Sending them is the sync engine's job.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import UsageError
from core.models import Reply
from core.store.repository import Store


@dataclass(slots=True)
class QueueOutcome:
    reply: Reply | None
    verdict: Any
    refused: bool


async def queue_reply(
    store: Store, analyzer: Any, item_id: int, text: str, *, force: bool = False
) -> QueueOutcome:
    """Check the draft's tone; queue it unless it is flagged (then only with `force`)."""
    from core.analysis import ToneContext

    item = await store.item(item_id)
    if item is None:
        raise UsageError(f"no item with id {item_id} (ids are shown by `rapport export`)")
    verdict = analyzer.check(text, role="draft", context=ToneContext(thread=[item.text]))
    if verdict.conflict and not force:
        return QueueOutcome(reply=None, verdict=verdict, refused=True)
    reply = await store.queue_reply(
        item_id, item.account, text, verdict.to_tone(), forced=bool(force and verdict.conflict)
    )
    return QueueOutcome(reply=reply, verdict=verdict, refused=False)
