"""Linking contacts into persons, the per-person roll-up, and unlinking."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from core.ledger import Ledger
from tests.ledger.history import HOUR, History, at, incoming, person
from tests.ledger.test_known_history import NOW, build

MARIA_SKY = person("did:plc:maria", "@maria.bsky.social", "Maria García", platform="bluesky")


@pytest.fixture
async def linked(history: History) -> tuple[History, Ledger, int, int, int]:
    """Maria's history (see test_known_history) plus her Bluesky account: s1 at T0 + 8 d
    answered 4 h later, s2 at T0 + 8 d + 2 h waiting."""
    await build(history)
    await history.receive(
        incoming("s1", MARIA_SKY, at(days=8), account="sky"),
        incoming("s2", MARIA_SKY, at(days=8, hours=2), account="sky"),
    )
    await history.reply_from_rapport("s1", at(days=8, hours=4), account="sky")
    ledger = Ledger(history.store, now=NOW, tz=UTC)
    masto, sky = await history.author_of("m1"), await history.author_of("s1")
    person_id = await ledger.link(masto, sky)
    return history, ledger, masto, sky, person_id


async def test_a_person_rolls_up_their_contacts(
    linked: tuple[History, Ledger, int, int, int],
) -> None:
    _history, ledger, masto, sky, person_id = linked
    maria = await ledger.person_summary(person_id)
    assert maria.kind == "person"
    assert maria.name == "Maria"  # named after the first contact's display name
    assert sorted(maria.contact_ids) == sorted([masto, sky])
    assert maria.platforms == ["bluesky", "mastodon"]
    assert (maria.received, maria.answered, maria.unanswered) == (11, 5, 6)
    # 30, 60, 90, 120, 240 min
    assert maria.median_reply == timedelta(minutes=90)
    assert maria.p90_reply == timedelta(minutes=240)
    # Newest answered item is s1 (T0 + 8 d): after it, s2 and m9 are unanswered.
    assert maria.streak == 2
    assert maria.owed == 3  # m7, m8, s2 (waited 22 h)
    assert maria.last_received == NOW - HOUR


async def test_contacts_of_a_person_by_name_and_their_link_in_each_summary(
    linked: tuple[History, Ledger, int, int, int],
) -> None:
    _, ledger, masto, sky, person_id = linked
    mine = await ledger.contacts(person="maria")
    assert sorted(s.contact_id for s in mine if s.contact_id) == sorted([masto, sky])
    assert {s.person_name for s in mine} == {"Maria"}
    assert {s.person_id for s in mine} == {person_id}
    with pytest.raises(KeyError, match="no person named 'nobody'"):
        await ledger.contacts(person="nobody")


async def test_linking_extends_and_merges_persons(
    linked: tuple[History, Ledger, int, int, int],
) -> None:
    history, ledger, masto, sky, person_id = linked
    bob = await history.author_of("b1")
    assert await ledger.link(bob, sky) == person_id  # joins Maria's person
    # Bob taken out, then linked with a fresh contact: a second person, merged into the first.
    await ledger.unlink(bob)
    await history.receive(incoming("g1", person("77", "maria", platform="github"), at(days=1)))
    gh = await history.author_of("g1")
    second = await ledger.link(gh, bob)
    assert second != person_id
    assert await ledger.link(masto, gh) == person_id
    assert sorted(await history.store.person_contact_ids(person_id)) == sorted(
        [masto, sky, gh, bob]
    )
    assert await history.store.person_name(second) is None


async def test_unlinking_the_last_contact_removes_the_person(
    linked: tuple[History, Ledger, int, int, int],
) -> None:
    history, ledger, masto, sky, person_id = linked
    await ledger.unlink(sky)
    assert await history.store.person_contact_ids(person_id) == [masto]
    masto_summary = await ledger.contact_summary(masto)
    assert masto_summary.person_name == "Maria"
    await ledger.unlink(masto)
    assert await history.store.person_name(person_id) is None
    assert (await ledger.contact_summary(masto)).person_id is None


async def test_a_contact_cannot_be_linked_to_itself_or_to_nothing(
    linked: tuple[History, Ledger, int, int, int],
) -> None:
    _, ledger, masto, _, _ = linked
    with pytest.raises(ValueError, match="itself"):
        await ledger.link(masto, masto)
    with pytest.raises(KeyError):
        await ledger.link(masto, 4040)
