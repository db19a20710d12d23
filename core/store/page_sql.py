"""Storing a synced page: plain functions over the sqlite3 connection, run on aiosqlite's thread.

Each `await` on an aiosqlite connection is a round trip to its worker thread, and while a write
transaction waits for the event loop to send its next statement, the database sits idle and
every other writer waits for the lock. So the repository runs a whole page (own posts, contacts,
items, cursor: one transaction) as ONE call of these functions on that thread (see
`StoreBase._on_thread`), and the sync engine's per-page questions as one more.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core import jsoncodec
from core.models import Contact, ContextPost, Cursor, Item
from core.store import ledger_pages, ledger_sql
from core.store.bulk import CHUNK, insert_rows
from core.store.rows import item_values

T = TypeVar("T")
ContactKey = tuple[str, str, str]


@dataclass(slots=True)
class IngestResult:
    new_ids: list[int] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0


_UPSERT_CONTACT = (
    "INSERT INTO contacts(platform, instance, remote_id, handle, display_name, profile_url, "
    "links, bio, first_seen, last_seen) VALUES {rows} "
    "ON CONFLICT(platform, instance, remote_id) DO UPDATE SET "
    "handle = excluded.handle, "
    "display_name = CASE WHEN excluded.display_name != '' THEN excluded.display_name "
    "ELSE display_name END, "
    "profile_url = CASE WHEN excluded.profile_url != '' THEN excluded.profile_url "
    "ELSE profile_url END, "
    "links = CASE WHEN excluded.links != '[]' THEN excluded.links ELSE links END, "
    "bio = CASE WHEN excluded.bio != '' THEN excluded.bio ELSE bio END, "
    "last_seen = excluded.last_seen "
    "WHERE handle IS NOT excluded.handle OR display_name IS NOT excluded.display_name "
    "OR last_seen < excluded.last_seen - 3600"
)


def store_contacts(
    db: sqlite3.Connection, contacts: Iterable[Contact], now: float
) -> list[ContactKey]:
    """Insert or refresh contacts (a changed handle updates in place); returns their keys."""
    unique = {(c.platform, c.instance, c.remote_id): c for c in contacts}
    rows = [
        (
            c.platform,
            c.instance,
            c.remote_id,
            c.handle,
            c.display_name,
            c.profile_url,
            jsoncodec.dumps(c.links),
            c.bio,
            now,
            now,
        )
        for c in unique.values()
    ]
    insert_rows(db, _UPSERT_CONTACT, rows)
    return list(unique)


def upsert_contacts(
    db: sqlite3.Connection, contacts: Iterable[Contact], now: float
) -> dict[ContactKey, int]:
    """`store_contacts`, returning their ids."""
    keys = store_contacts(db, contacts, now)
    ids: dict[ContactKey, int] = {}
    per = CHUNK // 3
    for start in range(0, len(keys), per):
        chunk = keys[start : start + per]
        for row in db.execute(
            _CONTACT_IDS.replace("{rows}", ",".join(["(?,?,?)"] * len(chunk))),
            [part for key in chunk for part in key],
        ):
            ids[(row[1], row[2], row[3])] = int(row[0])
    return ids


# One index lookup per key (a VALUES list joined to the unique key).
_CONTACT_IDS = (
    "SELECT contacts.id, k.column1, k.column2, k.column3 FROM (VALUES {rows}) AS k "
    "JOIN contacts ON contacts.platform = k.column1 AND contacts.instance = k.column2 "
    "AND contacts.remote_id = k.column3"
)


def existing_ids(db: sqlite3.Connection, account_id: int, remote_ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(remote_ids), CHUNK):
        chunk = remote_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        for row in db.execute(
            f"SELECT remote_id, id FROM items WHERE account_id = ? AND remote_id IN ({marks})",
            [account_id, *chunk],
        ):
            found[row[0]] = int(row[1])
    return found


def stored_remote_ids(db: sqlite3.Connection, account_id: int, remote_ids: list[str]) -> set[str]:
    """Which of these items are stored (in one row per chunk: see _json_rows)."""
    found: set[str] = set()
    for start in range(0, len(remote_ids), CHUNK):
        chunk = remote_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(
            _json_rows(
                db,
                "SELECT json_group_array(remote_id) FROM items "
                f"WHERE account_id = ? AND remote_id IN ({marks})",
                [account_id, *chunk],
            )
        )
    return found


def _json_rows(db: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    """A query's rows aggregated by SQLite into one JSON array: one step instead of one per row
    (see insert_rows). Only for text and integers: SQLite's JSON rounds some floats."""
    row = db.execute(sql, params).fetchone()
    found: list[Any] = json.loads(row[0]) if row and row[0] else []
    return found


