"""The tone check's data (part of the repository; see core.store.base): the user's corrections of
verdicts, an item's stored verdict, and the thread so far of incoming items (what the sync's
analysis and the app's re-checks give the analyser as context)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.models import Item, Tone
from core.store.base import StoreBase
from core.timeutil import to_epoch, utcnow

#: How many earlier posts of a thread the analyser is given (it looks at the last five).
THREAD_CONTEXT = 5


@dataclass(frozen=True, slots=True)
class StoredCorrection:
    text: str
    role: str
    verdict: bool
    rules: list[str] = field(default_factory=list)
    item_id: int | None = None
    #: The row's id once stored (None for one not stored yet).
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ThreadQuestion:
    """For one item: its thread root, and its creation time (epoch seconds); the answer is the
    texts of the stored items of that thread created before it."""

    root: str
    before: float


_CORRECTION_COLUMNS = "text, role, verdict, reasons, item_id, id"


def _correction(row: Sequence[object]) -> StoredCorrection:
    return StoredCorrection(
        str(row[0]),
        str(row[1]),
        bool(row[2]),
        json.loads(str(row[3])),
        row[4],  # type: ignore[arg-type]
        row[5],  # type: ignore[arg-type]
    )


# Each question is one index walk (items_by_thread: account, root, created_at), newest first and
# stopped after THREAD_CONTEXT rows: the cost does not grow with the thread's length.
_THREAD_TEXTS = f"""
SELECT q.key, items.created_at, items.text FROM json_each(?2) AS q
JOIN items ON items.id IN (
    SELECT id FROM items
    WHERE account_id = ?1 AND thread_root_id = q.value ->> '$[0]'
        AND created_at < q.value ->> '$[1]'
    ORDER BY created_at DESC LIMIT {THREAD_CONTEXT}
)
ORDER BY q.key, items.created_at
"""


#: One earlier post of a thread: its creation time (epoch seconds) and its text.
Turn = tuple[float, str]


def thread_texts(
    db: sqlite3.Connection, account_id: int, questions: Sequence[ThreadQuestion]
) -> list[list[Turn]]:
    """For each question, the stored items of its thread created before it (the last
    THREAD_CONTEXT, oldest first), in one statement."""
    found: list[list[Turn]] = [[] for _ in questions]
    asked = [n for n, q in enumerate(questions) if q.root]
    if not asked:
        return found
    payload = json.dumps([[questions[n].root, questions[n].before] for n in asked])
    for key, created_at, text in db.execute(_THREAD_TEXTS, (account_id, payload)):
        found[asked[int(key)]].append((float(created_at), str(text)))
    return found


class ToneQueries(StoreBase):
    # ---- corrections ---------------------------------------------------------------------------

    async def save_correction(self, correction: StoredCorrection) -> int:
        """Store a correction; returns its id."""
        async with self.transaction():
            return await self._insert_correction(correction)

    async def _insert_correction(self, correction: StoredCorrection) -> int:
        cursor = await self.conn.execute(
            "INSERT INTO tone_corrections(text, role, verdict, reasons, item_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                correction.text,
                correction.role,
                int(correction.verdict),
                json.dumps(correction.rules),
                correction.item_id,
                to_epoch(utcnow()),
            ),
        )
        return int(cursor.lastrowid or 0)

    async def corrections(self) -> list[StoredCorrection]:
        rows = await self._all(f"SELECT {_CORRECTION_COLUMNS} FROM tone_corrections ORDER BY id")
        return [_correction(r) for r in rows]

    async def item_corrections(self, item_id: int) -> list[StoredCorrection]:
        """The corrections made on one stored item, oldest first."""
        rows = await self._all(
            f"SELECT {_CORRECTION_COLUMNS} FROM tone_corrections WHERE item_id = ? ORDER BY id",
            (item_id,),
        )
        return [_correction(r) for r in rows]

    async def replace_item_corrections(
        self, item_id: int, correction: StoredCorrection
    ) -> tuple[int, list[StoredCorrection]]:
        """Make `correction` the item's one correction (the user changed their mind: the earlier
        ones go); returns its id and the corrections it replaced."""
        async with self.transaction():
            before = await self.item_corrections(item_id)
            await self.conn.execute("DELETE FROM tone_corrections WHERE item_id = ?", (item_id,))
            new_id = await self._insert_correction(correction)
        return new_id, before

    async def undo_correction(
        self, correction_id: int, replaced: Sequence[StoredCorrection]
    ) -> None:
        """Take back a correction and put back the ones it replaced (with their ids)."""
        async with self.transaction():
            await self.conn.execute("DELETE FROM tone_corrections WHERE id = ?", (correction_id,))
            await self.conn.executemany(
                "INSERT OR REPLACE INTO tone_corrections(id, text, role, verdict, reasons, "
                "item_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.id,
                        c.text,
                        c.role,
                        int(c.verdict),
                        json.dumps(c.rules),
                        c.item_id,
                        to_epoch(utcnow()),
                    )
                    for c in replaced
                ],
            )

    # ---- stored verdicts and thread context ----------------------------------------------------

    async def set_item_tone(self, item_id: int, tone: Tone) -> None:
        """Store a new verdict for an item (re-checked after a correction, or put back)."""
        async with self.transaction():
            await self.conn.execute(
                "UPDATE items SET polarity = ?, risk = ?, conflict = ?, reasons = ? WHERE id = ?",
                (
                    tone.polarity,
                    tone.risk,
                    int(tone.conflict),
                    json.dumps(tone.reasons),
                    item_id,
                ),
            )

    async def thread_texts(
        self, account: str, questions: Sequence[ThreadQuestion]
    ) -> list[list[Turn]]:
        """`thread_texts` for one account, in one round trip (the sync asks once per page)."""
        if not any(q.root for q in questions):
            return [[] for _ in questions]
        account_id = await self.account_id(account)
        wanted = list(questions)
        return await self._on_thread(lambda db: thread_texts(db, account_id, wanted))

    async def thread_so_far(self, items: Sequence[Item]) -> list[list[str]]:
        """For each item (all of one account), the texts of the earlier items of its thread,
        oldest first, the last THREAD_CONTEXT: the stored ones (one query for all the items)
        and, for items not stored yet, the earlier ones among `items` (a synced page brings a
        thread's turns together). Earlier is by creation time; an item without a thread root
        has no thread. What the analyser takes as `ToneContext.thread` for incoming items."""
        if not items:
            return []
        # The root of a thread has nothing above it: only the others are asked about.
        stored = await self.thread_texts(
            items[0].account,
            [
                ThreadQuestion(
                    i.thread_root_id if i.thread_root_id != i.remote_id else "",
                    to_epoch(i.created_at),
                )
                for i in items
            ],
        )
        by_root: dict[str, list[Item]] = {}
        for item in {i.remote_id: i for i in items}.values():  # a page may repeat an item
            if item.thread_root_id:
                by_root.setdefault(item.thread_root_id, []).append(item)
        found: list[list[str]] = []
        for item, earlier in zip(items, stored, strict=True):
            group = by_root.get(item.thread_root_id, []) if item.thread_root_id else []
            page = [
                (to_epoch(i.created_at), i.text)
                for i in group
                if i.created_at < item.created_at and i.remote_id != item.remote_id
            ]
            if page:  # stored items and the page's are different items: merge them by time
                earlier = sorted([*earlier, *page], key=lambda turn: turn[0])[-THREAD_CONTEXT:]
            found.append([text for _, text in earlier])
        return found


__all__ = ["THREAD_CONTEXT", "StoredCorrection", "ThreadQuestion", "ToneQueries", "Turn"]
