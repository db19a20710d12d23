"""Correcting the tone verdict on a stored message: one implementation for `rapport correct
ITEM_ID` and the app's `c`.

The correction is stored (replacing the item's earlier one: the user changed their mind), the
message is checked again, with its thread so far, by an analyser that has learned it, and the new
verdict is stored with the item, so the inbox, `is:flagged` and `rapport export` agree at once.
`undo_item_correction` puts everything back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from core.analysis import check_incoming
from core.models import Item, Tone
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection

#: Gives the analyser to check the message again with; called once the correction is stored,
#: it must return one that has learned it.
LearnedAnalyzer = Callable[[], Awaitable[Any]]


class ItemNotFound(LookupError):
    """No stored item has the id (removed, or never there)."""

    def __init__(self, item_id: int) -> None:
        super().__init__(f"item {item_id} is gone")
        self.item_id = item_id


@dataclass(slots=True)
class ItemCorrection:
    """What a correction did to an item: what it was marked, its verdict before and now."""

    item_id: int
    #: True: "this is one" (a conflict); False: "not a conflict".
    marked_conflict: bool
    #: The stored verdict before the correction.
    before: Tone
    #: The analyser's verdict now (its reasons name the correction); stored as `after`.
    verdict: Any
    after: Tone
    correction_id: int
    #: The item's earlier corrections, which this one replaced.
    replaced: list[StoredCorrection] = field(default_factory=list)

    def summary(self) -> str:
        """One line: what the item was marked and what changed, e.g. "Marked not a conflict;
        item 12 is no longer flagged (risk 0.71 → 0.22)."."""
        said = "a conflict" if self.marked_conflict else "not a conflict"
        was, now = self.before.conflict, self.after.conflict
        if now:
            change = "is still flagged" if was else "is now flagged"
        else:
            change = "is no longer flagged" if was else "is still not flagged"
        return (
            f"Marked {said}; item {self.item_id} {change} "
            f"(risk {self.before.risk:.2f} → {self.after.risk:.2f})."
        )


async def check_stored_incoming(store: Store, analyzer: Any, item: Item) -> Any:
    """The verdict on a stored message as the sync gives it: with its thread so far (checked
    off the event loop: the analyser may take a while)."""
    (thread,) = await store.thread_so_far([item])
    return await asyncio.to_thread(check_incoming, analyzer, item.text, thread)


async def correct_item(
    store: Store,
    item_id: int,
    analyzer: LearnedAnalyzer,
    *,
    conflict: bool | None = None,
) -> ItemCorrection:
    """Tell the tone check it was wrong about a stored message: `conflict` True for "this is
    one", False for "not a conflict", None for the opposite of what it says now (the opposite
    of the item's earlier correction if it has one, else of its stored verdict). The item's
    new verdict is stored. Raises ItemNotFound, before changing anything, for an unknown id."""
    item = await store.item(item_id)
    if item is None:
        raise ItemNotFound(item_id)
    if conflict is None:
        earlier = await store.item_corrections(item_id)
        conflict = not earlier[-1].verdict if earlier else not item.tone.conflict
    correction = StoredCorrection(item.text, "incoming", conflict, item_id=item_id)
    correction_id, replaced = await store.replace_item_corrections(item_id, correction)
    await store.log_event([item_id], "tone corrected", "conflict" if conflict else "no conflict")
    before = _copy(item.tone)
    verdict = await check_stored_incoming(store, await analyzer(), item)
    after = verdict.to_tone()
    await store.set_item_tone(item_id, after)
    return ItemCorrection(item_id, conflict, before, verdict, after, correction_id, replaced)


async def undo_item_correction(store: Store, corrected: ItemCorrection) -> None:
    """Take the correction back: the item's earlier corrections and its stored verdict return
    (an analyser built before this still knows the correction: build it again)."""
    await store.undo_correction(corrected.correction_id, corrected.replaced)
    await store.set_item_tone(corrected.item_id, _copy(corrected.before))
    await store.log_event([corrected.item_id], "undo", "tone correction")


def _copy(tone: Tone) -> Tone:
    return Tone(tone.polarity, tone.risk, tone.conflict, list(tone.reasons))