def muted_thread_roots(db: sqlite3.Connection, account_id: int, roots: Iterable[str]) -> set[str]:
    """Which of these thread roots the user muted (a muted item of the thread is stored)."""
    wanted = sorted({r for r in roots if r})
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT DISTINCT thread_root_id FROM items WHERE account_id = ? "
            f"AND state = 'muted' AND thread_root_id IN ({marks})",
            [account_id, *chunk],
        )
        found.update(str(r[0]) for r in rows)
    return found


def screen(
    db: sqlite3.Connection, account_id: int, items: Sequence[Item]
) -> tuple[set[str], set[str]]:
    """What the sync engine asks before analysing a page: which of its items are stored already,
    and which thread roots of the others are muted."""
    known = stored_remote_ids(db, account_id, [i.remote_id for i in items])
    roots = (i.thread_root_id for i in items if i.remote_id not in known)
    return known, muted_thread_roots(db, account_id, roots)


_INSERT_ITEM = (
    "INSERT INTO items(id, sort_key, account_id, remote_id, kind, author_id, author_label, text, "
    "markup, markup_format, url, created_at, thread_root_id, parent_id, is_question, polarity, "
    "risk, conflict, reasons, platform_data, fetched_at, updated_at, tags, state, snoozed_until, "
    "important) VALUES {rows} ON CONFLICT(account_id, remote_id) DO NOTHING"
)


# The full-text rows of the items just inserted (ids after `top`), as items_fts_insert writes
# them, in rowid order: FTS5 flushes its pending terms whenever a rowid is lower than the last.
_INDEX_NEW_ITEMS = (
    "INSERT INTO items_fts(rowid, text, author, tags) "
    "SELECT sort_key, text, author_label, tags FROM items WHERE id > ?1 AND id <= ?2 "
    "ORDER BY sort_key"
)


def sort_key(created_at: float, item_id: int) -> int:
    """What the items_sort_key trigger computes: (max(CAST(created_at AS INTEGER), 0) << 31) | id
    (the cast truncates toward zero, as int() does)."""
    return (max(int(created_at), 0) << 31) | item_id


#: An entry for an item's history, written with its page: (item remote id, action, detail).
PageEvent = tuple[str, str, str]


def ingest(
    db: sqlite3.Connection,
    account_id: int,
    items: Sequence[Item],
    cursor: Cursor | None,
    own_posts: Sequence[ContextPost],
    now: float,
    events: Sequence[PageEvent] = (),
) -> IngestResult:
    """Own posts, then the items (new ones inserted, edited ones updated), the history entries
    of the page's items (e.g. the rules that matched them), then the cursor. Call inside a
    transaction. One page of `ingest_pages`."""
    return ingest_pages(db, account_id, [PageWrite(items, cursor, own_posts, events)], now)


@dataclass(frozen=True, slots=True)
class PageWrite:
    """One synced page as `ingest` stores it: its items, the stream's cursor after it, the
    user's own posts it brought and its items' history entries (by remote id)."""

    items: Sequence[Item]
    cursor: Cursor | None = None
    own_posts: Sequence[ContextPost] = ()
    events: Sequence[PageEvent] = ()


def ingest_pages(
    db: sqlite3.Connection, account_id: int, pages: Sequence[PageWrite], now: float
) -> IngestResult:
    """Several pages of one stream, in order, in the caller's one transaction, with the result
    of storing each alone (`ingest`) one after the other: what the database writes once per
    commit (the index pages every page touches) is written once for them all. Returns the
    pages' results added up.

    What each page would write again over the one before is written once for the group: the
    answers the pages' own posts give (each older page of a backfill moves its threads'
    answers again: here each item moves once), the answer columns of the contacts whose
    answers changed (see ledger_sql.answers_deferred), and the stream's cursor (the last). A
    page reads the answers only to adjust the streak of an item it undeletes, and every contact
    whose answers change gets its streak recomputed at the end."""
    total = IngestResult()
    cursors: dict[str, Cursor] = {}
    with ledger_sql.answers_deferred(db):
        since = ledger_pages.own_posts_mark(db)
        for page in pages:
            result = _store_page(db, account_id, page, now)
            total.new_ids += result.new_ids
            total.updated += result.updated
            total.unchanged += result.unchanged
            if page.cursor is not None:
                cursors[page.cursor.stream] = page.cursor
        ledger_pages.answer_with_own_posts(db, since)
    for cursor in cursors.values():
        _save_cursor(db, account_id, cursor, now)
    return total


