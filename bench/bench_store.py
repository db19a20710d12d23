"""Store figures: ingest rate, full-text search latency at 1,000,000 items, size per 100k."""

from __future__ import annotations

import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, percentile, rate
from core.models import Account, Contact, Item, ItemKind, ItemState, Tone
from core.query import QueryContext, parse_query, to_sql
from core.store.repository import Store

WORDS = [
    "release",
    "build",
    "crash",
    "parser",
    "docs",
    "thanks",
    "question",
    "merge",
    "review",
    "issue",
    "test",
    "flaky",
    "ci",
    "deploy",
    "python",
    "rust",
    "sqlite",
    "terminal",
    "keyboard",
    "theme",
    "bug",
    "feature",
    "request",
    "love",
    "great",
    "awful",
    "slow",
    "fast",
    "memory",
    "leak",
    "upgrade",
    "version",
    "broken",
    "works",
    "help",
    "please",
    "maybe",
    "tomorrow",
    "today",
    "soon",
    "never",
    "config",
    "plugin",
    "api",
    "token",
    "rate",
    "limit",
    "timeout",
    "retry",
    "cache",
    "index",
    "search",
    "query",
    "join",
    "table",
]
RARE = ["zeitgeist", "quokka", "serendipity", "flibbertigibbet", "kerfuffle"]
BATCH = 2000


def make_items(start: int, count: int, rng: random.Random) -> list[Item]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    items = []
    for n in range(start, start + count):
        words = rng.choices(WORDS, k=rng.randint(6, 30))
        if n % 997 == 0:
            words.append(rng.choice(RARE))
        author = n % 10_000
        items.append(
            Item(
                account="bench",
                platform="mastodon",
                remote_id=str(n),
                kind=ItemKind.MENTION,
                author=Contact(
                    platform="mastodon",
                    remote_id=str(author),
                    handle=f"@person{author}@social.example",
                    display_name=f"Person {author}",
                    instance="social.example",
                ),
                text=" ".join(words),
                created_at=base + timedelta(seconds=n * 20),
                # A realistic mix: most items triaged, some negative, a few flagged.
                state=ItemState.DONE if rng.random() < 0.7 else ItemState.NEW,
                tone=Tone(
                    polarity=rng.uniform(-1, 1) if rng.random() < 0.5 else 0.0,
                    conflict=rng.random() < 0.03,
                ),
            )
        )
    return items


async def fill(store: Store, total: int, rng: random.Random) -> float:
    """Insert `total` items in pages; returns seconds spent in the store."""
    spent = 0.0
    for start in range(0, total, BATCH):
        page = make_items(start, min(BATCH, total - start), rng)
        began = time.perf_counter()
        await store.ingest("bench", page)
        spent += time.perf_counter() - began
    return spent


async def search_latencies(store: Store, queries: list[str], repeats: int) -> list[float]:
    context = QueryContext(now=datetime.now(UTC))
    timings = []
    for _ in range(repeats):
        for text in queries:
            compiled = to_sql(parse_query(text), context)
            began = time.perf_counter()
            await store.query_items(compiled, limit=50)
            timings.append((time.perf_counter() - began) * 1000)
    return timings


async def run(quick: bool) -> list[Row]:
    rng = random.Random(7)
    small, large = (20_000, 100_000) if quick else (100_000, 1_000_000)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "bench.db")
        await store.ensure_account(Account("bench", "mastodon", "https://social.example"))
        spent = await fill(store, small, rng)
        rows.append(Row(f"store: ingest {small:,} items", rate(small, spent), "items/s", "> 5000"))
        # The pragma answers with a row: close its cursor, or the statement stays in progress
        # and the next transaction cannot commit.
        async with store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"):
            pass
        size = (Path(folder) / "bench.db").stat().st_size
        rows.append(Row("store: database size per 100k items", size / small * 1e5 / 1e6, "MB"))

        await fill_more(store, small, large, rng)
        queries = [
            "quokka",
            "crash parser",
            '"memory leak"',
            "timeout -retry",
            "from:person42 release",
            "is:new tone:negative crash",
            "platform:mastodon thanks",
            "is:owed",
            "is:flagged from:person7",
            "tag:bug",
        ]
        timings = await search_latencies(store, queries, repeats=3 if quick else 10)
        label = f"store: search over {large:,} items"
        rows.append(Row(f"{label}, p50", percentile(timings, 0.5), "ms"))
        rows.append(Row(f"{label}, p95", percentile(timings, 0.95), "ms", "< 100"))
        await store.close()
    return rows


async def fill_more(store: Store, have: int, want: int, rng: random.Random) -> None:
    for start in range(have, want, BATCH):
        await store.ingest("bench", make_items(start, min(BATCH, want - start), rng))
