"""The app's inbox queries (part of the repository; see core.store.base).

The inbox list is virtual: it never loads the whole view. It asks for a count (the scrollbar), a
position (where an item sits in the view, so the cursor can stay on it while new items arrive),
and windows of rows by keyset on `items.sort_key` (newest first), which costs the same at the
100,000th row as at the first. OFFSET is only used for a jump to an arbitrary place (a scrollbar
drag), where nothing nearer is known. A list shown oldest first (the Owed view) reads the same
windows the other way round (tui.inbox_source); position, jumps and "next" take `oldest_first`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.models import Item
from core.query import DIRECT_KINDS, CompiledQuery
from core.store import page_sql
from core.store.base import StoreBase
from core.store.rows import ITEM_COLUMNS, item_from_row, tags_from_text

# The latest reply that left the draft stage, whether a draft is waiting, and whether the item
# was answered at all (from Rapport or on the platform: the ledger's item_answers, the same test
# is:owed makes): the list and the preview show all three.
_ROW_COLUMNS = (
    f"{ITEM_COLUMNS}, items.deleted_at AS deleted_at, "
    "(SELECT r.state FROM replies r WHERE r.item_id = items.id AND r.state != 'draft' "
    "ORDER BY r.id DESC LIMIT 1) AS reply_state, "
    "EXISTS (SELECT 1 FROM replies d WHERE d.item_id = items.id AND d.state = 'draft') "
    "AS has_draft, "
    "EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = items.id) AS answered"
)
_JOINS = (
    "JOIN accounts ON accounts.id = items.account_id JOIN contacts ON contacts.id = items.author_id"
)


@dataclass(slots=True)
class InboxRow:
    """One line of the inbox: the item plus what the list marks beside it."""

    item: Item
    #: State of the latest non-draft reply ("queued", "sending", "sent", "failed") or None.
    reply_state: str | None = None
    has_draft: bool = False
    deleted: bool = False
    #: Answered, by a reply sent from Rapport or one the user posted on the platform.
    answered: bool = False

    @property
    def sort_key(self) -> int:
        assert self.item.sort_key is not None
        return self.item.sort_key


@dataclass(frozen=True, slots=True)
class ContactActivity:
    """Plain counts about one contact, for the preview when the consistency ledger is absent."""

    messages: int
    ordinal: int
    unanswered: int
    reply_seconds: list[float]

    @property
    def median_reply_seconds(self) -> float | None:
        return statistics.median(self.reply_seconds) if self.reply_seconds else None


def _joins(query: CompiledQuery, lean: bool) -> str:
    """The joins a query needs. Counting skips the ones its conditions do not mention: every
    item has its account and author (foreign keys), so they cannot change a count, and without
    them counting 100,000 items reads one index instead of three tables (3 ms instead of 60)."""
    if not lean:
        return _JOINS
    parts = []
    if "accounts." in query.where:
        parts.append("JOIN accounts ON accounts.id = items.account_id")
    if "contacts." in query.where:
        parts.append("JOIN contacts ON contacts.id = items.author_id")
    return " ".join(parts)


def _from_where(
    query: CompiledQuery,
    extra: str = "",
    extra_params: Sequence[Any] = (),
    *,
    lean: bool = False,
) -> tuple[str, str, list[Any]]:
    """FROM and WHERE for a compiled query, with an extra condition on `items.sort_key`."""
    joins = _joins(query, lean)
    if query.match is None:
        source = f"items {joins}"
        where = f"({query.where})" + (f" AND {extra}" if extra else "")
        return source, where, [*query.params, *extra_params]
    # With full-text words, walk the FTS index (its rowid is the sort_key) rather than items.
    source = f"items_fts CROSS JOIN items ON items.sort_key = items_fts.rowid {joins}"
    extra = extra.replace("items.sort_key", "items_fts.rowid")
    where = "items_fts MATCH ?" + (f" AND {extra}" if extra else "") + f" AND ({query.where})"
    return source, where, [query.match, *extra_params, *query.params]


def _key(query: CompiledQuery) -> str:
    return "items.sort_key" if query.match is None else "items_fts.rowid"


def _row(record: Any) -> InboxRow:
    return InboxRow(
        item=item_from_row(record),
        reply_state=record["reply_state"],
        has_draft=bool(record["has_draft"]),
        deleted=record["deleted_at"] is not None,
        answered=bool(record["answered"]) or record["reply_state"] == "sent",
    )


class InboxQueries(StoreBase):
    async def inbox_count(self, query: CompiledQuery) -> int:
        source, where, params = _from_where(query, lean=True)
        row = await self._one(f"SELECT count(*) FROM {source} WHERE {where}", params)
        return int(row[0])

    async def inbox_position(
        self, query: CompiledQuery, sort_key: int, *, oldest_first: bool = False
    ) -> int:
        """How many items of the view come before `sort_key` (its index, if it is in it): the
        newer ones, or (`oldest_first`) the older ones."""
        compare = "items.sort_key < ?" if oldest_first else "items.sort_key > ?"
        source, where, params = _from_where(query, compare, [sort_key], lean=True)
        row = await self._one(f"SELECT count(*) FROM {source} WHERE {where}", params)
        return int(row[0])

    async def inbox_rows(
        self,
        query: CompiledQuery,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[InboxRow]:
        """Rows newest first: the `limit` older than `before`, or the `limit` newer than `after`
        (still returned newest first), or the newest `limit` when neither is given."""
        key = _key(query)
        if after is not None:
            source, where, params = _from_where(query, "items.sort_key > ?", [after])
            order = f"{key} ASC"
        elif before is not None:
            source, where, params = _from_where(query, "items.sort_key < ?", [before])
            order = f"{key} DESC"
        else:
            source, where, params = _from_where(query)
            order = f"{key} DESC"
        records = await self._all(
            f"SELECT {_ROW_COLUMNS} FROM {source} WHERE {where} ORDER BY {order} LIMIT ?",
            [*params, limit],
        )
        rows = [_row(r) for r in records]
        if after is not None:
            rows.reverse()
        return rows

    async def inbox_oldest(self, query: CompiledQuery, limit: int) -> list[InboxRow]:
        """The `limit` oldest rows of the view, newest first (the end of the list, for `G`)."""
        source, where, params = _from_where(query)
        records = await self._all(
            f"SELECT {_ROW_COLUMNS} FROM {source} WHERE {where} ORDER BY {_key(query)} ASC LIMIT ?",
            [*params, limit],
        )
        return [_row(r) for r in reversed(records)]

    async def inbox_rows_at(
        self, query: CompiledQuery, offset: int, limit: int, *, oldest_first: bool = False
    ) -> list[InboxRow]:
        """Rows from an index with nothing known nearby (a jump; keyset paging is cheaper), in
        the list's order: newest first, or oldest first."""
        source, where, params = _from_where(query)
        direction = "ASC" if oldest_first else "DESC"
        records = await self._all(
            f"SELECT {_ROW_COLUMNS} FROM {source} WHERE {where} "
            f"ORDER BY {_key(query)} {direction} LIMIT ? OFFSET ?",
            [*params, limit, max(0, offset)],
        )
        return [_row(r) for r in records]

    async def inbox_rows_by_id(self, item_ids: Sequence[int]) -> list[InboxRow]:
        """The rows of these items as they are now (after a triage action changed them)."""
        found: list[InboxRow] = []
        ids = list(item_ids)
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            marks = ",".join("?" * len(chunk))
            records = await self._all(
                f"SELECT {_ROW_COLUMNS} FROM items {_JOINS} WHERE items.id IN ({marks})", chunk
            )
            found.extend(_row(r) for r in records)
        return found

    async def inbox_next(
        self, query: CompiledQuery, after: int | None, *, oldest_first: bool = False
    ) -> int | None:
        """The sort_key of the first item of `query` below `after` in the list (None: from the
        top): older than it, or (`oldest_first`) newer."""
        compare = "items.sort_key > ?" if oldest_first else "items.sort_key < ?"
        extra, extra_params = (compare, [after]) if after is not None else ("", [])
        source, where, params = _from_where(query, extra, extra_params)
        direction = "ASC" if oldest_first else "DESC"
        row = await self._one(
            f"SELECT items.sort_key FROM {source} WHERE {where} "
            f"ORDER BY {_key(query)} {direction} LIMIT 1",
            params,
        )
        return int(row[0]) if row else None

    async def tag_counts(self, limit: int = 200) -> list[tuple[str, int]]:
        """Tags in use, most used first (for completion in the tag dialog)."""
        counts: dict[str, int] = {}
        # Tags are a space-separated column; distinct combinations are few even at 100,000 rows.
        for row in await self._all(
            "SELECT tags, count(*) FROM items WHERE tags != '' GROUP BY tags"
        ):
            for tag in tags_from_text(row[0]):
                counts[tag] = counts.get(tag, 0) + int(row[1])
        ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
        return ranked[:limit]

    async def thread_item_ids(self, account: str, root_id: str) -> list[int]:
        """Every stored item of one thread (for muting it)."""
        account_id = await self.account_id(account)
        rows = await self._all(
            "SELECT id FROM items WHERE account_id = ? AND (thread_root_id = ? OR remote_id = ?)",
            (account_id, root_id, root_id),
        )
        return [int(r[0]) for r in rows]

    async def muted_thread_roots(self, account: str, roots: Iterable[str]) -> set[str]:
        """Which of these thread roots the user muted (a muted item of the thread is stored):
        new items of those threads should arrive muted too."""
        wanted = [r for r in roots if r]
        if not wanted:
            return set()
        account_id = await self.account_id(account)
        return await self._on_thread(lambda db: page_sql.muted_thread_roots(db, account_id, wanted))

    async def contact_activity(self, contact_id: int, item_id: int) -> ContactActivity:
        """Counts for the consistency line: how many messages, which one this is, how many are
        still unanswered, and how long the user's sent replies to this contact took."""
        kinds = ",".join(f"'{k}'" for k in DIRECT_KINDS)
        totals = await self._one(
            "SELECT count(*), "
            "sum(CASE WHEN created_at <= (SELECT created_at FROM items WHERE id = ?) "
            "THEN 1 ELSE 0 END), "
            f"sum(CASE WHEN state = 'new' AND kind IN ({kinds}) AND NOT EXISTS "
            "(SELECT 1 FROM replies r WHERE r.item_id = items.id AND r.state = 'sent') "
            "AND NOT EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = items.id) "
            "THEN 1 ELSE 0 END) FROM items WHERE author_id = ?",
            (item_id, contact_id),
        )
        waits = await self._all(
            "SELECT min(r.sent_at) - items.created_at FROM items JOIN replies r "
            "ON r.item_id = items.id WHERE items.author_id = ? AND r.state = 'sent' "
            "GROUP BY items.id ORDER BY items.created_at DESC LIMIT 50",
            (contact_id,),
        )
        return ContactActivity(
            messages=int(totals[0] or 0),
            ordinal=int(totals[1] or 0),
            unanswered=int(totals[2] or 0),
            reply_seconds=[max(0.0, float(r[0])) for r in waits if r[0] is not None],
        )
