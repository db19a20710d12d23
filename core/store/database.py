"""Opening the SQLite database: WAL, a busy timeout, migrations, and write transactions.

The app and a headless `rapport sync` share one database file, so every write transaction starts
with BEGIN IMMEDIATE (a writer waits its turn instead of failing on a lock upgrade) and readers
never block writers (WAL).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar, cast

import aiosqlite

from core.errors import StoreError
from core.store.inline import InlineConnection
from core.store.schema import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 15_000

T = TypeVar("T")


async def connect(
    path: Path | str,
    *,
    migrate: bool = True,
    inline: bool = False,
    checkpoint_pages: int | None = None,
) -> aiosqlite.Connection:
    """Open (creating if needed) and upgrade the database; refuse one from a newer Rapport.

    `inline`: the statements run in the calling thread instead of a database thread (for a
    sync worker process, see core.store.inline). `checkpoint_pages`: how large (in pages) the
    write-ahead log may grow before this connection copies it back into the database (SQLite's
    default is 1,000)."""
    if str(path) != ":memory:":
        _private_file(Path(path))
    try:
        conn = (
            # Same interface, statements run where called (see core.store.inline).
            cast(
                aiosqlite.Connection, InlineConnection(sqlite3.connect(path, isolation_level=None))
            )
            if inline
            else await aiosqlite.connect(str(path), isolation_level=None)
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the database {path}: {exc}") from None
    try:
        await _run(conn, f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = await user_version(conn)
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer Rapport (schema {version}; this one knows "
                f"up to {SCHEMA_VERSION}). Upgrade Rapport; the database was not changed."
            )
        await _check_is_database(conn, path)
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "temp_store = MEMORY",
            "cache_size = -32000",
        ):
            await _run(conn, f"PRAGMA {pragma}")
        if checkpoint_pages is not None:
            await _run(conn, f"PRAGMA wal_autocheckpoint = {int(checkpoint_pages)}")
        if migrate:
            await apply_migrations(conn)
    except BaseException:
        await conn.close()
        raise
    conn.row_factory = aiosqlite.Row
    return conn


#: SQLite gives the -wal, -shm and -journal files the database file's own mode.
_COMPANIONS = ("-wal", "-shm", "-journal")


def _private_file(path: Path) -> None:
    """The database holds direct messages: its folder is 0700 when Rapport creates it, and the
    file (created empty if missing: an empty file is an empty database) and its companions are
    0600, tightened if an older Rapport left them readable by others."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)  # whatever the umask
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the database {path}: {exc}") from None
    else:
        os.close(fd)
    for each in (path, *(path.with_name(path.name + end) for end in _COMPANIONS)):
        try:
            if each.stat().st_mode & 0o077:
                each.chmod(0o600)
        except FileNotFoundError:
            continue
        except OSError:
            # Not ours to change (another user's file, a read-only mount): SQLite reports it.
            continue


async def _run(conn: aiosqlite.Connection, sql: str) -> None:
    """Execute and fully consume a statement (an unfinished one would hold a transaction)."""
    async with conn.execute(sql) as cursor:
        await cursor.fetchall()


async def _check_is_database(conn: aiosqlite.Connection, path: Path | str) -> None:
    try:
        await _run(conn, "SELECT count(*) FROM sqlite_master")
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path} is not a Rapport database ({exc}). Move it away to start a new one."
        ) from None


async def user_version(conn: aiosqlite.Connection) -> int:
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the database cannot be read: {exc}") from None
    return int(row[0]) if row else 0


async def apply_migrations(conn: aiosqlite.Connection, target: int = SCHEMA_VERSION) -> None:
    """Apply each missing migration in its own transaction (safe if two processes race)."""
    for number in range(1, target + 1):
        if await user_version(conn) >= number:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if await user_version(conn) < number:
                for statement in split_statements(MIGRATIONS[number - 1]):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers contain semicolons of their own)."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


@asynccontextmanager
async def write_transaction(conn: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error or cancellation."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")


def in_transaction(db: sqlite3.Connection, work: Callable[[], T]) -> T:
    """The same for the plain sqlite3 connection, on aiosqlite's thread (see
    StoreBase._write_on_thread): BEGIN IMMEDIATE, `work()`, COMMIT, rolled back on any error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        result = work()
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return result
