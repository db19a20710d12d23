"""The one repository over an injected aiosqlite connection. All SQL lives under core/store."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.models import (
    Account,
    Contact,
    ContextPost,
    Cursor,
    Item,
    ItemState,
    Reply,
    ReplyState,
    Tone,
)
from core.query import CompiledQuery
from core.store import page_sql
from core.store.bulk import CHUNK
from core.store.database import connect
from core.store.inbox_sql import InboxQueries
from core.store.ledger_sql import LedgerQueries
from core.store.page_sql import IngestResult, PageEvent, PageWrite
from core.store.rows import (
    ITEM_COLUMNS,
    ITEM_FROM,
    REPLY_COLUMNS,
    item_from_row,
    reply_from_row,
    tags_from_text,
    tags_to_text,
    tone_to_json,
)
from core.store.tone_sql import ToneQueries
from core.timeutil import from_epoch, to_epoch, utcnow

_CHUNK = CHUNK


@dataclass(frozen=True, slots=True)
class StateSnapshot:
    """What an item looked like before a triage action, so the action can be undone."""

    item_id: int
    state: str
    snoozed_until: float | None
    tags: str
    important: int
    read: int


class Store(InboxQueries, LedgerQueries, ToneQueries):
    """Reads and writes the workspace database; open with `await Store.open(path)`."""

    @classmethod
    async def open(
        cls, path: Path | str, *, inline: bool = False, checkpoint_pages: int | None = None
    ) -> Store:
        """`inline`: statements run in the calling thread (a sync worker's store, see
        core.store.inline), not on a database thread; `checkpoint_pages`: see `connect`."""
        return cls(await connect(path, inline=inline, checkpoint_pages=checkpoint_pages))

    async def close(self) -> None:
        await self.conn.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- accounts ------------------------------------------------------------------------------

    async def ensure_account(self, account: Account) -> int:
        """Insert or refresh an account row (accounts are defined in the config file)."""
        await self.conn.execute(
            "INSERT INTO accounts(name, platform, base_url, handle, remote_id) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET "
            "platform = excluded.platform, base_url = excluded.base_url, "
            "handle = CASE WHEN excluded.handle != '' THEN excluded.handle ELSE handle END, "
            "remote_id = CASE WHEN excluded.remote_id != '' THEN excluded.remote_id "
            "ELSE remote_id END",
            (account.name, account.platform, account.base_url, account.handle, account.remote_id),
        )
        row = await self._one("SELECT id FROM accounts WHERE name = ?", (account.name,))
        self._account_ids[account.name] = int(row[0])
        return int(row[0])

    async def accounts(self) -> list[Account]:
        rows = await self._all(
            "SELECT id, name, platform, base_url, handle, remote_id FROM accounts ORDER BY name"
        )
        return [
            Account(
                id=r["id"],
                name=r["name"],
                platform=r["platform"],
                base_url=r["base_url"],
                handle=r["handle"],
                remote_id=r["remote_id"],
            )
            for r in rows
        ]

    async def delete_account(self, name: str) -> int:
        """Remove an account and everything synced for it; returns how many items went."""
        async with self.transaction():
            row = await self._one("SELECT id FROM accounts WHERE name = ?", (name,))
            if row is None:
                return 0
            count = await self._one("SELECT count(*) FROM items WHERE account_id = ?", (row[0],))
            await self.conn.execute("DELETE FROM accounts WHERE id = ?", (row[0],))
        self._account_ids.pop(name, None)
        return int(count[0])

    # ---- contacts ------------------------------------------------------------------------------

    async def upsert_contacts(self, contacts: Iterable[Contact]) -> dict[tuple[str, str, str], int]:
        """Insert or refresh contacts (a changed handle updates in place); returns their ids."""
        now = to_epoch(utcnow())
        wanted = list(contacts)
        if not wanted:
            return {}
        return await self._on_thread(lambda db: page_sql.upsert_contacts(db, wanted, now))

    async def contact(self, contact_id: int) -> Contact | None:
        row = await self._one(
            "SELECT id, platform, instance, remote_id, handle, display_name, profile_url, links, "
            "bio, person_id FROM contacts WHERE id = ?",
            (contact_id,),
        )
        if row is None:
            return None
        return Contact(
            id=row["id"],
            platform=row["platform"],
            instance=row["instance"],
            remote_id=row["remote_id"],
            handle=row["handle"],
            display_name=row["display_name"],
            profile_url=row["profile_url"],
            links=json.loads(row["links"]),
            bio=row["bio"],
            person_id=row["person_id"],
        )

    # ---- ingest: items and the cursor advance in one transaction ------------------------------

    async def ingest(
        self,
        account: str,
        items: Sequence[Item],
        cursor: Cursor | None = None,
        own_posts: Sequence[ContextPost] = (),
        events: Sequence[PageEvent] = (),
    ) -> IngestResult:
        """Upsert a page of items and advance the cursor atomically; re-ingesting is a no-op.

        `own_posts` (the user's own posts the page brought) are stored first and `events` (history
        entries of the page's items, by remote id) after the items, in the same transaction. The
        whole page is one call on the connection's thread (core.store.page_sql)."""
        account_id = await self.account_id(account)
        now = to_epoch(utcnow())
        return await self._write_on_thread(
            lambda db: page_sql.ingest(db, account_id, items, cursor, own_posts, now, events)
        )

    async def ingest_pages(self, account: str, pages: Sequence[PageWrite]) -> IngestResult:
        """Several pages of one stream (`ingest` each, in order) in ONE transaction: a sync
        that fetches faster than it commits stores what it has read in one go (see
        core.sync.engine). The cursor stored is the last page's, with every page's items."""
        account_id = await self.account_id(account)
        now = to_epoch(utcnow())
        return await self._write_on_thread(
            lambda db: page_sql.ingest_pages(db, account_id, pages, now)
        )

    async def known_remote_ids(self, account: str, remote_ids: list[str]) -> set[str]:
        account_id = await self.account_id(account)
        found = await self._on_thread(lambda db: page_sql.existing_ids(db, account_id, remote_ids))
        return set(found)

    async def screen_new(self, account: str, items: Sequence[Item]) -> tuple[set[str], set[str]]:
        """Which of a page's items are stored already, and which thread roots of the others the
        user muted: the sync engine's two questions before analysis, in one round trip."""
        account_id = await self.account_id(account)
        return await self._on_thread(lambda db: page_sql.screen(db, account_id, items))

    async def mark_deleted(self, account: str, remote_id: str) -> bool:
        """The platform says an item is gone: keep it (history counts) but mark it."""
        account_id = await self.account_id(account)
        async with self.transaction():
            cursor = await self.conn.execute(
                "UPDATE items SET deleted_at = ? WHERE account_id = ? AND remote_id = ? "
                "AND deleted_at IS NULL",
                (to_epoch(utcnow()), account_id, remote_id),
            )
        return cursor.rowcount > 0

    # ---- cursors -------------------------------------------------------------------------------

    async def cursor(self, account: str, stream: str) -> Cursor | None:
        account_id = await self.account_id(account)
        row = await self._one(
            "SELECT value, updated_at FROM cursors WHERE account_id = ? AND stream = ?",
            (account_id, stream),
        )
        if row is None:
            return None
        return Cursor(account, stream, json.loads(row[0]), from_epoch(row[1]))

    # ---- reading items -------------------------------------------------------------------------

    async def item(self, item_id: int) -> Item | None:
        row = await self._one(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.id = ?", (item_id,)
        )
        return item_from_row(row) if row else None

    async def item_by_remote(self, account: str, remote_id: str) -> Item | None:
        account_id = await self.account_id(account)
        row = await self._one(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} "
            "WHERE items.account_id = ? AND items.remote_id = ?",
            (account_id, remote_id),
        )
        return item_from_row(row) if row else None

    async def count_items(self, where: str = "1", params: Sequence[Any] = ()) -> int:
        row = await self._one(f"SELECT count(*) FROM items WHERE {where}", params)
        return int(row[0])

    async def items_page(
        self,
        where: str = "1",
        params: Sequence[Any] = (),
        *,
        offset: int = 0,
        limit: int = 100,
        order: str = "items.sort_key DESC",
    ) -> list[Item]:
        rows = await self._all(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {where} ORDER BY {order} "
            "LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [item_from_row(r) for r in rows]

    async def search_ids(self, fts_query: str, limit: int = 200) -> list[int]:
        """Newest matching items first for an FTS5 expression (escaped by the caller)."""
        rows = await self._all(
            "SELECT items.id FROM items_fts JOIN items ON items.sort_key = items_fts.rowid "
            "WHERE items_fts MATCH ? ORDER BY items_fts.rowid DESC LIMIT ?",
            (fts_query, limit),
        )
        return [int(r[0]) for r in rows]

    async def query_items(
        self, query: CompiledQuery, *, limit: int = 100, before: int | None = None
    ) -> list[Item]:
        """A page of items matching a compiled query, newest first.

        `before` is the sort_key of the last item of the previous page (keyset paging: as fast
        at the millionth item as at the first)."""
        where, params = query.where, list(query.params)
        if query.match is None:
            if before is not None:
                where, params = f"({where}) AND items.sort_key < ?", [*params, before]
            return await self.items_page(where, params, limit=limit)
        rowid = "" if before is None else "AND items_fts.rowid < ? "
        rows = await self._all(
            # CROSS JOIN keeps the index outermost: it walks its matches newest first and stops
            # at the page size, instead of probing it once per row of some other index.
            f"SELECT {ITEM_COLUMNS} FROM items_fts "
            "CROSS JOIN items ON items.sort_key = items_fts.rowid "
            "JOIN accounts ON accounts.id = items.account_id "
            "JOIN contacts ON contacts.id = items.author_id "
            f"WHERE items_fts MATCH ? {rowid}AND ({where}) "
            "ORDER BY items_fts.rowid DESC LIMIT ?",
            [query.match, *([] if before is None else [before]), *params, limit],
        )
        return [item_from_row(r) for r in rows]

    async def iter_items(
        self, since: datetime | None = None, batch: int = 1000
    ) -> AsyncIterator[Item]:
        """Every stored item, oldest first, in batches (for exports)."""
        last_time, last_id = (to_epoch(since) if since else float("-inf")), 0
        first = True
        while True:
            if first:
                where, params = "items.created_at >= ?", [last_time]
            else:
                where = "(items.created_at > ? OR (items.created_at = ? AND items.id > ?))"
                params = [last_time, last_time, last_id]
            rows = await self._all(
                f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {where} "
                "ORDER BY items.created_at, items.id LIMIT ?",
                [*params, batch],
            )
            if not rows:
                return
            for row in rows:
                yield item_from_row(row)
            last_time, last_id, first = rows[-1]["created_at"], rows[-1]["id"], False

    # ---- triage: every change returns what it replaced, so it can be undone -------------------

    async def snapshot(self, item_ids: Sequence[int]) -> list[StateSnapshot]:
        found: list[StateSnapshot] = []
        for start in range(0, len(item_ids), _CHUNK):
            chunk = list(item_ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            for row in await self._all(
                "SELECT id, state, snoozed_until, tags, important, read FROM items "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found.append(StateSnapshot(*row))
        return found

    async def set_state(
        self,
        item_ids: Sequence[int],
        state: ItemState,
        snoozed_until: datetime | None = None,
        *,
        action: str | None = None,
    ) -> list[StateSnapshot]:
        before = await self.snapshot(item_ids)
        until = to_epoch(snoozed_until) if snoozed_until else None
        async with self.transaction():
            await self.conn.executemany(
                "UPDATE items SET state = ?, snoozed_until = ? WHERE id = ?",
                [(state.value, until, snap.item_id) for snap in before],
            )
            await self._log([s.item_id for s in before], action or state.value, _until(until))
        return before

    async def change_tags(
        self, item_ids: Sequence[int], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[StateSnapshot]:
        added, removed = set(add), set(remove)
        before = await self.snapshot(item_ids)
        async with self.transaction():
            updates = []
            for snap in before:
                tags = (set(tags_from_text(snap.tags)) | added) - removed
                updates.append((tags_to_text(list(tags)), snap.item_id))
            await self.conn.executemany("UPDATE items SET tags = ? WHERE id = ?", updates)
            detail = " ".join([*(f"+{t}" for t in sorted(added)), *(f"-{t}" for t in removed)])
            await self._log([s.item_id for s in before], "tag", detail)
        return before

    async def set_flags(
        self, item_ids: Sequence[int], *, important: bool | None = None, read: bool | None = None
    ) -> list[StateSnapshot]:
        before = await self.snapshot(item_ids)
        async with self.transaction():
            for column, value in (("important", important), ("read", read)):
                if value is None:
                    continue
                await self.conn.executemany(
                    f"UPDATE items SET {column} = ? WHERE id = ?",
                    [(int(value), s.item_id) for s in before],
                )
        return before

    async def restore(self, snapshots: Sequence[StateSnapshot]) -> None:
        """Put items back exactly as a snapshot saw them (the undo of any triage action)."""
        async with self.transaction():
            await self.conn.executemany(
                "UPDATE items SET state = ?, snoozed_until = ?, tags = ?, important = ?, "
                "read = ? WHERE id = ?",
                [
                    (s.state, s.snoozed_until, s.tags, s.important, s.read, s.item_id)
                    for s in snapshots
                ],
            )
            await self._log([s.item_id for s in snapshots], "undo", "")

    async def wake_snoozed(self, now: datetime) -> int:
        """Snoozed items whose time has come go back to new."""
        async with self.transaction():
            cursor = await self.conn.execute(
                "UPDATE items SET state = 'new', snoozed_until = NULL "
                "WHERE state = 'snoozed' AND snoozed_until <= ?",
                (to_epoch(now),),
            )
        return cursor.rowcount

    # ---- read-state to push back to platforms --------------------------------------------------

    async def unpushed_read(self, account: str, limit: int) -> list[Item]:
        account_id = await self.account_id(account)
        return await self.items_page(
            "items.account_id = ? AND items.read_pushed = 0 "
            "AND (items.state = 'done' OR items.read = 1)",
            (account_id,),
            limit=limit,
            order="items.id",
        )

    async def mark_read_pushed(self, item_ids: Sequence[int]) -> None:
        async with self.transaction():
            await self.conn.executemany(
                "UPDATE items SET read_pushed = 1 WHERE id = ?", [(i,) for i in item_ids]
            )

    # ---- history -------------------------------------------------------------------------------

    async def _log(self, item_ids: Sequence[int], action: str, detail: str) -> None:
        now = to_epoch(utcnow())
        await self.conn.executemany(
            "INSERT INTO events(item_id, at, action, detail) VALUES (?,?,?,?)",
            [(item_id, now, action, detail) for item_id in item_ids],
        )

    async def log_event(self, item_ids: Sequence[int], action: str, detail: str = "") -> None:
        async with self.transaction():
            await self._log(item_ids, action, detail)

    async def history(self, item_id: int) -> list[tuple[datetime, str, str]]:
        rows = await self._all(
            "SELECT at, action, detail FROM events WHERE item_id = ? ORDER BY at, id", (item_id,)
        )
        return [(from_epoch(r[0]), r[1], r[2]) for r in rows]

    # ---- thread context cache ------------------------------------------------------------------

    async def save_context(self, account: str, root_id: str, posts: Sequence[ContextPost]) -> None:
        account_id = await self.account_id(account)
        now = to_epoch(utcnow())
        async with self.transaction():
            ids = await self.upsert_contacts(p.author for p in posts)
            await self.conn.executemany(
                "INSERT INTO context_posts(account_id, remote_id, item_root_id, parent_id, "
                "author_id, text, url, created_at, is_own, fetched_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(account_id, remote_id) DO UPDATE SET "
                "text = excluded.text, fetched_at = excluded.fetched_at",
                [
                    (
                        account_id,
                        p.remote_id,
                        root_id,
                        p.parent_id,
                        ids[(p.author.platform, p.author.instance, p.author.remote_id)],
                        p.text,
                        p.url,
                        to_epoch(p.created_at),
                        int(p.is_own),
                        now,
                    )
                    for p in posts
                ],
            )

    async def context(self, account: str, root_id: str) -> list[ContextPost]:
        account_id = await self.account_id(account)
        rows = await self._all(
            "SELECT context_posts.remote_id, parent_id, text, url, created_at, is_own, "
            "contacts.platform, contacts.remote_id AS c_remote_id, handle, display_name, "
            "profile_url, instance FROM context_posts JOIN contacts "
            "ON contacts.id = context_posts.author_id "
            "WHERE account_id = ? AND item_root_id = ? ORDER BY created_at",
            (account_id, root_id),
        )
        return [
            ContextPost(
                remote_id=r["remote_id"],
                parent_id=r["parent_id"],
                text=r["text"],
                url=r["url"],
                created_at=from_epoch(r["created_at"]),
                is_own=bool(r["is_own"]),
                author=Contact(
                    platform=r["platform"],
                    remote_id=r["c_remote_id"],
                    handle=r["handle"],
                    display_name=r["display_name"],
                    profile_url=r["profile_url"],
                    instance=r["instance"],
                ),
            )
            for r in rows
        ]

    # ---- replies -------------------------------------------------------------------------------

    async def save_draft(self, item_id: int, account: str, text: str) -> Reply:
        """Create or update the item's one draft (called on every pause in typing)."""
        account_id = await self.account_id(account)
        now = to_epoch(utcnow())
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO replies(item_id, account_id, text, state, idempotency_key, "
                "created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?) "
                "ON CONFLICT(item_id) WHERE state = 'draft' DO UPDATE SET "
                "text = excluded.text, updated_at = excluded.updated_at",
                (item_id, account_id, text, uuid.uuid4().hex, now, now),
            )
        draft = await self.draft(item_id)
        assert draft is not None
        return draft

    async def draft(self, item_id: int) -> Reply | None:
        row = await self._one(
            f"SELECT {REPLY_COLUMNS} FROM replies JOIN accounts ON accounts.id = "
            "replies.account_id WHERE item_id = ? AND state = 'draft'",
            (item_id,),
        )
        return reply_from_row(row) if row else None

    async def discard_draft(self, item_id: int) -> None:
        async with self.transaction():
            await self.conn.execute(
                "DELETE FROM replies WHERE item_id = ? AND state = 'draft'", (item_id,)
            )

    async def queue_reply(
        self, item_id: int, account: str, text: str, tone: Tone | None, forced: bool
    ) -> Reply:
        """Turn the draft (or a new reply) into a queued one; the outbox sends it once."""
        account_id = await self.account_id(account)
        now = to_epoch(utcnow())
        async with self.transaction():
            await self.conn.execute(
                "DELETE FROM replies WHERE item_id = ? AND state = 'draft'", (item_id,)
            )
            cursor = await self.conn.execute(
                "INSERT INTO replies(item_id, account_id, text, state, idempotency_key, forced, "
                "tone, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
                (
                    item_id,
                    account_id,
                    text,
                    uuid.uuid4().hex,
                    int(forced),
                    tone_to_json(tone),
                    now,
                    now,
                ),
            )
            reply_id = cursor.lastrowid
        reply = await self.reply(int(reply_id or 0))
        assert reply is not None
        return reply

    async def reply(self, reply_id: int) -> Reply | None:
        row = await self._one(
            f"SELECT {REPLY_COLUMNS} FROM replies JOIN accounts ON accounts.id = "
            "replies.account_id WHERE replies.id = ?",
            (reply_id,),
        )
        return reply_from_row(row) if row else None

    async def replies_in(
        self, states: Iterable[ReplyState], account: str | None = None
    ) -> list[Reply]:
        wanted = [s.value for s in states]
        marks = ",".join("?" * len(wanted))
        where, params = f"state IN ({marks})", list(wanted)
        if account is not None:
            where += " AND accounts.name = ?"
            params.append(account)
        rows = await self._all(
            f"SELECT {REPLY_COLUMNS} FROM replies JOIN accounts ON accounts.id = "
            f"replies.account_id WHERE {where} ORDER BY replies.id",
            params,
        )
        return [reply_from_row(r) for r in rows]

    async def replies_for(self, item_id: int) -> list[Reply]:
        rows = await self._all(
            f"SELECT {REPLY_COLUMNS} FROM replies JOIN accounts ON accounts.id = "
            "replies.account_id WHERE item_id = ? ORDER BY replies.id",
            (item_id,),
        )
        return [reply_from_row(r) for r in rows]

    async def update_reply(
        self,
        reply_id: int,
        state: ReplyState,
        *,
        expect: ReplyState | None = None,
        remote_id: str = "",
        remote_url: str = "",
        error: str = "",
        count_attempt: bool = False,
    ) -> bool:
        """Move a reply to a new state; with `expect`, only if it is still in that state."""
        now = to_epoch(utcnow())
        sent_at = now if state is ReplyState.SENT else None
        where, params = "id = ?", list[Any]([reply_id])
        if expect is not None:
            where += " AND state = ?"
            params.append(expect.value)
        async with self.transaction():
            cursor = await self.conn.execute(
                "UPDATE replies SET state = ?, remote_id = ?, remote_url = ?, error = ?, "
                f"attempts = attempts + ?, updated_at = ?, sent_at = coalesce(?, sent_at) "
                f"WHERE {where}",
                [
                    state.value,
                    remote_id,
                    remote_url,
                    error,
                    int(count_attempt),
                    now,
                    sent_at,
                    *params,
                ],
            )
        return cursor.rowcount > 0

    # ---- settings ------------------------------------------------------------------------------

    async def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = await self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return str(row[0]) if row else default

    async def set_setting(self, key: str, value: str) -> None:
        async with self.transaction():
            await self.conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _until(until: float | None) -> str:
    return from_epoch(until).isoformat() if until is not None else ""
