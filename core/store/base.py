"""What every part of the repository shares: the connection, a write lock, query helpers.

The repository is one class, `core.store.repository.Store`, assembled from parts (one file
each, e.g. the ledger's queries) that all build on this base."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from core.store.database import write_transaction


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
