"""Random histories, built in random orders: the rows the triggers keep must equal both a full
recompute and an independent Python reading of the definitions in core.ledger.

Tone given counts replies sent from Rapport and own posts seen on the platform with a tone,
replying to a stored item (seen before or after it), once each: an own post that is the
platform's copy of a sent reply (seen before or after the reply was marked sent) counts as the
reply."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, timedelta

import pytest

from core.ledger import Ledger
from core.models import ContextPost, Item
from core.store.repository import Store
from tests.ledger.history import History, at, incoming, own_post, person
from tests.ledger.test_known_history import snapshot

CONTACTS = [person(f"c{n}", f"@c{n}@fosstodon.org", f"C{n}") for n in range(5)]


def tone(rng: random.Random) -> float | None:
    """An own post's tone as a sync scores it; None for one stored without (thread context)."""
    return None if rng.random() < 0.2 else round(rng.uniform(-1, 1), 4)


async def random_history(history: History, rng: random.Random) -> None:
    """Items in a few threads, answered by replies and own posts (some seen before their item,
    most with a tone), some deleted and undeleted, some re-scored; some replies sent from
    Rapport are seen again on the platform, before or after they were marked sent."""
    items = [
        incoming(
            f"i{n}",
            rng.choice(CONTACTS),
            at(minutes=rng.randrange(0, 20 * 24 * 60)),
            thread=f"t{rng.randrange(8)}",
            polarity=rng.uniform(-1, 1),
        )
        for n in range(60)
    ]
    posts = []
    for n, item in enumerate(items):
        roll = rng.random()
        later = item.created_at + timedelta(minutes=rng.randrange(1, 3000))
        if roll < 0.25:
            posts.append(own_post(f"o{n}", later, parent=item.remote_id, polarity=tone(rng)))
        elif roll < 0.35:
            posts.append(own_post(f"o{n}", later, parent=item.thread_root_id, polarity=tone(rng)))
    early = posts[: len(posts) // 3]
    await history.own_posts(*early)  # seen before their items
    rng.shuffle(items)
    for start in range(0, len(items), 7):
        await history.receive(*items[start : start + 7])
    await history.own_posts(*posts[len(posts) // 3 :])
    replied = rng.sample(items, 15)
    # The platform's copies of two replies are seen before the replies are marked sent (an
    # answer lost on the way, the reply found on the platform), of three others after.
    early_copies, late_copies = replied[:2], replied[2:5]
    await history.own_posts(*(copy_of(history, item, rng) for item in early_copies))
    for item in replied:
        sent = item.created_at + timedelta(minutes=rng.randrange(1, 5000))
        await history.reply_from_rapport(item.remote_id, sent, polarity=rng.uniform(-1, 1))
    await history.own_posts(*(copy_of(history, item, rng) for item in late_copies))
    # Seen again, scored this time: a post stored without a tone gets one and counts.
    unscored = [p for p in posts if p.polarity is None][:3]
    for post in unscored:
        post.polarity = round(rng.uniform(-1, 1), 4)
    await history.own_posts(*unscored)
    for item in rng.sample(items, 6):
        history.clock.set(at(days=30))
        await history.store.mark_deleted("work", item.remote_id)
    for item in rng.sample(items, 2):
        await history.receive(item)  # unchanged: nothing happens
    async with history.store.transaction():
        await history.store.conn.execute(
            "UPDATE items SET polarity = polarity / 2 WHERE id % 5 = 0"
        )


def copy_of(history: History, item: Item, rng: random.Random) -> ContextPost:
    """The platform's copy of the reply Rapport sends to `item` (History sends it as r-<id>)."""
    later = item.created_at + timedelta(minutes=rng.randrange(1, 5000))
    remote_id = f"r-{history.ids[item.remote_id]}"
    return own_post(remote_id, later, parent=item.remote_id, polarity=tone(rng))


@dataclass
class Expected:
    received: int
    answered: int
    streak: int
    median: float | None
    p90: float | None
    polarity_sum: float
    given_sum: float = 0.0
    given_count: int = 0


async def expected_by_hand(store: Store) -> dict[int, Expected]:
    items = await store._all(
        "SELECT id, account_id, remote_id, author_id, created_at, thread_root_id, deleted_at, "
        "polarity FROM items"
    )
    own = await store._all(
        "SELECT account_id, remote_id, parent_id, thread_root_id, created_at, polarity "
        "FROM own_posts"
    )
    sent_replies = await store._all(
        "SELECT replies.account_id, replies.remote_id, items.author_id, "
        "json_extract(replies.tone, '$.polarity') FROM replies "
        "JOIN items ON items.id = replies.item_id WHERE replies.state = 'sent'"
    )
    given: dict[int, list[float]] = {}
    for _, _, author, polarity in sent_replies:
        given.setdefault(author, []).append(float(polarity))
    sent_ids = {(r[0], r[1]) for r in sent_replies}
    item_authors = {(i["account_id"], i["remote_id"]): i["author_id"] for i in items}
    for post in own:
        author = item_authors.get((post["account_id"], post["parent_id"]))
        copy = (post["account_id"], post["remote_id"]) in sent_ids
        if post["polarity"] is not None and author is not None and not copy:
            given.setdefault(author, []).append(float(post["polarity"]))
    sent = {
        int(r[0]): min(float(x) for x in str(r[1]).split(","))
        for r in await store._all(
            "SELECT item_id, group_concat(sent_at) FROM replies WHERE state = 'sent' "
            "GROUP BY item_id"
        )
    }
    first: dict[int, float] = {}
    for item in items:
        times = [sent[item["id"]]] if item["id"] in sent else []
        for post in own:
            if post["account_id"] != item["account_id"]:
                continue
            if post["parent_id"] == item["remote_id"] or (
                item["thread_root_id"]
                and post["thread_root_id"] == item["thread_root_id"]
                and post["created_at"] > item["created_at"]
            ):
                times.append(post["created_at"])
        if times:
            first[item["id"]] = min(times)
    found: dict[int, Expected] = {}
    for author in {item["author_id"] for item in items}:
        mine = [i for i in items if i["author_id"] == author]
        delays = sorted(
            max(0.0, first[i["id"]] - i["created_at"]) for i in mine if i["id"] in first
        )
        answered_times = [i["created_at"] for i in mine if i["id"] in first]
        mark = max(answered_times) if answered_times else -math.inf
        streak = sum(
            1
            for i in mine
            if i["created_at"] > mark and i["deleted_at"] is None and i["id"] not in first
        )
        found[author] = Expected(
            received=len(mine),
            answered=len(delays),
            streak=streak,
            median=statistics.median(delays) if delays else None,
            p90=delays[math.ceil(0.9 * len(delays)) - 1] if delays else None,
            polarity_sum=sum(i["polarity"] for i in mine),
            given_sum=sum(given.get(author, [])),
            given_count=len(given.get(author, [])),
        )
    return found


@pytest.mark.parametrize("seed", range(6))
async def test_triggers_recompute_and_hand_reading_agree(history: History, seed: int) -> None:
    await random_history(history, random.Random(seed))
    incremental = await snapshot(history)
    ledger = Ledger(history.store, now=at(days=40), tz=UTC)
    await ledger.rebuild()
    assert await snapshot(history) == incremental
    expected = await expected_by_hand(history.store)
    summaries = {s.contact_id: s for s in await ledger.contacts()}
    assert set(summaries) == set(expected)
    for contact_id, want in expected.items():
        got = summaries[contact_id]
        assert (got.received, got.answered, got.streak) == (
            want.received,
            want.answered,
            want.streak,
        )
        got_median = got.median_reply.total_seconds() if got.median_reply else None
        got_p90 = got.p90_reply.total_seconds() if got.p90_reply else None
        assert got_median == pytest.approx(want.median)
        assert got_p90 == pytest.approx(want.p90)
        assert got.tone_received == pytest.approx(want.polarity_sum / want.received)
        if want.given_count:
            assert got.tone_given == pytest.approx(want.given_sum / want.given_count)
        else:
            assert got.tone_given is None
    # The history gives platform replies a tone: the test is not vacuous.
    counted = await history.store._all("SELECT count(*) FROM own_tone_given")
    assert counted[0][0] > 3


@pytest.mark.parametrize("seed", range(3))
async def test_tone_given_counts_rapport_and_platform_replies_once(
    history: History, seed: int
) -> None:
    await random_history(history, random.Random(100 + seed))
    expected = await expected_by_hand(history.store)
    rows = {
        r[0]: (r[1], r[2])
        for r in await history.store._all(
            "SELECT contact_id, given_sum, given_count FROM contact_ledger"
        )
    }
    for contact_id, want in expected.items():
        got_sum, got_count = rows[contact_id]
        assert got_count == want.given_count
        assert got_sum == pytest.approx(want.given_sum)
    # The copies of sent replies never count as platform replies.
    copies = await history.store._all(
        "SELECT count(*) FROM own_tone_given g JOIN replies r "
        "ON r.account_id = g.account_id AND r.remote_id = g.remote_id"
    )
    assert copies[0][0] == 0
