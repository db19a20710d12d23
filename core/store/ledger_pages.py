"""The ledger's row work for synced pages, set-based (migration 9).

Migrations 5-7 keep the ledger by row triggers: a new item is counted in its author's
contact_ledger row, answered by an own post already stored, and given the tone of own posts
that reply to it; a new own post answers the item it replies to and the earlier items of its
thread. For a synced page that is a statement per row or two, and two costs that multiply:
  - each INSERT ... SELECT inside a trigger first copies its rows into a new temporary b-tree
    (its target table has triggers of its own), once per row stored;
  - streams list newest first, so each page of own posts is older than the last, and each moved
    the answers of its threads' items again: about 90,000 moves for 6,000 own posts.
Here a page's items are counted, answered and given their tone in one statement each (the
counts in Python: see `_count_items`), and the answers of the own posts stored by a group of
pages are found at the end of the group, once per item. The results are the triggers' own,
row for row (tests/ledger replays histories both ways). While a page's statements run,
ingest_state.ledger_batched turns those triggers off; every other write still uses them.

Call these inside the write transaction that stores the rows, and inside
`ledger_sql.answers_deferred`: the contacts whose answers change are recomputed on leaving it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from core.store.bulk import insert_rows


@contextmanager
def triggers_off(db: sqlite3.Connection, *flags: str) -> Iterator[None]:
    """Inside: the row triggers that the `flags` of ingest_state (fts_batched, ledger_batched)
    guard leave their work to the caller. An error leaves them set: the caller's transaction
    rolls back, flags and all (see core.store.database.in_transaction)."""
    db.execute("UPDATE ingest_state SET " + ", ".join(f"{flag} = 1" for flag in flags))
    yield
    db.execute("UPDATE ingest_state SET " + ", ".join(f"{flag} = 0" for flag in flags))


# ---- new items (ledger_item_added, ledger_item_own_tone) --------------------------------------

# The stored values, as the trigger reads them (new.created_at, new.polarity), in row order.
_NEW_ITEMS = (
    "SELECT author_id, created_at, polarity, deleted_at IS NOT NULL FROM items "
    "WHERE id > ?1 AND id <= ?2 ORDER BY id"
)
_LEDGER_ROWS = (
    "SELECT contact_id, received, deleted, streak, polarity_sum, last_in, last_answered_item "
    "FROM contact_ledger WHERE contact_id IN (SELECT author_id FROM items "
    "WHERE id > ?1 AND id <= ?2)"
)
_WRITE_COUNTS = (
    "INSERT INTO contact_ledger(contact_id, received, deleted, streak, polarity_sum, last_in) "
    "VALUES {rows} ON CONFLICT(contact_id) DO UPDATE SET received = excluded.received, "
    "deleted = excluded.deleted, streak = excluded.streak, "
    "polarity_sum = excluded.polarity_sum, last_in = excluded.last_in"
)

# An item's first answer from the own posts stored: one replying to it, or (weaker) a later one
# in its thread; the earlier, and the reply on a tie (the trigger's UNION ALL ... ORDER BY 1
# LIMIT 1 merges its first arm first). MATERIALIZED: each subquery once per item (inlined, the
# planner copies it into every expression that names it).
_ANSWER_NEW_ITEMS = """
WITH found AS MATERIALIZED (
    SELECT items.id, items.author_id, items.created_at,
        (SELECT min(own.created_at) FROM own_posts own
         WHERE own.account_id = items.account_id AND own.parent_id = items.remote_id)
        AS by_parent,
        (SELECT min(own.created_at) FROM own_posts own
         WHERE own.account_id = items.account_id AND own.thread_root_id = items.thread_root_id
            AND items.thread_root_id != '' AND own.parent_id != items.remote_id
            AND own.created_at > items.created_at)
        AS by_thread
    FROM items WHERE items.id > ?1 AND items.id <= ?2
)
INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
SELECT id, author_id, created_at,
    CASE WHEN by_thread IS NULL OR by_parent <= by_thread THEN by_parent ELSE by_thread END,
    CASE WHEN by_thread IS NULL OR by_parent <= by_thread THEN 'platform' ELSE 'thread' END
FROM found WHERE by_parent IS NOT NULL OR by_thread IS NOT NULL
"""

# Tone given by own posts stored before the item they reply to, in the order the trigger adds
# it up (contact_ledger.given_sum is a running sum): item by item, each item's posts as the
# own_posts_by_parent index lists them.
_TONE_FOR_NEW_ITEMS = """
INSERT INTO own_tone_given(account_id, remote_id, contact_id, sent_at, polarity)
SELECT own.account_id, own.remote_id, items.author_id, own.created_at, own.polarity
FROM items JOIN own_posts own
    ON own.account_id = items.account_id AND own.parent_id = items.remote_id
