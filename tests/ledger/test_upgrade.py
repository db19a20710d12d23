"""A database from before the ledger: upgraded in place, its history counted on first read."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import aiosqlite

from core.ledger import Ledger
from core.store.database import apply_migrations
from core.store.repository import Store
from tests.ledger.history import HOUR, at, own_post


async def test_history_from_schema_4_is_counted_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "v4.db"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await apply_migrations(conn, target=4)
    t0 = at().timestamp()
    for sql, params in (
        ("INSERT INTO accounts(name, platform, base_url) VALUES ('work', 'mastodon', 'x')", ()),
        (
            "INSERT INTO contacts(platform, instance, remote_id, handle, display_name, "
            "first_seen, last_seen) VALUES ('mastodon', 'x', '1', '@ann@x', 'Ann', 0, 0)",
            (),
        ),
        (
            "INSERT INTO contacts(platform, instance, remote_id, handle, first_seen, last_seen) "
            "VALUES ('mastodon', 'x', 'me', '@me@x', 0, 0)",
            (),
        ),
        (
            "INSERT INTO items(account_id, remote_id, kind, author_id, author_label, text, "
            "created_at, fetched_at, updated_at) VALUES "
            "(1, 'a1', 'mention', 1, 'Ann', 'one', ?, 0, 0), "
            "(1, 'a2', 'mention', 1, 'Ann', 'two', ?, 0, 0), "
            "(1, 'a3', 'mention', 1, 'Ann', 'three', ?, 0, 0)",
            (t0, t0 + 3600, t0 + 7200),
        ),
        (  # a reply sent from Rapport, 30 min after a1
            "INSERT INTO replies(item_id, account_id, text, state, idempotency_key, tone, "
            "created_at, updated_at, sent_at) VALUES (1, 1, 'hi', 'sent', 'k', "
            "'{\"polarity\": 0.5}', ?, ?, ?)",
            (t0, t0, t0 + 1800),
        ),
        (  # the user's own reply to a2, seen in thread context, 2 h after it
            "INSERT INTO context_posts(account_id, remote_id, item_root_id, parent_id, "
            "author_id, text, created_at, is_own, fetched_at) "
            "VALUES (1, 'own-2', 'a2', 'a2', 2, 'answer', ?, 1, 0)",
            (t0 + 3600 + 7200,),
        ),
    ):
        await conn.execute(sql, params)
    await conn.close()

    store = await Store.open(path)
    try:
        ann = await Ledger(store, now=at(days=1), tz=UTC).contact_summary(1)
        assert (ann.received, ann.answered, ann.streak) == (3, 2, 1)
        assert ann.median_reply == 1.25 * HOUR  # 30 min and 2 h
        assert ann.tone_given == 0.5
        assert ann.owed == 1
    finally:
        await store.close()


async def test_own_posts_from_schema_6_count_as_tone_given_once_seen_again_with_a_tone(
    tmp_path: Path,
) -> None:
    """Own posts stored before migration 7 have no tone (their text was never kept): they
    count as answers but not as tone given, until a sync sees them again and scores them."""
    path = tmp_path / "v6.db"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await apply_migrations(conn, target=6)
    t0 = at().timestamp()
    for sql, params in (
        ("INSERT INTO accounts(name, platform, base_url) VALUES ('work', 'mastodon', 'x')", ()),
        (
            "INSERT INTO contacts(platform, instance, remote_id, handle, display_name, "
            "first_seen, last_seen) VALUES ('mastodon', 'x', '1', '@ann@x', 'Ann', 0, 0)",
            (),
        ),
        (
            "INSERT INTO items(account_id, remote_id, kind, author_id, author_label, text, "
            "created_at, fetched_at, updated_at) VALUES (1, 'a1', 'mention', 1, 'Ann', 'one', "
            "?, 0, 0)",
            (t0,),
        ),
        (
            "INSERT INTO own_posts(account_id, remote_id, parent_id, thread_root_id, "
            "created_at) VALUES (1, 'own-1', 'a1', 'a1', ?)",
            (t0 + 600,),
        ),
    ):
        await conn.execute(sql, params)
    await conn.close()

    store = await Store.open(path)
    try:
        ledger = Ledger(store, now=at(days=1), tz=UTC)
        ann = await ledger.contact_summary(1)
        assert (ann.answered, ann.tone_given) == (1, None)
        seen = own_post("own-1", at(minutes=10), parent="a1", polarity=0.4)
        await store.save_own_posts("work", [seen])
        await store.save_own_posts("work", [seen])  # seen once more: counted once
        ann = await ledger.contact_summary(1)
        assert ann.tone_given == 0.4
        before = await store._all("SELECT * FROM contact_ledger")
        await ledger.rebuild()
        assert await store._all("SELECT * FROM contact_ledger") == before
    finally:
        await store.close()
