"""Many rows in few statements: shared by the parts of the store that write a synced page."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

CHUNK = 400  # stay well under SQLite's bound-parameter limit
MAX_ROWS = 500  # rows per multi-row INSERT (see insert_rows)


def insert_rows(db: sqlite3.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> int:
    """Run `sql` (with `{rows}` where its VALUES go) for many rows, as few statements as the
    bound-parameter limit allows; returns how many rows it changed.

    Not executemany: that steps once per row, and every step gives up and takes back Python's
    GIL, so while the event loop's thread is busy (parsing the next page) each row waits for a
    thread switch. One statement of many rows runs start to end without the GIL."""
    if not rows:
        return 0
    width = len(rows[0])
    limit = min(db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER), 32_766)
    per = max(1, min(MAX_ROWS, limit // width))
    group = "(" + ",".join("?" * width) + ")"
    changed = 0
    for start in range(0, len(rows), per):
        chunk = rows[start : start + per]
        statement = sql.replace("{rows}", ",".join([group] * len(chunk)))
        changed += db.execute(statement, [value for row in chunk for value in row]).rowcount
    return changed
