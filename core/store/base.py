"""What every part of the repository shares: the connection, a write lock, query helpers.

The repository is one class, `core.store.repository.Store`, assembled from parts (one file
each, e.g. the ledger's queries) that all build on this base."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiosqlite

from core.store.database import in_transaction, write_transaction

T = TypeVar("T")


class StoreBase:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._account_ids: dict[str, int] = {}
        # Coroutines sharing this connection take turns at write transactions.
        self._write_lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._write_lock, write_transaction(self.conn) as conn:
            yield conn

    async def _on_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` with the plain sqlite3 connection on the connection's own thread: many
        statements for the price of one round trip (aiosqlite queues calls in order, so nothing
        else runs on the connection meanwhile)."""
        conn = self.conn
        # aiosqlite's queue of calls for its thread (what its own execute() goes through).
        queue: Callable[[Callable[[], T]], Awaitable[T]] = conn._execute
        return await queue(lambda: work(conn._conn))

    async def _write_on_thread(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work` in one write transaction (BEGIN IMMEDIATE ... COMMIT) on the connection's
        thread: committed whole or rolled back, even if the caller is cancelled meanwhile."""
        async with self._write_lock:
            result = await self._on_thread(lambda db: in_transaction(db, lambda: work(db)))
        # Let a coroutine waiting for the lock queue its transaction now, before this one goes on
        # (to parse its next page, say) without yielding: the database works meanwhile.
        await asyncio.sleep(0)
        return result

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    async def account_id(self, name: str) -> int:
        if name not in self._account_ids:
            row = await self._one("SELECT id FROM accounts WHERE name = ?", (name,))
            if row is None:
                raise KeyError(f"no account named {name!r} in the store")
            self._account_ids[name] = int(row[0])
        return self._account_ids[name]
