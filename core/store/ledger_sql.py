"""The consistency ledger's queries (part of the repository; see core.store.base).

Migration 5 keeps `item_answers` (when each item was first answered), `tone_given` (the tone of
each sent reply) and `contact_ledger` (one row of running totals per contact) in step with
triggers, so any code that stores items, own posts or sent replies keeps the ledger exact
without calling it; migration 7 adds `own_tone_given` (the tone of each own post on the
platform that replies to a stored item, unless it is a reply sent from Rapport). This part
reads those tables, recomputes them from scratch (`rebuild_ledger`, also run once for a
database that had items before the ledger existed), stores the user's own posts, links
contacts into persons, and answers the engagement statistics.

Times are epoch seconds here; `core.ledger` turns them into datetimes and sentences.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from core.models import Contact, ContextPost
from core.query import TONE_THRESHOLD, QueryContext, owed_sql
from core.store import ledger_pages
from core.store.base import StoreBase
from core.timeutil import to_epoch, utcnow

# ---- rows handed to core.ledger ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """A contact and its running totals (zeros for a contact nothing was received from)."""

    contact_id: int
    platform: str
    handle: str
    display_name: str
    person_id: int | None
    person_name: str | None
    received: int
    answered: int
    deleted: int
    streak: int
    polarity_sum: float
    given_sum: float
    given_count: int
    last_in: float | None
    last_out: float | None
    last_answered_item: float | None
    median_delay: float | None
    p90_delay: float | None


@dataclass(frozen=True, slots=True)
class WindowSum:
    """How many values fell in a time window, and their sum (e.g. polarities)."""

    count: int
    total: float


@dataclass(frozen=True, slots=True)
class OpenItems:
    """A contact's items still waiting in the inbox (state new, unanswered, not deleted)."""

    waiting: int
    oldest_waiting: float
    owed: int
    oldest_owed: float | None


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """The user's totals over everyone: the norms a contact is compared with."""

    received: int
    answered: int
    given_sum: float
    given_count: int


@dataclass(frozen=True, slots=True)
class GivenTone:
    """The polarities the user gave one contact (or its person: `person` names it)."""

    total: float
    count: int
    person: str | None


@dataclass(frozen=True, slots=True)
class OwedRow:
    item_id: int
    contact_id: int
    created_at: float
    kind: str
    is_question: bool
    platform: str
    handle: str
    display_name: str
    answered_before: int
    p90_delay: float | None


@dataclass(frozen=True, slots=True)
class HourRow:
    """Items received in one hour through one account."""

    account: str
    platform: str
    hour: int
    items: int
    answered: int
    negative: int
    polarity_sum: float


@dataclass(frozen=True, slots=True)
class DelayRow:
    """Time to first reply of one answered item."""

    account: str
    platform: str
    delay: float


@dataclass(frozen=True, slots=True)
class TopContactRow:
    contact_id: int
    platform: str
    handle: str
    display_name: str
    items: int
    answered: int


@dataclass(frozen=True, slots=True)
class CelebrateRow:
    item_id: int
    contact_id: int
    platform: str
    handle: str
    display_name: str
    created_at: float
    polarity: float
    text: str


# ---- SQL -------------------------------------------------------------------------------------

_NOT_ANSWERED = "NOT EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = items.id)"

# First answer of every item: a sent reply, an own post replying to it, or (weaker) an own post
# later in the same thread; each source in turn, keeping the earliest (an upsert per item is
# cheaper than sorting every candidate). The thread rule walks own posts and looks up their
# threads: CROSS JOIN fixes that order, the other way round reads every item.
_KEEP_EARLIEST = (
    "ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via "
    "WHERE excluded.answered_at < answered_at"
)
_FIRST_ANSWERS = (
    f"""
INSERT INTO temp.fresh_answers(item_id, answered_at, via)
SELECT item_id, coalesce(sent_at, updated_at), 'rapport' FROM replies WHERE state = 'sent'
{_KEEP_EARLIEST}
""",
    f"""
INSERT INTO temp.fresh_answers(item_id, answered_at, via)
SELECT items.id, own.created_at, 'platform' FROM own_posts own
JOIN items ON items.account_id = own.account_id AND items.remote_id = own.parent_id
WHERE 1 {_KEEP_EARLIEST}
""",
    f"""
INSERT INTO temp.fresh_answers(item_id, answered_at, via)
SELECT items.id, own.created_at, 'thread' FROM own_posts own
CROSS JOIN items ON items.account_id = own.account_id
    AND items.thread_root_id = own.thread_root_id
WHERE own.thread_root_id != '' AND items.remote_id != own.parent_id
    AND items.created_at < own.created_at
{_KEEP_EARLIEST}
""",
)

_TONES_GIVEN = """
SELECT replies.id, items.author_id, coalesce(replies.sent_at, replies.updated_at),
    json_extract(replies.tone, '$.polarity')
FROM replies JOIN items ON items.id = replies.item_id
WHERE replies.state = 'sent' AND json_valid(replies.tone)
    AND typeof(json_extract(replies.tone, '$.polarity')) IN ('integer', 'real')
"""

