"""Where the inbox list gets its rows: one scope (view + search) over the store.

Short reads (windows of rows, a position near the cursor) use the app's main connection. Counts
that may walk a whole view (the scrollbar's total, the tabs' numbers) go to a second, read-only
use connection, so a 30 ms count never sits in front of the next key press's query: aiosqlite
runs one statement at a time per connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.query import CompiledQuery
from core.store.inbox_sql import InboxRow
from core.store.repository import Store
from tui.views import Scope


@dataclass(slots=True)
class InboxSource:
    store: Store
    reader: Store
    scope: Scope
    now: Callable[[], datetime]
    target: timedelta

    def compiled(self) -> CompiledQuery:
        return self.scope.compiled(self.now(), self.target)

    async def count(self) -> int:
        return await self.reader.inbox_count(self.compiled())

    async def position(self, sort_key: int) -> int:
        return await self.reader.inbox_position(self.compiled(), sort_key)

    async def newest(self, limit: int) -> list[InboxRow]:
        return await self.store.inbox_rows(self.compiled(), limit=limit)

    async def older(self, sort_key: int, limit: int) -> list[InboxRow]:
        return await self.store.inbox_rows(self.compiled(), before=sort_key, limit=limit)

    async def newer(self, sort_key: int, limit: int) -> list[InboxRow]:
        return await self.store.inbox_rows(self.compiled(), after=sort_key, limit=limit)

    async def oldest(self, limit: int) -> list[InboxRow]:
        return await self.store.inbox_oldest(self.compiled(), limit)

    async def at(self, offset: int, limit: int) -> list[InboxRow]:
        return await self.store.inbox_rows_at(self.compiled(), offset, limit)

    def still_matches(self, row: InboxRow) -> bool:
        return self.scope.still_matches(row.item, self.now(), self.target)

    async def next_matching(self, extra: str, after: int | None) -> int | None:
        """The sort_key of the next item (older than `after`) that also matches `extra`."""
        query = self.scope.also(extra, self.now(), self.target)
        return await self.store.inbox_next(query, after)
