"""A synced page does the ledger's row work set-based (core.store.ledger_pages, migration 9): a
page's items are counted, answered and given their tone in a statement each, and a group of
pages' own posts give their answers once per item at the end of the group. The rows must be
exactly those the row triggers keep when each page is stored alone: floats to the last bit
(running sums depend on their order), ties between answers at the same second, rowids."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.models import Account, ContextPost, Item
from core.store import ledger_pages, ledger_sql
from core.store.page_sql import PageWrite
from core.store.repository import Store
from core.timeutil import to_epoch
from tests.ledger.history import History, StoreClock, at, incoming, own_post, person

CONTACTS = [person(f"c{n}", f"@c{n}@fosstodon.org", f"C{n}") for n in range(6)]

# Every ledger table and what it is computed from, whole, rowids included.
TABLES = {
    "contact_ledger": "SELECT rowid, * FROM contact_ledger ORDER BY rowid",
    "item_answers": "SELECT rowid, * FROM item_answers ORDER BY rowid",
    "own_tone_given": "SELECT rowid, * FROM own_tone_given ORDER BY rowid",
    "tone_given": "SELECT rowid, * FROM tone_given ORDER BY rowid",
    "own_posts": "SELECT rowid, * FROM own_posts ORDER BY rowid",
    "items": "SELECT id, remote_id, author_id, created_at, polarity, thread_root_id, deleted_at "
    "FROM items ORDER BY id",
}


# How own posts went in before migration 9: one statement per post, each finding its thread.
_OWN_POST_ROW = (
    "INSERT INTO own_posts(account_id, remote_id, parent_id, thread_root_id, created_at, "
    "polarity) VALUES (?1, ?2, ?3, CASE WHEN ?3 = '' THEN '' ELSE coalesce("
    "(SELECT thread_root_id FROM items WHERE account_id = ?1 AND remote_id = ?3 "
    "AND thread_root_id != ''), "
    "(SELECT item_root_id FROM context_posts WHERE account_id = ?1 AND remote_id = ?3), "
    "(SELECT thread_root_id FROM own_posts WHERE account_id = ?1 AND remote_id = ?3 "
    "AND thread_root_id != ''), ?3) END, ?4, ?5) "
    "ON CONFLICT(account_id, remote_id) DO UPDATE SET polarity = excluded.polarity "
    "WHERE own_posts.polarity IS NULL AND excluded.polarity IS NOT NULL"
)


def own_posts_row_by_row(db: Any, account_id: int, posts: list[ContextPost]) -> None:
    unique = sorted({p.remote_id: p for p in posts}.values(), key=lambda p: p.created_at)
    db.executemany(
        _OWN_POST_ROW,
        [
            (account_id, p.remote_id, p.parent_id, to_epoch(p.created_at), p.polarity)
            for p in unique
        ],
    )


@contextmanager
def row_triggers() -> Iterator[None]:
    """Page ingest as before migration 9: own posts go in one statement each, and the row
    triggers do the ledger's work (the full-text index is still filled per page); nothing is
    done set-based."""
    original = ledger_pages.triggers_off

    @contextmanager
    def fts_only(db: Any, *flags: str) -> Iterator[None]:
        kept = [flag for flag in flags if flag != "ledger_batched"]
        if not kept:
            yield
            return
        with original(db, *kept):
            yield

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ledger_pages, "triggers_off", fts_only)
        patch.setattr(ledger_pages, "items_added", lambda db, after, last: None)
        patch.setattr(ledger_pages, "answer_with_own_posts", lambda db, since: None)
        patch.setattr(ledger_sql, "insert_own_posts", own_posts_row_by_row)
        yield


async def open_store(path: Path) -> Store:
    store = await Store.open(path)
    await store.ensure_account(Account("work", "mastodon", "https://mastodon.example"))
    return store


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    batched, by_rows = await open_store(tmp_path / "a.db"), await open_store(tmp_path / "b.db")
    yield batched, by_rows
    await batched.close()
    await by_rows.close()


def pages_of(rng: random.Random) -> list[PageWrite]:
    """Items in a few threads (one no own post answers, and none) and own posts answering them
    (by parent, several the same few items, in the thread, replying to thread context or to
    another own post), over pages in a random order. Own posts share a few minutes, so answers
    tie; tones are any floats, so sums depend on their order."""
    minutes = [rng.randrange(0, 40) for _ in range(60)]
    items = [
        incoming(
            f"i{n}",
            rng.choice(CONTACTS),
            at(minutes=minutes[n]),
            thread=rng.choice(["t0", "t1", "t2", "t3", "quiet", ""]),
            polarity=rng.uniform(-1, 1),
        )
        for n in range(60)
    ]
    posts: list[ContextPost] = []
    for n in range(45):
        parent = rng.choice(
            [rng.choice(items[:12]).remote_id, f"t{rng.randrange(4)}", "", "elsewhere"]
            + [f"ctx{rng.randrange(3)}"]  # thread context (see replay)
            + ([rng.choice(posts).remote_id] if posts else [])
        )
        polarity = rng.uniform(-1, 1) if rng.random() < 0.8 else None
        minute = rng.choice([5, 15, 25, 35, 45])  # many posts at one time: answers tie
        posts.append(own_post(f"o{n}", at(minutes=minute), parent, polarity))
    rng.shuffle(items)
    rng.shuffle(posts)
    # Some pages without own posts: their items count for contacts whose answers stay put.
    pages: list[tuple[list[Item], list[ContextPost]]] = [([], []) for _ in range(10)]
    for each in items:
        pages[rng.randrange(len(pages))][0].append(each)
    for post in posts:
        pages[rng.randrange(len(pages) // 2)][1].append(post)
    for n, (_, page_posts) in enumerate(pages):
        if page_posts:  # a reply to a post of the same page, later: its thread is that post's
            first = rng.choice(page_posts)
            minute = (first.created_at - at()).total_seconds() / 60 + 1
            page_posts.append(own_post(f"f{n}", at(minutes=minute), first.remote_id, 0.5))
    rng.shuffle(pages)
    return [PageWrite(items, own_posts=posts) for items, posts in pages]


async def rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {name: [tuple(r) for r in await store._all(sql)] for name, sql in TABLES.items()}


async def replay(
    store: Store,
    groups: list[list[PageWrite]],
    rng: random.Random,
    clock: StoreClock,
    *,
    page_by_page: bool = False,
) -> None:
    """The groups in order, each in one transaction (or each page in its own); after each, a
    reply sent from Rapport (and its copy seen on the platform) or an item deleted (seen again
    in a later page: undeleted)."""
    history = History(store, clock)
    for number, group in enumerate(groups):
        for pages in [[page] for page in group] if page_by_page else [group]:
            await store.ingest_pages("work", pages)
        stored = await store._all("SELECT id, remote_id FROM items ORDER BY id")
        history.ids.update({str(r[1]): int(r[0]) for r in stored})
        if not stored:
            continue
        pick = sorted(history.ids)[rng.randrange(len(history.ids))]
        if number % 3 == 0:
            await history.reply_from_rapport(pick, at(minutes=rng.randrange(0, 45)))
            copy = own_post(f"r-{history.ids[pick]}", at(minutes=50), pick, rng.uniform(-1, 1))
            await store.save_own_posts("work", [copy])
        elif number % 3 == 1:
            clock.set(at(days=1))
            await store.mark_deleted("work", pick)
        else:
            root = rng.choice(["t0", "t1", ""])
            await store.save_context("work", root, context(groups, number, rng))


def context(groups: list[list[PageWrite]], number: int, rng: random.Random) -> list[ContextPost]:
    """Thread context: others' posts that own posts reply to (one of them an item), and own
    posts of later pages seen here first, without a tone (a later page scores them)."""
    later = [post for group in groups[number + 1 :] for page in group for post in page.own_posts]
    mine = [replace(post, is_own=True, polarity=None) for post in later[:3]]
    theirs = [
        ContextPost(f"ctx{n}", CONTACTS[n], "context", at(minutes=n), parent_id=f"t{n}")
        for n in range(rng.randrange(4))
    ]
    # An item seen as context too (a stored item's thread comes first).
    theirs.append(ContextPost(f"i{rng.randrange(12)}", CONTACTS[0], "context", at()))
    return theirs + mine


def grouped(pages: list[PageWrite], rng: random.Random) -> list[list[PageWrite]]:
    """Consecutive pages in groups of one to four, as the sync engine commits them; one page
    seen again."""
    pages = [*pages, pages[rng.randrange(len(pages))]]
    groups = []
    while pages:
        size = rng.randrange(1, 5)
        groups.append(pages[:size])
        pages = pages[size:]
    return groups


@pytest.mark.parametrize("seed", range(40))
async def test_pages_stored_set_based_keep_the_row_triggers_rows_exactly(
    stores: tuple[Store, Store], monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    batched, by_rows = stores
    groups = grouped(pages_of(random.Random(seed)), random.Random(seed))
    await replay(batched, groups, random.Random(seed), StoreClock(monkeypatch))
    with row_triggers():
        # Each page alone, as before: the triggers answer at each own post and each item.
        await replay(
            by_rows, groups, random.Random(seed), StoreClock(monkeypatch), page_by_page=True
        )
    kept = await rows(by_rows)
    assert {r[5] for r in kept["item_answers"]} >= {"platform", "thread"}
    assert kept["own_tone_given"]
    assert kept["tone_given"]
    assert await rows(batched) == kept