# A rebuild computes every derived row afresh into a temporary table, then writes only what
# differs: on a consistent store (the usual case) it reads, compares and writes nothing.
_REBUILD_ANSWERS = (
    "CREATE TEMP TABLE IF NOT EXISTS fresh_answers("
    "item_id INTEGER PRIMARY KEY, answered_at REAL NOT NULL, via TEXT NOT NULL)",
    "DELETE FROM temp.fresh_answers",
    *_FIRST_ANSWERS,
    """
DELETE FROM item_answers WHERE NOT EXISTS (
    SELECT 1 FROM temp.fresh_answers f WHERE f.item_id = item_answers.item_id
        AND f.answered_at = item_answers.answered_at AND f.via = item_answers.via
)
""",
    """
INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
SELECT f.item_id, items.author_id, items.created_at, f.answered_at, f.via
FROM temp.fresh_answers f JOIN items ON items.id = f.item_id
WHERE NOT EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = f.item_id)
""",
    "DELETE FROM temp.fresh_answers",
)

# An own post with a tone that replies to a stored item, and is not the platform's copy of a
# reply sent from Rapport (migration 7's triggers keep the same rows).
_OWN_TONES_GIVEN = """
SELECT own.account_id, own.remote_id, items.author_id, own.created_at, own.polarity
FROM own_posts own
JOIN items ON items.account_id = own.account_id AND items.remote_id = own.parent_id
WHERE own.polarity IS NOT NULL AND own.parent_id != ''
    AND NOT EXISTS (
        SELECT 1 FROM replies WHERE replies.account_id = own.account_id
            AND replies.remote_id = own.remote_id AND replies.state = 'sent'
    )
"""

_REBUILD_TONE_GIVEN = (
    "CREATE TEMP TABLE IF NOT EXISTS fresh_tones(reply_id INTEGER PRIMARY KEY, "
    "contact_id INTEGER NOT NULL, sent_at REAL NOT NULL, polarity REAL NOT NULL)",
    "DELETE FROM temp.fresh_tones",
    f"INSERT INTO temp.fresh_tones {_TONES_GIVEN}",
    """
DELETE FROM tone_given WHERE NOT EXISTS (
    SELECT 1 FROM temp.fresh_tones f WHERE f.reply_id = tone_given.reply_id
        AND f.contact_id = tone_given.contact_id AND f.sent_at = tone_given.sent_at
        AND f.polarity = tone_given.polarity
)
""",
    """
INSERT INTO tone_given(reply_id, contact_id, sent_at, polarity)
SELECT reply_id, contact_id, sent_at, polarity FROM temp.fresh_tones f
WHERE NOT EXISTS (SELECT 1 FROM tone_given g WHERE g.reply_id = f.reply_id)
""",
    "DELETE FROM temp.fresh_tones",
    "CREATE TEMP TABLE IF NOT EXISTS fresh_own_tones(account_id INTEGER NOT NULL, "
    "remote_id TEXT NOT NULL, contact_id INTEGER NOT NULL, sent_at REAL NOT NULL, "
    "polarity REAL NOT NULL, PRIMARY KEY (account_id, remote_id))",
    "DELETE FROM temp.fresh_own_tones",
    f"INSERT INTO temp.fresh_own_tones {_OWN_TONES_GIVEN}",
    """
DELETE FROM own_tone_given WHERE NOT EXISTS (
    SELECT 1 FROM temp.fresh_own_tones f WHERE f.account_id = own_tone_given.account_id
        AND f.remote_id = own_tone_given.remote_id AND f.contact_id = own_tone_given.contact_id
        AND f.sent_at = own_tone_given.sent_at AND f.polarity = own_tone_given.polarity
)
""",
    """
INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
SELECT account_id, remote_id, contact_id, sent_at, polarity FROM temp.fresh_own_tones f
WHERE NOT EXISTS (
    SELECT 1 FROM own_tone_given g WHERE g.account_id = f.account_id AND g.remote_id = f.remote_id
)
""",
    "DELETE FROM temp.fresh_own_tones",
)

