"""A generated history whose answers were worked out by hand (see core.ledger for the rules).

Maria (Mastodon, account "work"), nine messages; "now" is T0 + 9 days:

    m1  T0         answered by her own-post reply 1 h later, stored BEFORE the first sync
    m2  T0 + 1 d   answered from Rapport 2 h later
    m3  T0 + 2 d   answered by an own post seen on the platform 30 min later
    m4  T0 + 3 d   marked done, never answered
    m5  T0 + 4 d   answered (weaker) by an own post later in its thread, 90 min later
    m6  T0 + 5 d   deleted on the platform, never answered
    m7  T0 + 6 d   waiting
    m8  T0 + 7 d   waiting; Maria changed her handle before writing it
    m9  T0 + 9 d - 1 h  waiting (younger than the 4 h target)

    answered 4 of 9; reply times 30, 60, 90, 120 min -> median 75 min, p90 (rank 4) 120 min;
    streak: m7, m8, m9 (m6 is deleted) = 3; owed: m7 (3 days), m8 (2 days).

Bob (Bluesky, account "sky"): b1 at T0 + 8 d answered from Rapport 10 min later; b2 at
T0 + 8 d + 1 h waiting (owed, 23 h).
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from core.ledger import FlagKind, Ledger
from core.models import ContextPost, ItemState
from tests.ledger.history import (
    DAY,
    HOUR,
    ME,
    History,
    at,
    incoming,
    own_post,
    person,
)

NOW = at(days=9)
MARIA = person("109-maria", "@maria@fosstodon.org", "Maria")
MARIA_RENAMED = person("109-maria", "@maria_g@fosstodon.org", "Maria")
BOB = person("did:plc:bob", "@bob.bsky.social", "Bob", platform="bluesky")


async def build(history: History) -> None:
    # m1's answer is on the platform before Rapport ever synced: the own post comes first.
    await history.own_posts(own_post("own-1", at(hours=1), parent="m1"))
    await history.receive(
        incoming("m1", MARIA, at()),
        incoming("m2", MARIA, at(days=1)),
        incoming("m3", MARIA, at(days=2)),
        incoming("m4", MARIA, at(days=3)),
        incoming("m5", MARIA, at(days=4), thread="t5", parent="t5"),
        incoming("m6", MARIA, at(days=5)),
        incoming("m7", MARIA, at(days=6)),
    )
    await history.reply_from_rapport("m2", at(days=1, hours=2))
    await history.own_posts(
        own_post("own-3", at(days=2, minutes=30), parent="m3"),
        # Replies to the thread's opening post, not to m5, but later in m5's thread.
        own_post("own-5", at(days=4, minutes=90), parent="t5"),
    )
    await history.store.set_state([history.ids["m4"]], ItemState.DONE)
    history.clock.set(at(days=5, hours=2))
    assert await history.store.mark_deleted("work", "m6")
    await history.receive(
        incoming("m8", MARIA_RENAMED, at(days=7)),
        incoming("m9", MARIA_RENAMED, NOW - HOUR),
        incoming("b1", BOB, at(days=8), account="sky"),
        incoming("b2", BOB, at(days=8, hours=1), account="sky"),
    )
    await history.reply_from_rapport("b1", at(days=8, minutes=10), account="sky")


@pytest.fixture
async def built(history: History) -> History:
    await build(history)
    return history


def ledger_for(history: History) -> Ledger:
    return Ledger(history.store, target_response=timedelta(hours=4), now=NOW, tz=UTC)


async def test_reply_rate_reply_times_and_streak_are_exact(built: History) -> None:
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    assert (maria.received, maria.answered, maria.unanswered) == (9, 4, 5)
    assert maria.reply_rate == pytest.approx(4 / 9)
    assert maria.median_reply == timedelta(minutes=75)
    assert maria.p90_reply == timedelta(minutes=120)
    assert maria.streak == 3
    assert maria.waiting == 3  # m7, m8, m9: m4 is done, m6 deleted
    assert maria.owed == 2
    assert maria.oldest_owed_wait == 3 * DAY
    assert maria.last_received == NOW - HOUR
    assert maria.last_answered == at(days=4, minutes=90)
    assert maria.sentence == "9th message, 5 unanswered, you usually reply in 75 min"


async def test_each_kind_of_answer_is_seen_with_its_time(built: History) -> None:
    expected = {
        "m1": (at(hours=1), "platform"),  # own post stored before the first sync
        "m2": (at(days=1, hours=2), "rapport"),
        "m3": (at(days=2, minutes=30), "platform"),
        "m5": (at(days=4, minutes=90), "thread"),
        "b1": (at(days=8, minutes=10), "rapport"),
    }
    for remote_id, (when, via) in expected.items():
        answer = await built.store.item_answer(built.ids[remote_id])
        assert answer == (when.timestamp(), via), remote_id
    for remote_id in ("m4", "m6", "m7", "m8", "m9", "b2"):
        assert await built.store.item_answer(built.ids[remote_id]) is None, remote_id


async def test_owed_queue_oldest_first_without_done_deleted_or_young_items(
    built: History,
) -> None:
    owed = await ledger_for(built).owed()
    assert [o.item_id for o in owed] == [built.ids[r] for r in ("m7", "m8", "b2")]
    assert [o.waited for o in owed] == [3 * DAY, 2 * DAY, 23 * HOUR]
    # Maria's habit is known (4 answers, p90 2 h) and exceeded; Bob's is not known yet.
    assert owed[0].sentence == "9 times in 10 you answer Maria within 2 h; this has waited 3 days."
    assert owed[2].sentence == "Bob mentioned you 23 h ago; your target is 4 h."


async def test_a_changed_handle_is_still_one_contact(built: History) -> None:
    assert await built.author_of("m1") == await built.author_of("m8")
    maria = await ledger_for(built).contact_summary(await built.author_of("m8"))
    assert maria.handle == "@maria_g@fosstodon.org"
    assert maria.received == 9
    everyone = await ledger_for(built).contacts()
    assert sorted(s.name for s in everyone) == ["Bob", "Maria"]


async def test_usually_means_the_median_in_every_sentence(built: History) -> None:
    """One meaning for "usually" (the median: 75 min for Maria); the p90 (2 h) is said as
    what it is, "9 times in 10"."""
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    assert maria.sentence.endswith("you usually reply in 75 min")
    said = [f.sentence for f in maria.flags] + [o.sentence for o in await ledger_for(built).owed()]
    assert all("usually" not in sentence for sentence in said)
    assert any("9 times in 10 you answer Maria within 2 h" in sentence for sentence in said)


async def test_flags_are_worded_for_people(built: History) -> None:
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    assert [(f.kind, f.sentence) for f in maria.flags] == [
        (FlagKind.WAITING, "9 times in 10 you answer Maria within 2 h; this has waited 3 days."),
        (
            FlagKind.OWED,
            "Maria is owed 2 replies; the oldest has waited 3 days (your target is 4 h).",
        ),
        (FlagKind.NEGLECTED, "Maria has written 3 times in a row without an answer."),
    ]
    bob = await ledger_for(built).contact_summary(await built.author_of("b1"))
    assert [f.sentence for f in bob.flags] == [
        "Bob has waited 23 h for a reply (your target is 4 h)."
    ]
    assert bob.sentence == "2nd message, 1 unanswered, your one reply took 10 min"


async def test_answering_updates_the_ledger_at_once(built: History) -> None:
    ledger = ledger_for(built)
    maria_id = await built.author_of("m1")
    await built.reply_from_rapport("m9", NOW)
    maria = await ledger.contact_summary(maria_id)
    # m9 answered after 1 h: the streak is broken (m7, m8 are older than it).
    assert (maria.answered, maria.streak) == (5, 0)
    # 30, 60, 60, 90, 120 min
    assert maria.median_reply == timedelta(minutes=60)
    assert [o.item_id for o in await ledger.owed()][:2] == [built.ids["m7"], built.ids["m8"]]


async def test_an_earlier_answer_found_later_replaces_the_first_one(built: History) -> None:
    # The user had answered m2 on the platform 5 minutes in, before the Rapport reply.
    await built.own_posts(own_post("own-2", at(days=1, minutes=5), parent="m2"))
    assert await built.store.item_answer(built.ids["m2"]) == (
        at(days=1, minutes=5).timestamp(),
        "platform",
    )
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    # 5, 30, 60, 90 min
    assert maria.median_reply == timedelta(minutes=45)
    assert maria.p90_reply == timedelta(minutes=90)


async def test_an_own_post_in_fetched_thread_context_answers_its_parent(
    built: History,
) -> None:
    context = [
        ContextPost("m7", MARIA, "question", at(days=6)),
        ContextPost("own-7", ME, "answer", at(days=6, hours=6), parent_id="m7", is_own=True),
    ]
    await built.store.save_context("work", "m7", context)
    assert await built.store.item_answer(built.ids["m7"]) == (
        at(days=6, hours=6).timestamp(),
        "platform",
    )
    owed = await ledger_for(built).owed()
    assert built.ids["m7"] not in [o.item_id for o in owed]


async def test_undeleting_and_deleting_moves_the_streak(built: History) -> None:
    ledger = ledger_for(built)
    maria_id = await built.author_of("m1")
    await built.store.mark_deleted("work", "m8")
    maria = await ledger.contact_summary(maria_id)
    assert (maria.streak, maria.owed, maria.received) == (2, 1, 9)


async def test_the_incremental_rows_equal_a_full_recompute(built: History) -> None:
    await built.own_posts(own_post("own-late", at(days=8, hours=2), parent="t5"))
    await built.store.mark_deleted("work", "m9")
    before = await snapshot(built)
    await ledger_for(built).rebuild()
    assert await snapshot(built) == before


async def snapshot(history: History) -> dict[str, list[tuple[object, ...]]]:
    tables = {
        "contact_ledger": "SELECT * FROM contact_ledger ORDER BY contact_id",
        "item_answers": "SELECT * FROM item_answers ORDER BY item_id",
        "tone_given": "SELECT * FROM tone_given ORDER BY reply_id",
        "own_tone_given": "SELECT * FROM own_tone_given ORDER BY account_id, remote_id",
    }
    # Sums of floats added in another order differ in the last bits: compare to 9 places.
    return {
        name: [
            tuple(round(v, 9) if isinstance(v, float) else v for v in row)
            for row in await history.store._all(sql)
        ]
        for name, sql in tables.items()
    }


async def test_a_store_from_before_the_ledger_is_computed_on_first_read(
    built: History,
) -> None:
    expected = await snapshot(built)
    async with built.store.transaction():
        await built.store.conn.execute("DELETE FROM contact_ledger")
        await built.store.conn.execute("UPDATE ledger_state SET needs_rebuild = 1")
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    assert (maria.received, maria.answered, maria.streak) == (9, 4, 3)
    assert await snapshot(built) == expected


async def test_removing_an_account_recomputes_its_contacts(built: History) -> None:
    bob_id = await built.author_of("b1")
    await built.store.delete_account("sky")
    bob = await ledger_for(built).contact_summary(bob_id)
    assert (bob.received, bob.answered, bob.sentence) == (0, 0, "No messages yet")
    assert [s.name for s in await ledger_for(built).contacts()] == ["Maria"]


async def test_contacts_sort_orders(built: History) -> None:
    ledger = ledger_for(built)
    assert [s.name for s in await ledger.contacts("neglected")] == ["Maria", "Bob"]
    assert [s.name for s in await ledger.contacts("recent")] == ["Maria", "Bob"]
    assert [s.name for s in await ledger.contacts("volume", limit=1)] == ["Maria"]
    with pytest.raises(ValueError, match="sort must be one of"):
        await ledger.contacts("loudest")


async def test_a_missing_contact_is_a_key_error(built: History) -> None:
    with pytest.raises(KeyError):
        await ledger_for(built).contact_summary(9999)


async def test_summary_json_shape(built: History) -> None:
    maria = await ledger_for(built).contact_summary(await built.author_of("m1"))
    data = maria.to_json()
    assert data["median_reply_seconds"] == 75 * 60
    assert data["p90_reply_seconds"] == 120 * 60
    assert data["reply_rate"] == pytest.approx(0.4444, abs=1e-4)
    assert data["flags"][0] == {
        "kind": "waiting",
        "sentence": "9 times in 10 you answer Maria within 2 h; this has waited 3 days.",
    }
    assert data["last_received"] == "2026-11-11T08:00:00Z"
