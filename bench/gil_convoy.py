"""Why the database thread is slow beside a busy event loop: the GIL convoy, in isolation.

Every call into SQLite lets go of Python's GIL and must take it back afterwards. While another
thread runs Python code (the sync's event loop parsing the next page), taking it back waits up
to the switch interval (5 ms), once per call. This runs 400 "pages" of inserts and small queries
on a thread three ways: alone, beside a thread that keeps the GIL busy, and the same with a
0.5 ms switch interval. `python -m bench.gil_convoy` prints the table (see README, Performance).
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

PAGES = 400
ROWS = 50
QUERIES = 20


def pages_on_a_thread(path: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the database thread's work."""
    result: list[tuple[float, float]] = []

    def work() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("DROP TABLE IF EXISTS t")
        db.execute("DROP TABLE IF EXISTS f")
        db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
        db.execute("CREATE VIRTUAL TABLE f USING fts5(a)")
        db.execute(
            "CREATE TRIGGER tf AFTER INSERT ON t BEGIN "
            "INSERT INTO f(rowid, a) VALUES (new.id, new.a); END"
        )
        wall, cpu = time.perf_counter(), time.thread_time()
        for page in range(PAGES):
            db.execute("BEGIN IMMEDIATE")
            rows = [
                (page * ROWS + i, f"message {i} about the parser", json.dumps({"n": i}))
                for i in range(ROWS)
            ]
            values = ",".join(["(?,?,?)"] * ROWS)
            db.execute(f"INSERT INTO t VALUES {values}", [v for row in rows for v in row])
            for i in range(QUERIES):
                db.execute("SELECT count(*) FROM t WHERE id > ?", (i,)).fetchone()
            db.execute("COMMIT")
        result.append((time.perf_counter() - wall, time.thread_time() - cpu))
        db.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return result[0]


def beside_busy_python(path: Path) -> tuple[float, float]:
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(200))

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        return pages_on_a_thread(path)
    finally:
        stop.set()
        spinner.join()


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "convoy.db"
        rows = [("alone", *pages_on_a_thread(path))]
        rows.append(("beside a busy Python thread", *beside_busy_python(path)))
        interval = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)
        try:
            rows.append(("the same, 0.5 ms switch interval", *beside_busy_python(path)))
        finally:
            sys.setswitchinterval(interval)
    print(f"{PAGES} pages of {ROWS} inserts and {QUERIES} queries on a database thread")
    print(f"{'database thread':34}  {'wall s':>7}  {'CPU s':>6}")
    for name, wall, cpu in rows:
        print(f"{name:34}  {wall:7.2f}  {cpu:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