# Recomputing contacts: every one, or those listed in temp.ledger_ids. {only} is a condition
# on a contact id column (or "1").
_RECOMPUTE_CONTACTS = (
    """
INSERT INTO contact_ledger(contact_id, received, deleted, polarity_sum, last_in)
SELECT author_id, count(*), count(deleted_at), total(polarity), max(created_at)
FROM items WHERE {only_author} GROUP BY author_id
""",
    """
UPDATE contact_ledger SET (answered, last_out, last_answered_item) = (
    SELECT count(*), max(answered_at), max(created_at) FROM item_answers a
    WHERE a.contact_id = contact_ledger.contact_id
) WHERE {only_ledger}
""",
    """
UPDATE contact_ledger SET (given_sum, given_count) = (
    SELECT total(polarity), count(*) FROM tone_given g
    WHERE g.contact_id = contact_ledger.contact_id
) WHERE {only_ledger}
""",
    f"""
UPDATE contact_ledger SET streak = (
    SELECT count(*) FROM items
    WHERE author_id = contact_ledger.contact_id
        AND created_at > coalesce(contact_ledger.last_answered_item, -1e300)
        AND deleted_at IS NULL AND {_NOT_ANSWERED}
) WHERE {{only_ledger}}
""",
    # The same ranks the triggers use: median as statistics.median, p90 by nearest rank.
    # n is the answered count set above (one window instead of two).
    """
UPDATE contact_ledger SET median_delay = ranked.median, p90_delay = ranked.p90
FROM (
    SELECT ranks.contact_id,
        avg(delay) FILTER (WHERE rank IN ((n + 1) / 2, n / 2 + 1)) AS median,
        max(delay) FILTER (WHERE rank = (9 * n + 9) / 10) AS p90
    FROM (
        SELECT contact_id, delay,
            row_number() OVER (PARTITION BY contact_id ORDER BY delay) AS rank
        FROM item_answers WHERE {only_answers}
    ) AS ranks JOIN (SELECT contact_id, answered AS n FROM contact_ledger) AS counts
        ON counts.contact_id = ranks.contact_id
    WHERE rank IN ((n + 1) / 2, n / 2 + 1, (9 * n + 9) / 10)
    GROUP BY ranks.contact_id
) AS ranked
WHERE contact_ledger.contact_id = ranked.contact_id
""",
    # Tone given on the platform (migration 7), added to what the sent replies gave (last, so
    # the indexes above stay those _RECOMPUTE_ANSWERED picks).
    """
UPDATE contact_ledger SET given_sum = given_sum + own.total, given_count = given_count + own.n
FROM (
    SELECT contact_id, total(polarity) AS total, count(*) AS n FROM own_tone_given
    WHERE {only_answers} GROUP BY contact_id
) AS own
WHERE contact_ledger.contact_id = own.contact_id
""",
)

_LEDGER_COLUMNS = """
    contacts.id AS contact_id, contacts.platform, contacts.handle, contacts.display_name,
    contacts.person_id, persons.name AS person_name,
    coalesce(l.received, 0) AS received, coalesce(l.answered, 0) AS answered,
    coalesce(l.deleted, 0) AS deleted, coalesce(l.streak, 0) AS streak,
    coalesce(l.polarity_sum, 0) AS polarity_sum, coalesce(l.given_sum, 0) AS given_sum,
    coalesce(l.given_count, 0) AS given_count, l.last_in, l.last_out, l.last_answered_item,
    l.median_delay, l.p90_delay
"""

_CONTACT_COLUMNS = (
    "id, platform, instance, remote_id, handle, display_name, profile_url, links, bio, person_id"
)

_CHUNK = 400


def _sort_key_floor(epoch: float) -> int:
    """The smallest sort key of an item created at or after `epoch` (see migration 1)."""
    return max(int(epoch), 0) << 31


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _contact_from_row(row: Any) -> Contact:
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


def _ledger_row(row: Any) -> LedgerRow:
    return LedgerRow(**{name: row[name] for name in LedgerRow.__slots__})


# Which contacts' answers a batch of own posts added or moved (see store_own_posts). Temporary:
# per connection, never in the file. Not INSERT OR IGNORE: inside a trigger fired by an upsert
# the outer statement's conflict policy (abort) overrides the trigger's own; an upsert clause
# is not overridden. And VALUES, not SELECT ... WHERE NOT EXISTS: an INSERT ... SELECT that
# reads its own table first copies its rows into a new temporary b-tree, which cost more than
# the rest of the row (a backfill moves ~100,000 answers).
_ANSWER_CHANGES = (
    "CREATE TEMP TABLE IF NOT EXISTS answer_changes(contact_id INTEGER PRIMARY KEY)",
    "CREATE TEMP TRIGGER IF NOT EXISTS answer_changes_added AFTER INSERT ON main.item_answers "
    "WHEN (SELECT paused FROM ledger_state) = 1 BEGIN "
    "INSERT INTO answer_changes(contact_id) VALUES (new.contact_id) "
    "ON CONFLICT(contact_id) DO NOTHING; END",
    "CREATE TEMP TRIGGER IF NOT EXISTS answer_changes_moved "
    "AFTER UPDATE OF answered_at ON main.item_answers "
    "WHEN (SELECT paused FROM ledger_state) = 1 BEGIN "
    "INSERT INTO answer_changes(contact_id) VALUES (new.contact_id) "
    "ON CONFLICT(contact_id) DO NOTHING; END",
)
_CHANGED = "{column} IN (SELECT contact_id FROM temp.answer_changes)"
# The columns of a contact's row that follow from its answers, recomputed as a rebuild does.
_RECOMPUTE_ANSWERED = tuple(
    _RECOMPUTE_CONTACTS[n].format(
        only_ledger=_CHANGED.format(column="contact_ledger.contact_id"),
        only_answers=_CHANGED.format(column="contact_id"),
    )
    for n in (1, 3, 4)
)