WHERE items.id > ?1 AND items.id <= ?2 AND own.polarity IS NOT NULL
    AND NOT EXISTS (
        SELECT 1 FROM replies WHERE replies.account_id = own.account_id
            AND replies.remote_id = own.remote_id AND replies.state = 'sent'
    )
ORDER BY items.id, own.created_at, own.rowid
ON CONFLICT(account_id, remote_id) DO NOTHING
"""


def items_added(db: sqlite3.Connection, after: int, last: int) -> None:
    """The ledger's work for the items with ids after `after` up to `last`, stored with
    ledger_batched set: what ledger_item_added and ledger_item_own_tone do for each."""
    _count_items(db, after, last)
    db.execute(_ANSWER_NEW_ITEMS, (after, last))
    db.execute(_TONE_FOR_NEW_ITEMS, (after, last))


def _count_items(db: sqlite3.Connection, after: int, last: int) -> None:
    """The authors' counts, as ledger_item_added keeps them, item after item. In Python because
    polarity_sum is a running sum of floats: SQL's sum() adds in an order of its own (and since
    SQLite 3.43 compensates), which can differ from the trigger's in the last bit. The answer
    columns (last_answered_item, which the streak reads) do not move meanwhile: they are
    recomputed when answers_deferred ends."""
    ledgers = {row[0]: list(row[1:]) for row in db.execute(_LEDGER_ROWS, (after, last)).fetchall()}
    for author, created, polarity, deleted in db.execute(_NEW_ITEMS, (after, last)).fetchall():
        row = ledgers.get(author)
        if row is None:
            ledgers[author] = [1, int(deleted), int(not deleted), polarity, created, None]
            continue
        received, deletions, streak, polarity_sum, last_in, answered_item = row
        newer = created > (answered_item if answered_item is not None else -1e300)
        row[0] = received + 1
        row[1] = deletions + deleted
        row[2] = streak + (not deleted and newer)
        row[3] = polarity_sum + polarity
        row[4] = max(last_in if last_in is not None else created, created)
    insert_rows(db, _WRITE_COUNTS, [(author, *row[:5]) for author, row in ledgers.items()])


# ---- own posts (ledger_own_post_added) ------------------------------------------------------


def own_posts_mark(db: sqlite3.Connection) -> int:
    """The largest rowid of own_posts: the own posts stored after this have larger ones (SQLite
    gives a new row one past the largest), in the order they were stored."""
    return int(db.execute("SELECT coalesce(max(rowid), 0) FROM own_posts").fetchone()[0])


# Every answer the own posts stored after ?1 give, as ledger_own_post_added gives them one post
# after the other (the same rows: tests/ledger compare both ways), but each item written once:
# its earliest answer, on a tie the one offered first (post by post in the order stored, a
# reply before a thread answer), and only if earlier than the answer it has. The thread rule's
# window starts at the thread's previous own post, any stored: the items before it were
# answered by that post already, earlier than by this one (migration 6).
_ANSWER_WITH_OWN_POSTS = """
INSERT INTO item_answers(item_id, contact_id, created_at, answered_at, via)
SELECT item_id, contact_id, created_at, answered_at, via FROM (
    SELECT items.id AS item_id, items.author_id AS contact_id, items.created_at AS created_at,
        own.created_at AS answered_at, 'platform' AS via, own.rowid * 2 AS turn
    FROM own_posts own CROSS JOIN items
        ON items.account_id = own.account_id AND items.remote_id = own.parent_id
    WHERE own.rowid > ?1
    UNION ALL
    SELECT items.id, items.author_id, items.created_at, own.created_at, 'thread',
        own.rowid * 2 + 1
    FROM own_posts own CROSS JOIN items
        ON items.account_id = own.account_id AND items.thread_root_id = own.thread_root_id
    WHERE own.rowid > ?1 AND own.thread_root_id != '' AND items.remote_id != own.parent_id
        AND items.created_at < own.created_at
        AND items.created_at >= coalesce((
            SELECT max(prev.created_at) FROM own_posts prev
            WHERE prev.account_id = own.account_id AND prev.thread_root_id = own.thread_root_id
                AND prev.created_at < own.created_at
        ), -1e300)
)
WHERE 1 ORDER BY item_id, answered_at, turn
ON CONFLICT(item_id) DO UPDATE SET answered_at = excluded.answered_at, via = excluded.via
WHERE excluded.answered_at < answered_at
"""


def answer_with_own_posts(db: sqlite3.Connection, since: int) -> None:
    """The answers given by the own posts stored (with ledger_batched set) after the mark
    `since` (see own_posts_mark), for every item stored by now.

    The same rows as the trigger gives when each post is stored: an item stored after a post
    was answered by it already when it came (ledger_item_added, or items_added), at least as
    early and first on a tie; and a post's narrower window (it starts at any later-stored older
    post of the thread) leaves out only items that older post answers earlier."""
    db.execute(_ANSWER_WITH_OWN_POSTS, (since,))
