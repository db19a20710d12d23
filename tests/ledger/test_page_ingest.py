"""Synced pages that carry items and own posts together, in any order, across pages and again:
the rows the triggers keep while a page is stored (answers recomputed once per page, see
ledger_sql.answers_deferred) must equal a full recompute."""

from __future__ import annotations

import random

import pytest

from core.models import ContextPost, Item
from tests.ledger.history import History, at, incoming, own_post, person
from tests.ledger.test_known_history import snapshot

CONTACTS = [person(f"c{n}", f"@c{n}@fosstodon.org", f"C{n}") for n in range(4)]


def pages_of(rng: random.Random) -> list[tuple[list[Item], list[ContextPost]]]:
    """Items in a few threads and own posts answering them (by parent or later in the thread),
    spread over pages in a random order: a post may come in a page before, with or after its
    item. Times are distinct minutes and tones multiples of 1/8, so no sum depends on its order
    and no two answers tie."""
    minutes = rng.sample(range(0, 10 * 24 * 60), 80)
    items = [
        incoming(
            f"i{n}",
            rng.choice(CONTACTS),
            at(minutes=minutes[n]),
            thread=f"t{rng.randrange(5)}",
            polarity=rng.randrange(-8, 9) / 8,
        )
        for n in range(40)
    ]
    posts = []
    for n, item in enumerate(items):
        later = at(minutes=minutes[n] + 1 + rng.randrange(1, 3000) * 0.5)
        polarity = rng.randrange(-8, 9) / 8 if rng.random() < 0.8 else None
        roll = rng.random()
        if roll < 0.4:
            posts.append(own_post(f"o{n}", later, parent=item.remote_id, polarity=polarity))
        elif roll < 0.55:
            posts.append(own_post(f"o{n}", later, parent=item.thread_root_id, polarity=polarity))
    rng.shuffle(items)
    rng.shuffle(posts)
    pages: list[tuple[list[Item], list[ContextPost]]] = [([], []) for _ in range(6)]
    for each in items:
        pages[rng.randrange(len(pages))][0].append(each)
    for post in posts:
        pages[rng.randrange(len(pages))][1].append(post)
    return pages


@pytest.mark.parametrize("seed", range(6))
async def test_pages_of_items_and_own_posts_keep_the_ledger_exact(
    history: History, seed: int
) -> None:
    rng = random.Random(seed)
    pages = pages_of(rng)
    for items, posts in [*pages, pages[rng.randrange(len(pages))]]:  # one page seen twice
        await history.store.ingest("work", items, own_posts=posts)
    kept = await snapshot(history)
    assert kept["item_answers"]
    assert kept["own_tone_given"]
    await history.store.rebuild_ledger()
    assert await snapshot(history) == kept


async def test_own_posts_before_and_after_their_items_across_two_pages(history: History) -> None:
    ana, bo = CONTACTS[0], CONTACTS[1]
    first = incoming("a1", ana, at(hours=1), thread="a1", polarity=0.5)
    second = incoming("a2", ana, at(hours=2), thread="a1", parent="a1", polarity=-0.25)
    third = incoming("b1", bo, at(hours=3), thread="b1", polarity=0.125)
    early = own_post("o1", at(hours=4), parent="a2", polarity=0.75)  # before its item
    late = own_post("o2", at(hours=5), parent="b1", polarity=-0.5)  # after its item
    await history.store.ingest("work", [third], own_posts=[early])
    await history.store.ingest("work", [second, first], own_posts=[late])
    kept = await snapshot(history)
    answers = {row[0]: row[3:5] for row in kept["item_answers"]}
    ids = await history.store._all("SELECT remote_id, id FROM items")
    by_remote = {str(r[0]): int(r[1]) for r in ids}
    assert answers[by_remote["a2"]] == (at(hours=4).timestamp(), "platform")
    assert answers[by_remote["b1"]] == (at(hours=5).timestamp(), "platform")
    ledger = {row[0]: row for row in kept["contact_ledger"]}
    (ana_id,) = await history.store._one("SELECT author_id FROM items WHERE remote_id = 'a1'")
    # Received 2, answered 1 (o1 came before a2, so its thread is a2, not a1's), streak 0 (a1
    # is older than the answered a2), tone given by o1.
    received, answered, _, streak, polarity, given, given_count = ledger[ana_id][1:8]
    assert (received, answered, streak, polarity) == (2, 1, 0, 0.25)
    assert (given, given_count) == (0.75, 1)
    await history.store.rebuild_ledger()
    assert await snapshot(history) == kept
