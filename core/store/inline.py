"""aiosqlite's interface over a plain sqlite3 connection, each call run at once where called.

For a process whose only job is to sync (core.sync.worker). With aiosqlite, every statement runs
on a database thread, which after each SQLite call must take Python's GIL back from the event
loop's thread, busy parsing and analysing the next page: it waits up to the switch interval
(5 ms) each time (see bench/gil_convoy.py). In a sync worker nothing else needs the event loop
while a page is being stored, so the statements simply run where they are called.

Only what core/store uses of aiosqlite is here: execute / executemany (awaited, or as an async
context manager giving the cursor), the cursor's fetches, rowcount and lastrowid, row_factory,
close, and the `_execute` / `_conn` pair StoreBase._on_thread relies on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class InlineCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()


class _Statement:
    """What execute() returns: awaited, the cursor; `async with`, the cursor, closed after."""

    def __init__(self, run: Callable[[], sqlite3.Cursor]) -> None:
        self._run = run
        self._cursor: InlineCursor | None = None

    def __await__(self) -> Generator[Any, None, InlineCursor]:
        return self._start().__await__()

    async def _start(self) -> InlineCursor:
        return InlineCursor(self._run())

    async def __aenter__(self) -> InlineCursor:
        self._cursor = InlineCursor(self._run())
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @property
    def row_factory(self) -> Any:
        return self._conn.row_factory

    @row_factory.setter
    def row_factory(self, factory: Any) -> None:
        self._conn.row_factory = factory

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> _Statement:
        return _Statement(lambda: self._conn.execute(sql, parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Statement:
        return _Statement(lambda: self._conn.executemany(sql, parameters))

    async def _execute(self, work: Callable[[], T]) -> T:
        return work()

    async def close(self) -> None:
        self._conn.close()