def _store_page(
    db: sqlite3.Connection, account_id: int, page: PageWrite, now: float
) -> IngestResult:
    if page.own_posts:
        ledger_sql.insert_own_posts(db, account_id, page.own_posts)
    result = _store_items(db, account_id, page.items, now)
    if page.events:
        _log_events(db, account_id, page.events, now)
    return result


def _save_cursor(db: sqlite3.Connection, account_id: int, cursor: Cursor, now: float) -> None:
    db.execute(
        "INSERT INTO cursors(account_id, stream, value, updated_at) VALUES (?,?,?,?) "
        "ON CONFLICT(account_id, stream) DO UPDATE SET value = excluded.value, "
        "updated_at = excluded.updated_at",
        (account_id, cursor.stream, jsoncodec.dumps(cursor.value, sort_keys=True), now),
    )


def _store_items(
    db: sqlite3.Connection, account_id: int, items: Sequence[Item], now: float
) -> IngestResult:
    result = IngestResult()
    batch = {item.remote_id: item for item in items}  # a page may repeat an item
    if not batch:
        return result
    authors = upsert_contacts(db, (item.author for item in batch.values()), now)
    existing = _existing_items(db, account_id, list(batch))
    fresh: list[Item] = []
    changed: list[tuple[Any, ...]] = []
    for remote_id, item in batch.items():
        before = existing.get(remote_id)
        if before is None:
            fresh.append(item)
        elif before != (item.text, item.markup, item.url, False):
            changed.append((item.text, item.markup, item.url, now, account_id, remote_id))
        else:
            result.unchanged += 1
    if fresh:
        result.new_ids = _insert_items(db, account_id, fresh, authors, now)
    if changed:
        db.executemany(
            "UPDATE items SET text = ?, markup = ?, url = ?, updated_at = ?, "
            "deleted_at = NULL WHERE account_id = ? AND remote_id = ?",
            changed,
        )
        result.updated = len(changed)
    return result


def _insert_items(
    db: sqlite3.Connection,
    account_id: int,
    fresh: list[Item],
    authors: dict[ContactKey, int],
    now: float,
) -> list[int]:
    """Insert new items (their authors stored already, with these ids) with their ids and sort
    keys given: the ids SQLite would pick (one past the largest), so the items_sort_key trigger
    need not update each row again. Returns the ids of the rows inserted, in order.

    The rows go in in page order; then the full-text index gets them in one statement, in
    rowid order (see migration 8), and the ledger its row work, in page order (migration 9)."""
    top = db.execute("SELECT max(id) FROM items").fetchone()[0] or 0
    rows = []
    for n, item in enumerate(fresh, start=top + 1):
        author = item.author
        values = item_values(
            item, account_id, authors[(author.platform, author.instance, author.remote_id)], now
        )
        rows.append((n, sort_key(values[9], n), *values))
    with ledger_pages.triggers_off(db, "fts_batched", "ledger_batched"):
        inserted = insert_rows(db, _INSERT_ITEM, rows)
    last = top + len(rows)
    db.execute(_INDEX_NEW_ITEMS, (top, last))
    ledger_pages.items_added(db, top, last)
    if inserted == len(rows):
        return [row[0] for row in rows]
    # Some were stored meanwhile (not possible inside BEGIN IMMEDIATE, but cheap to handle).
    found = existing_ids(db, account_id, [item.remote_id for item in fresh])
    return [found[item.remote_id] for item in fresh if item.remote_id in found]


def _existing_items(
    db: sqlite3.Connection, account_id: int, remote_ids: list[str]
) -> dict[str, tuple[str, str, str, bool]]:
    """(text, markup, url, deleted?) of those of these items that are stored."""
    found: dict[str, tuple[str, str, str, bool]] = {}
    for start in range(0, len(remote_ids), CHUNK):
        chunk = remote_ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        for remote_id, text, markup, url, deleted in _json_rows(
            db,
            "SELECT json_group_array(json_array(remote_id, text, markup, url, "
            f"deleted_at IS NOT NULL)) FROM items WHERE account_id = ? AND remote_id IN ({marks})",
            [account_id, *chunk],
        ):
            found[remote_id] = (text, markup, url, bool(deleted))
    return found


def _log_events(
    db: sqlite3.Connection, account_id: int, events: Sequence[PageEvent], now: float
) -> None:
    ids = existing_ids(db, account_id, sorted({remote_id for remote_id, _, _ in events}))
    db.executemany(
        "INSERT INTO events(item_id, at, action, detail) VALUES (?,?,?,?)",
        [(ids[r], now, action, detail) for r, action, detail in events if r in ids],
    )
