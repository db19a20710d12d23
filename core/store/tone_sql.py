"""The user's corrections of tone verdicts (part of the repository; see core.store.base)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from core.store.base import StoreBase
from core.timeutil import to_epoch, utcnow


@dataclass(frozen=True, slots=True)
class StoredCorrection:
    text: str
    role: str
    verdict: bool
    rules: list[str] = field(default_factory=list)
    item_id: int | None = None


class ToneQueries(StoreBase):
    async def save_correction(self, correction: StoredCorrection) -> None:
        async with self.transaction():
            await self.conn.execute(
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

    async def corrections(self) -> list[StoredCorrection]:
        rows = await self._all(
            "SELECT text, role, verdict, reasons, item_id FROM tone_corrections ORDER BY id"
        )
        return [StoredCorrection(r[0], r[1], bool(r[2]), json.loads(r[3]), r[4]) for r in rows]
