"""Link suggestions: the evidence, the confidence, and what is never suggested."""

from __future__ import annotations

from datetime import UTC

import pytest

from core.ledger import Ledger
from core.ledger.links import handle_localpart, normalise_name, suggest
from core.models import Contact
from tests.ledger.history import History, at, incoming, person

MASTO = person(
    "1",
    "@maria@fosstodon.org",
    "María García",
    profile_url="https://fosstodon.org/@maria",
    links=["https://bsky.app/profile/maria.bsky.social (verified)", "https://maria.dev"],
)
SKY = person(
    "did:plc:maria",
    "@maria.bsky.social",
    "Maria Garcia 🌻",
    platform="bluesky",
    profile_url="https://bsky.app/profile/maria.bsky.social",
)
REDDIT = person("t2_m", "maria", platform="reddit", profile_url="https://www.reddit.com/user/maria")
HUB = person("42", "Maria", platform="github", profile_url="https://github.com/Maria")
# Same name and handle as MASTO, but on Mastodon too: never paired with it.
MASTO_TWIN = person("2", "@maria@mastodon.social", "María García")
# Only a one-word name in common: too little alone.
BOB_M = person("3", "@bob@fosstodon.org", "Bob")
BOB_S = person("did:plc:rob", "@robert.bsky.social", "Bob", platform="bluesky")
# A custom-domain Bluesky handle that a Mastodon profile links to.
DEV_SKY = person("did:plc:dev", "@jo.dev", "", platform="bluesky")
DEV_M = person("4", "@jay@hachyderm.io", "", links=["https://jo.dev/"])


async def stored(history: History, *contacts: Contact) -> dict[str, int]:
    items = [incoming(f"x{n}", c, at(minutes=n)) for n, c in enumerate(contacts)]
    await history.receive(*items)
    return {c.handle: await history.author_of(f"x{n}") for n, c in enumerate(contacts)}


def test_names_and_handles_are_normalised() -> None:
    assert normalise_name("  María   García 🌻 ") == "maria garcia"
    assert handle_localpart(MASTO) == "maria"
    assert handle_localpart(SKY) == "maria"
    assert handle_localpart(person("x", "u/Maria_G", platform="reddit")) == "mariag"
    assert handle_localpart(person("x", "ghost", platform="github")) == ""


async def test_suggestions_with_their_evidence_and_confidence(history: History) -> None:
    ids = await stored(history, MASTO, SKY, REDDIT, HUB, MASTO_TWIN, BOB_M, BOB_S, DEV_SKY, DEV_M)
    found = await Ledger(history.store, tz=UTC).suggest_links()
    by_pair = {(s.contact_a, s.contact_b): s for s in found}

    best = found[0]
    assert (best.contact_a, best.contact_b) == (
        ids["@maria@fosstodon.org"],
        ids["@maria.bsky.social"],
    )
    assert best.evidence == [
        "@maria@fosstodon.org links to @maria.bsky.social's profile "
        "(https://bsky.app/profile/maria.bsky.social), verified",
        'same display name "María García"',
        'same handle "maria" (@maria@fosstodon.org and @maria.bsky.social)',
    ]
    assert best.confidence == pytest.approx(1 - 0.05 * 0.45 * 0.55)

    reddit_hub = by_pair[(ids["maria"], ids["Maria"])]
    assert reddit_hub.evidence == ['same handle "maria" (maria and Maria)']
    assert reddit_hub.confidence == pytest.approx(0.45)

    custom_domain = by_pair[(ids["@jo.dev"], ids["@jay@hachyderm.io"])]
    assert custom_domain.evidence == [
        "@jay@hachyderm.io links to @jo.dev's profile (https://jo.dev/)"
    ]
    assert custom_domain.confidence == pytest.approx(0.8)

    # Never on the same platform; never on one weak clue (a one-word name).
    assert (ids["@maria@fosstodon.org"], ids["@maria@mastodon.social"]) not in by_pair
    assert (ids["@bob@fosstodon.org"], ids["@robert.bsky.social"]) not in by_pair
    # The Mastodon twin still pairs with the other platforms by name and handle.
    twin_sky = by_pair[(ids["@maria.bsky.social"], ids["@maria@mastodon.social"])]
    assert twin_sky.confidence == pytest.approx(1 - 0.45 * 0.55)
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)


async def test_linked_pairs_are_not_suggested_again_and_nothing_links_by_itself(
    history: History,
) -> None:
    ids = await stored(history, MASTO, SKY, REDDIT)
    ledger = Ledger(history.store, tz=UTC)
    before = await ledger.suggest_links()
    assert len(before) == 3
    contacts = await history.store.all_contacts()
    assert all(c.person_id is None for c in contacts)  # suggesting linked nothing

    await ledger.link(ids["@maria@fosstodon.org"], ids["@maria.bsky.social"])
    after = {(s.contact_a, s.contact_b) for s in await ledger.suggest_links()}
    assert (ids["@maria@fosstodon.org"], ids["@maria.bsky.social"]) not in after
    assert len(after) == 2


def test_a_very_common_name_is_no_evidence() -> None:
    crowd = [
        Contact(
            platform=("mastodon", "bluesky")[n % 2],
            remote_id=str(n),
            handle=f"@someone{n}",
            display_name="Alex Smith",
            id=n + 1,
        )
        for n in range(60)
    ]
    assert suggest(crowd) == []
    assert len(suggest(crowd[:2])) == 1
