"""Schema migrations: from nothing, from every earlier version, and refusing a newer one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from core.errors import StoreError
from core.store.database import apply_migrations, connect, user_version
from core.store.repository import Store
from core.store.schema import SCHEMA_VERSION
from tests.factories import account, item


async def test_an_empty_file_gets_the_whole_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.touch()
    store = await Store.open(path)
    assert await user_version(store.conn) == SCHEMA_VERSION
    async with store.conn.execute("PRAGMA journal_mode") as cursor:
        row = await cursor.fetchone()
    assert row is not None
    assert row[0] == "wal"
    await store.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_a_database_from_each_earlier_version_upgrades_keeping_its_data(
    tmp_path: Path, version: int
) -> None:
    path = tmp_path / f"v{version}.db"
    conn = await aiosqlite.connect(str(path), isolation_level=None)
    await apply_migrations(conn, target=version)
    await conn.execute(
        "INSERT INTO accounts(name, platform, base_url) VALUES ('work', 'mastodon', 'https://x')"
    )
    await conn.execute(
        "INSERT INTO contacts(platform, instance, remote_id, handle, first_seen, last_seen) "
        "VALUES ('mastodon', 'x', '1', '@old', 0, 0)"
    )
    await conn.execute(
        "INSERT INTO items(account_id, remote_id, kind, author_id, author_label, text, "
        "created_at, fetched_at, updated_at, tags) "
        "VALUES (1, 'old-1', 'mention', 1, '@old', 'written before the upgrade', 0, 0, 0, 'keep')"
    )
    await conn.close()

    store = await Store.open(path)
    assert await user_version(store.conn) == SCHEMA_VERSION
    old = await store.item_by_remote("work", "old-1")
    assert old is not None
    assert old.text == "written before the upgrade"
    assert old.tags == ["keep"]
    assert await store.search_ids("upgrade") == [old.id]
    await store.ensure_account(account())
    assert len((await store.ingest("work", [item(1)])).new_ids) == 1
    await store.close()


async def test_a_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    store = await Store.open(path)
    await store.ensure_account(account())
    await store.ingest("work", [item(1)])
    await store.close()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()

    with pytest.raises(StoreError, match="newer Rapport"):
        await connect(path)
    assert path.read_bytes() == before


async def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match=r"not a Rapport database|cannot be read"):
        await connect(path)
    assert path.read_text().startswith("these are my notes")