def store_own_posts(db: sqlite3.Connection, account_id: int, posts: Sequence[ContextPost]) -> None:
    """Store the user's own posts seen on the platform, and the answers they give (idempotent).
    Call inside a write transaction.

    Each post answers the item it replies to and the earlier items of its thread, and the
    ledger keeps the earliest answer of each item. Each move recomputed the contact's row
    (median and p90 delay included); here the contacts whose answers changed are noted and
    their rows recomputed once (see answers_deferred), and the answers are found for all the
    posts at once (see ledger_pages.answer_with_own_posts)."""
    with answers_deferred(db):
        since = ledger_pages.own_posts_mark(db)
        insert_own_posts(db, account_id, posts)
        ledger_pages.answer_with_own_posts(db, since)


_INSERT_OWN_POST = (
    "INSERT INTO own_posts(account_id, remote_id, parent_id, thread_root_id, "
    "created_at, polarity) VALUES (?1, ?2, ?3, CASE WHEN ?3 = '' THEN '' ELSE coalesce("
    "(SELECT thread_root_id FROM items WHERE account_id = ?1 AND remote_id = ?3 "
    "AND thread_root_id != ''), "
    "(SELECT item_root_id FROM context_posts WHERE account_id = ?1 "
    "AND remote_id = ?3), "
    "(SELECT thread_root_id FROM own_posts WHERE account_id = ?1 "
    "AND remote_id = ?3 AND thread_root_id != ''), ?3) END, ?4, ?5) "
    # Seen again with a tone it lacked (cached as thread context, or stored before
    # migration 7): the tone is filled in, and counts (trigger ledger_own_post_scored).
    "ON CONFLICT(account_id, remote_id) DO UPDATE SET polarity = excluded.polarity "
    "WHERE own_posts.polarity IS NULL AND excluded.polarity IS NOT NULL"
)


def insert_own_posts(db: sqlite3.Connection, account_id: int, posts: Sequence[ContextPost]) -> None:
    """Store own posts (with the tone they give) but not yet the answers they give: the caller
    gives those with ledger_pages.answer_with_own_posts before its transaction ends, from a
    mark taken before (ledger_pages.own_posts_mark). The thread of a post is the thread of
    what it replies to when that is known (an item, context or another own post, stored
    before it), else its parent."""
    # Oldest first, so the order stored (the rowids) is the order their answers are offered in.
    unique = sorted({p.remote_id: p for p in posts}.values(), key=lambda p: p.created_at)
    rows = [
        (account_id, p.remote_id, p.parent_id, to_epoch(p.created_at), p.polarity) for p in unique
    ]
    if not rows:
        return
    # One statement per post: a post's thread may be that of another post of the same batch.
    with ledger_pages.triggers_off(db, "ledger_batched"):
        db.executemany(_INSERT_OWN_POST, rows)


@contextmanager
def answers_deferred(db: sqlite3.Connection) -> Iterator[None]:
    """Inside: new and moved answers only note their contact, and on leaving each noted
    contact's answer columns (answered, last out, streak, median and p90 delay) are recomputed
    once, as a rebuild computes them. The counts that do not follow from answers (received,
    tone) are kept by their triggers meanwhile, and a contact whose answers did not change keeps
    a right streak, since its last answered item did not move. Call inside a write transaction
    (an error rolls the pause back with everything else); nested, or during a rebuild (paused
    already), it leaves the recomputing to whoever paused."""
    for statement in _ANSWER_CHANGES:
        db.execute(statement)
    (paused,) = db.execute("SELECT paused FROM ledger_state").fetchone()
    if paused:
        yield
        return
    db.execute("DELETE FROM temp.answer_changes")
    db.execute("UPDATE ledger_state SET paused = 1")
    yield
    db.execute("UPDATE ledger_state SET paused = 0")
    if db.execute("SELECT EXISTS (SELECT 1 FROM temp.answer_changes)").fetchone()[0]:
        for statement in _RECOMPUTE_ANSWERED:
            db.execute(statement)


