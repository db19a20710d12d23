"""Where the inbox list gets its rows: one scope (view + search) over the store.

The list asks in its own order, top to bottom: the first rows, the rows below or above a row,
the last rows. Most views are newest first; a view may be oldest first (Owed: who has waited
longest at the top), and this class turns the list's words into the store's keyset reads on
`sort_key` (which is in time order) either way.

Short reads (windows of rows, a position near the cursor) use the app's main connection. Counts
that may walk a whole view (the scrollbar's total, the tabs' numbers) go to a second, read-only
use connection, so a 30 ms count never sits in front of the next key press's query: aiosqlite
runs one statement at a time per connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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

    @property
    def oldest_first(self) -> bool:
        return self.scope.view.oldest_first

    def compiled(self) -> CompiledQuery:
        return self.scope.compiled(self.now(), self.target)

    def before(self, a: int, b: int) -> bool:
        """Whether the row with sort_key `a` is drawn above the one with `b`."""
        return a < b if self.oldest_first else a > b

    def topmost(self, keys: Iterable[int]) -> int | None:
        """Of these sort_keys, the one drawn highest in the list."""
        chosen = list(keys)
        if not chosen:
            return None
        return min(chosen) if self.oldest_first else max(chosen)

    async def count(self) -> int:
        return await self.reader.inbox_count(self.compiled())

    async def position(self, sort_key: int) -> int:
        """How many rows of the list are above this one (its index, if it is in the list)."""
        return await self.reader.inbox_position(
            self.compiled(), sort_key, oldest_first=self.oldest_first
        )

    async def first(self, limit: int) -> list[InboxRow]:
        """The top `limit` rows, in list order."""
        if self.oldest_first:
            return _reversed(await self.store.inbox_oldest(self.compiled(), limit))
        return await self.store.inbox_rows(self.compiled(), limit=limit)

    async def last(self, limit: int) -> list[InboxRow]:
        """The bottom `limit` rows, in list order (the end of the list, for `G`)."""
        if self.oldest_first:
            return _reversed(await self.store.inbox_rows(self.compiled(), limit=limit))
        return await self.store.inbox_oldest(self.compiled(), limit)

    async def below(self, sort_key: int, limit: int, *, inclusive: bool = False) -> list[InboxRow]:
        """The `limit` rows under the row `sort_key` (and that row too, if `inclusive`)."""
        if self.oldest_first:
            after = sort_key - 1 if inclusive else sort_key
            rows = await self.store.inbox_rows(self.compiled(), after=after, limit=limit)
            return _reversed(rows)
        before = sort_key + 1 if inclusive else sort_key
        return await self.store.inbox_rows(self.compiled(), before=before, limit=limit)

    async def above(self, sort_key: int, limit: int) -> list[InboxRow]:
        """The `limit` rows over the row `sort_key`, in list order."""
        if self.oldest_first:
            rows = await self.store.inbox_rows(self.compiled(), before=sort_key, limit=limit)
            return _reversed(rows)
        return await self.store.inbox_rows(self.compiled(), after=sort_key, limit=limit)

    async def at(self, offset: int, limit: int) -> list[InboxRow]:
        return await self.store.inbox_rows_at(
            self.compiled(), offset, limit, oldest_first=self.oldest_first
        )

    def still_matches(self, row: InboxRow) -> bool:
        return self.scope.still_matches(row, self.now(), self.target)

    async def next_matching(self, extra: str, after: int | None) -> int | None:
        """The sort_key of the next item (below `after`) that also matches `extra`."""
        query = self.scope.also(extra, self.now(), self.target)
        return await self.store.inbox_next(query, after, oldest_first=self.oldest_first)


def _reversed(rows: list[InboxRow]) -> list[InboxRow]:
    rows.reverse()
    return rows