class LedgerQueries(StoreBase):
    # ---- the user's own posts ------------------------------------------------------------------

    async def save_own_posts(self, account: str, posts: Sequence[ContextPost]) -> None:
        """Store the user's own posts seen on the platform (replies made outside Rapport).

        Idempotent. The sync engine stores a page's own posts with its items and cursor
        (`ingest(..., own_posts=...)`); see `store_own_posts`."""
        if not posts:
            return
        account_id = await self.account_id(account)
        await self._write_on_thread(lambda db: store_own_posts(db, account_id, posts))

    async def own_post_count(self, account: str | None = None) -> int:
        if account is None:
            row = await self._one("SELECT count(*) FROM own_posts")
        else:
            row = await self._one(
                "SELECT count(*) FROM own_posts WHERE account_id = ?",
                (await self.account_id(account),),
            )
        return int(row[0])

    # ---- keeping the maintained rows exact -----------------------------------------------------

    async def ledger_prepare(self) -> None:
        """Rebuild once for items stored before the ledger existed, and recompute contacts whose
        items were removed (rare: an account was removed). Cheap when there is nothing to do."""
        row = await self._one(
            "SELECT needs_rebuild, EXISTS (SELECT 1 FROM contact_ledger WHERE stale = 1) "
            "FROM ledger_state"
        )
        if row[0]:
            await self.rebuild_ledger()
        elif row[1]:
            await self._refresh_stale()

    async def rebuild_ledger(self) -> None:
        """Recompute answers, tone given and every contact's row from the stored items, replies
        and own posts, in one transaction (the triggers are paused meanwhile)."""
        async with self.transaction():
            await self.conn.execute("UPDATE ledger_state SET paused = 1")
            for statement in (*_REBUILD_ANSWERS, *_REBUILD_TONE_GIVEN):
                await self.conn.execute(statement)
            await self.conn.execute("DELETE FROM contact_ledger")
            await self._recompute_contacts(only_listed=False)
            await self.conn.execute("UPDATE ledger_state SET paused = 0, needs_rebuild = 0")

    async def _refresh_stale(self) -> None:
        async with self.transaction():
            await self._fill_temp_ids(
                [
                    r[0]
                    for r in await self._all(
                        "SELECT contact_id FROM contact_ledger WHERE stale = 1"
                    )
                ]
            )
            await self.conn.execute(
                "DELETE FROM contact_ledger WHERE contact_id IN (SELECT id FROM temp.ledger_ids)"
            )
            await self._recompute_contacts(only_listed=True)

    async def _fill_temp_ids(self, ids: Sequence[int]) -> None:
        await self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ledger_ids(id INTEGER PRIMARY KEY)"
        )
        await self.conn.execute("DELETE FROM temp.ledger_ids")
        await self.conn.executemany(
            "INSERT OR IGNORE INTO temp.ledger_ids(id) VALUES (?)", [(i,) for i in ids]
        )

    async def _recompute_contacts(self, *, only_listed: bool) -> None:
        listed = "{column} IN (SELECT id FROM temp.ledger_ids)" if only_listed else "1"
        conditions = {
            "only_author": listed.format(column="author_id"),
            "only_ledger": listed.format(column="contact_ledger.contact_id"),
            "only_answers": listed.format(column="contact_id"),
        }
        for statement in _RECOMPUTE_CONTACTS:
            await self.conn.execute(statement.format(**conditions))

    # ---- reading contacts' rows ----------------------------------------------------------------

    async def ledger_rows(self, contact_ids: Sequence[int] | None = None) -> list[LedgerRow]:
        """Rows of the given contacts (zeros when nothing was received from one), or of every
        contact something was received from."""
        base = (
            f"SELECT {_LEDGER_COLUMNS} FROM contacts "
            "LEFT JOIN contact_ledger l ON l.contact_id = contacts.id "
            "LEFT JOIN persons ON persons.id = contacts.person_id"
        )
        if contact_ids is None:
            rows = await self._all(f"{base} WHERE l.received > 0")
            return [_ledger_row(r) for r in rows]
        found: list[LedgerRow] = []
        for start in range(0, len(contact_ids), _CHUNK):
            chunk = list(contact_ids[start : start + _CHUNK])
            rows = await self._all(f"{base} WHERE contacts.id IN ({_marks(chunk)})", chunk)
            found.extend(_ledger_row(r) for r in rows)
        return found

    async def ledger_data_version(self) -> tuple[int, int]:
        """Changes on other connections (data_version) and on this one (total_changes): the
        same pair means the same data, so anything computed from it can be reused."""
        # Both read on the connection's own thread: the sqlite3 connection must not be
        # touched from the event loop while aiosqlite's worker may be running a statement.
        row = await self._one(
            "SELECT (SELECT data_version FROM pragma_data_version()), total_changes()"
        )
        return int(row[0]), int(row[1])

    async def tone_given_to(self, contact_id: int) -> GivenTone:
        """The tone the user gave this contact, or the person it is linked to (every linked
        contact of theirs), in replies from Rapport and on the platform."""
        row = await self._one(
            "SELECT total(l.given_sum), total(l.given_count), "
            "(SELECT persons.name FROM contacts c JOIN persons ON persons.id = c.person_id "
            "WHERE c.id = ?1) FROM contact_ledger l WHERE l.contact_id IN ("
            "SELECT ?1 UNION SELECT id FROM contacts WHERE person_id = "
            "(SELECT person_id FROM contacts WHERE id = ?1))",
            (contact_id,),
        )
        return GivenTone(float(row[0]), int(row[1]), row[2])

    async def ledger_totals(self) -> LedgerTotals:
        row = await self._one(
            "SELECT total(received), total(answered), total(given_sum), total(given_count) "
            "FROM contact_ledger"
        )
        return LedgerTotals(int(row[0]), int(row[1]), float(row[2]), int(row[3]))

    async def ledger_received_since(
        self, since: float, contact_ids: Sequence[int] | None = None
    ) -> dict[int, WindowSum]:
        """Per contact: items received since `since`, and the sum of their polarity."""
        if contact_ids is None:
            # All contacts: walk the window by the sort key (it starts with the creation second).
            # The unary + keeps the planner from walking an author index to save a sort.
            rows = await self._all(
                "SELECT author_id, count(*), total(polarity) FROM items "
                "WHERE sort_key >= ? AND created_at >= ? GROUP BY +author_id",
                (_sort_key_floor(since), since),
            )
            return {int(r[0]): WindowSum(int(r[1]), float(r[2])) for r in rows}
        sql = (
            "SELECT author_id, count(*), total(polarity) FROM items "
            "WHERE created_at >= ? {only} GROUP BY author_id"
        )
        return await self._window_sums(sql, "author_id", since, contact_ids)

    async def ledger_given_since(
        self, since: float, contact_ids: Sequence[int] | None = None
    ) -> dict[int, WindowSum]:
        """Per contact: replies sent since `since` (from Rapport or on the platform), and the
        sum of their polarity."""
        sql = (
            "SELECT contact_id, count(*), total(polarity) FROM ("
            "SELECT contact_id, sent_at, polarity FROM tone_given UNION ALL "
            "SELECT contact_id, sent_at, polarity FROM own_tone_given"
            ") WHERE sent_at >= ? {only} GROUP BY contact_id"
        )
        return await self._window_sums(sql, "contact_id", since, contact_ids)

    async def _window_sums(
        self, sql: str, column: str, since: float, contact_ids: Sequence[int] | None
    ) -> dict[int, WindowSum]:
        if contact_ids is None:
            rows = await self._all(sql.format(only=""), (since,))
        else:
            rows = []
            for start in range(0, len(contact_ids), _CHUNK):
                chunk = list(contact_ids[start : start + _CHUNK])
                only = f"AND {column} IN ({_marks(chunk)})"
                rows.extend(await self._all(sql.format(only=only), [since, *chunk]))
        return {int(r[0]): WindowSum(int(r[1]), float(r[2])) for r in rows}

    async def ledger_open_items(
        self, context: QueryContext, contact_ids: Sequence[int] | None = None
    ) -> dict[int, OpenItems]:
        """Per contact: items waiting (state new, unanswered, not deleted), and those owed."""
        owed, params = owed_sql(context)
        # MATERIALIZED: is:owed is evaluated once per item (inlined, it would run twice).
        sql = (
            "WITH waiting AS MATERIALIZED ("
            f"SELECT author_id, created_at, {owed} AS owed FROM items "
            f"WHERE state = 'new' AND deleted_at IS NULL AND {_NOT_ANSWERED} {{only}}) "
            "SELECT author_id, count(*), min(created_at), sum(owed), "
            "min(CASE WHEN owed THEN created_at END) FROM waiting GROUP BY author_id"
        )
        if contact_ids is None:
            rows = await self._all(sql.format(only=""), params)
        else:
            rows = []
            for start in range(0, len(contact_ids), _CHUNK):
                chunk = list(contact_ids[start : start + _CHUNK])
                only = f"AND author_id IN ({_marks(chunk)})"
                rows.extend(await self._all(sql.format(only=only), [*params, *chunk]))
        return {int(r[0]): OpenItems(int(r[1]), float(r[2]), int(r[3] or 0), r[4]) for r in rows}

    async def ledger_delays(self, contact_ids: Sequence[int]) -> list[float]:
        """Every time to first reply of these contacts' items, shortest first."""
        if not contact_ids:
            return []
        rows = await self._all(
            f"SELECT delay FROM item_answers WHERE contact_id IN ({_marks(contact_ids)}) "
            "ORDER BY delay",
            list(contact_ids),
        )
        return [float(r[0]) for r in rows]

    async def ledger_streak_after(self, contact_ids: Sequence[int], after: float | None) -> int:
        """Unanswered, undeleted items from these contacts newer than `after`."""
        if not contact_ids:
            return 0
        row = await self._one(
            f"SELECT count(*) FROM items WHERE author_id IN ({_marks(contact_ids)}) "
            f"AND created_at > ? AND deleted_at IS NULL AND {_NOT_ANSWERED}",
            [*contact_ids, after if after is not None else -1e300],
        )
        return int(row[0])

    # ---- owed replies --------------------------------------------------------------------------

    async def ledger_owed(self, context: QueryContext, limit: int) -> list[OwedRow]:
        """Items owed a reply, longest waiting first (see core.ledger for the definition)."""
        owed, params = owed_sql(context)
        rows = await self._all(
            "SELECT items.id, items.author_id, items.created_at, items.kind, items.is_question, "
            "contacts.platform, contacts.handle, contacts.display_name, "
            "coalesce(l.answered, 0) AS answered, l.p90_delay "
            "FROM items JOIN contacts ON contacts.id = items.author_id "
            "LEFT JOIN contact_ledger l ON l.contact_id = items.author_id "
            f"WHERE {owed} AND items.deleted_at IS NULL AND {_NOT_ANSWERED} "
            "ORDER BY items.sort_key LIMIT ?",
            [*params, limit],
        )
        return [
            OwedRow(
                item_id=r[0],
                contact_id=r[1],
                created_at=r[2],
                kind=r[3],
                is_question=bool(r[4]),
                platform=r[5],
                handle=r[6],
                display_name=r[7],
                answered_before=r[8],
                p90_delay=r[9],
            )
            for r in rows
        ]

    async def ledger_owed_count(self, context: QueryContext) -> int:
        owed, params = owed_sql(context)
        row = await self._one(
            f"SELECT count(*) FROM items WHERE {owed} AND items.deleted_at IS NULL "
            f"AND {_NOT_ANSWERED}",
            params,
        )
        return int(row[0])

    async def item_answer(self, item_id: int) -> tuple[float, str] | None:
        """When an item was first answered, and how the answer was seen."""
        row = await self._one(
            "SELECT answered_at, via FROM item_answers WHERE item_id = ?", (item_id,)
        )
        return (float(row[0]), str(row[1])) if row else None

    # ---- contacts and persons ------------------------------------------------------------------

    async def all_contacts(self) -> list[Contact]:
        rows = await self._all(f"SELECT {_CONTACT_COLUMNS} FROM contacts ORDER BY id")
        return [_contact_from_row(r) for r in rows]

    async def contacts_by_handle(self, text: str) -> list[Contact]:
        """Contacts whose handle is `text` (ignoring case and a leading @ or u/)."""
        bare = text.strip().removeprefix("@").removeprefix("u/")
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE handle = ? COLLATE NOCASE "
            "OR handle = ? COLLATE NOCASE OR handle = ? COLLATE NOCASE ORDER BY id",
            (bare, f"@{bare}", f"u/{bare}"),
        )
        return [_contact_from_row(r) for r in rows]

    async def contacts_with_localpart(self, localpart: str) -> list[Contact]:
        """Contacts whose handle starts with `localpart` then '@', '.' or nothing."""
        bare = localpart.strip().removeprefix("@").removeprefix("u/")
        escaped = bare.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = await self._all(
            f"SELECT {_CONTACT_COLUMNS} FROM contacts WHERE handle LIKE ? ESCAPE '\\' "
            "OR handle LIKE ? ESCAPE '\\' OR handle LIKE ? ESCAPE '\\' ORDER BY id",
            (f"@{escaped}@%", f"@{escaped}.%", f"{escaped}.%"),
        )
        return [_contact_from_row(r) for r in rows]

    async def person_named(self, name: str) -> list[tuple[int, str]]:
        rows = await self._all(
            "SELECT id, name FROM persons WHERE name = ? COLLATE NOCASE ORDER BY id", (name,)
        )
        return [(int(r[0]), str(r[1])) for r in rows]

    async def person_name(self, person_id: int) -> str | None:
        row = await self._one("SELECT name FROM persons WHERE id = ?", (person_id,))
        return str(row[0]) if row else None

    async def person_contact_ids(self, person_id: int) -> list[int]:
        rows = await self._all(
            "SELECT id FROM contacts WHERE person_id = ? ORDER BY id", (person_id,)
        )
        return [int(r[0]) for r in rows]

    async def link_contacts(self, first: int, second: int, name: str) -> int:
        """Put two contacts in one person: a new one named `name`, the person either is in
        already, or (both in different persons) the first's, taking the second's contacts."""
        async with self.transaction():
            rows = await self._all(
                "SELECT id, person_id FROM contacts WHERE id IN (?, ?)", (first, second)
            )
            persons = {int(r[0]): r[1] for r in rows}
            missing = [c for c in (first, second) if c not in persons]
            if missing:
                raise KeyError(f"no contact with id {missing[0]}")
            keep, other = persons[first], persons[second]
            if keep is None:
                keep, other = other, None
            if keep is None:
                cursor = await self.conn.execute(
                    "INSERT INTO persons(name, created_at) VALUES (?, ?)",
                    (name, to_epoch(utcnow())),
                )
                keep = int(cursor.lastrowid or 0)
            if other is not None and other != keep:
                await self.conn.execute(
                    "UPDATE contacts SET person_id = ? WHERE person_id = ?", (keep, other)
                )
                await self.conn.execute(
                    "UPDATE persons SET note = trim(note || char(10) || "
                    "(SELECT note FROM persons WHERE id = ?)) WHERE id = ?",
                    (other, keep),
                )
                await self.conn.execute("DELETE FROM persons WHERE id = ?", (other,))
            await self.conn.execute(
                "UPDATE contacts SET person_id = ? WHERE id IN (?, ?)", (keep, first, second)
            )
        return int(keep)

    async def unlink_contact(self, contact_id: int) -> int | None:
        """Take a contact out of its person (a person left with no contact goes); returns the
        person it was in."""
        async with self.transaction():
            row = await self._one("SELECT person_id FROM contacts WHERE id = ?", (contact_id,))
            if row is None:
                raise KeyError(f"no contact with id {contact_id}")
            person = row[0]
            if person is None:
                return None
            await self.conn.execute(
                "UPDATE contacts SET person_id = NULL WHERE id = ?", (contact_id,)
            )
            await self.conn.execute(
                "DELETE FROM persons WHERE id = ? AND NOT EXISTS "
                "(SELECT 1 FROM contacts WHERE person_id = ?)",
                (person, person),
            )
        return int(person)

    # ---- engagement statistics -----------------------------------------------------------------

    async def ledger_hours(self, since: float, until: float) -> list[HourRow]:
        """Items per account and hour between `since` and `until`."""
        rows = await self._all(
            "SELECT accounts.name, accounts.platform, CAST(items.created_at / 3600 AS INTEGER) "
            "AS hour, count(*), count(a.item_id), "
            "sum(items.polarity <= ?), total(items.polarity) "
            "FROM items JOIN accounts ON accounts.id = items.account_id "
            "LEFT JOIN item_answers a ON a.item_id = items.id "
            "WHERE items.sort_key >= ? AND items.created_at >= ? AND items.created_at < ? "
            "GROUP BY +items.account_id, hour ORDER BY hour",
            (-TONE_THRESHOLD, _sort_key_floor(since), since, until),
        )
        return [HourRow(r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), r[6]) for r in rows]

    async def ledger_delays_between(self, since: float, until: float) -> list[DelayRow]:
        """Times to first reply of the items received between `since` and `until`."""
        rows = await self._all(
            "SELECT accounts.name, accounts.platform, a.delay FROM items "
            "JOIN item_answers a ON a.item_id = items.id "
            "JOIN accounts ON accounts.id = items.account_id "
            "WHERE items.sort_key >= ? AND items.created_at >= ? AND items.created_at < ?",
            (_sort_key_floor(since), since, until),
        )
        return [DelayRow(r[0], r[1], float(r[2])) for r in rows]

    async def ledger_top_contacts(
        self, since: float | None, until: float, limit: int
    ) -> list[TopContactRow]:
        """The contacts who wrote most between `since` (None: ever) and `until`."""
        if since is None:
            # Everything ever received: the maintained rows already hold the counts.
            rows = await self._all(
                "SELECT contacts.id, contacts.platform, contacts.handle, contacts.display_name, "
                "l.received, l.answered FROM contact_ledger l "
                "JOIN contacts ON contacts.id = l.contact_id WHERE l.received > 0 "
                "ORDER BY l.received DESC, contacts.id LIMIT ?",
                (limit,),
            )
            return [TopContactRow(*r) for r in rows]
        rows = await self._all(
            "SELECT contacts.id, contacts.platform, contacts.handle, contacts.display_name, "
            "top.items, top.answered FROM ("
            "SELECT author_id, count(*) AS items, count(a.item_id) AS answered FROM items "
            "LEFT JOIN item_answers a ON a.item_id = items.id "
            "WHERE items.sort_key >= ? AND items.created_at >= ? AND items.created_at < ? "
            "GROUP BY +author_id ORDER BY items DESC, author_id LIMIT ?"
            ") AS top JOIN contacts ON contacts.id = top.author_id "
            "ORDER BY top.items DESC, contacts.id",
            (_sort_key_floor(since), since, until, limit),
        )
        return [TopContactRow(*r) for r in rows]

    async def ledger_celebrate(
        self, since: float, min_polarity: float, limit: int
    ) -> list[CelebrateRow]:
        """Warm messages with no answer yet (not muted, not deleted), warmest first."""
        rows = await self._all(
            "SELECT items.id, items.author_id, contacts.platform, contacts.handle, "
            "contacts.display_name, items.created_at, items.polarity, items.text "
            "FROM items JOIN contacts ON contacts.id = items.author_id "
            "WHERE items.sort_key >= ? AND items.created_at >= ? AND items.polarity >= ? "
            f"AND items.state != 'muted' AND items.deleted_at IS NULL AND {_NOT_ANSWERED} "
            "ORDER BY items.polarity DESC, items.created_at DESC LIMIT ?",
            (_sort_key_floor(since), since, min_polarity, limit),
        )
        return [CelebrateRow(*r) for r in rows]

    async def ledger_first_item_time(self) -> float | None:
        """The creation second of the oldest item (read from the time-ordered unique key)."""
        row = await self._one("SELECT min(sort_key) >> 31 FROM items")
        return float(row[0]) if row and row[0] is not None else None
