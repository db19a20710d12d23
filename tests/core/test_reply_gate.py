"""The reply gate (`rapport reply`, and the app's composer through the same queue_reply) knows
the user's usual tone with the person: a curt draft to someone the user always writes to warmly
reads "colder than usual" (and is refused), once there are three replies to go by; the same
draft to someone new, or to someone answered only twice, does not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from core.analysis import ToneAnalyzer
from core.cli.main import run
from core.models import Account, Contact, Item, ItemKind, ReplyState, Tone
from core.outbox import draft_context, queue_reply
from core.store.repository import Store
from core.workspace import Workspace

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CURT = "Stop asking about this."
COLDER = "colder than usual"


def contact(key: str, name: str, platform: str = "mastodon") -> Contact:
    return Contact(platform, key, f"@{key}@x.example", name)


MARIA = contact("maria", "Maria López")
MARIA_SKY = contact("maria.sky", "maria", "bluesky")
KEN = contact("ken", "Ken Adams")
NIA = contact("nia", "Nia New")


def message(n: int, author: Contact, account: str = "work") -> Item:
    return Item(
        account=account,
        platform=author.platform,
        remote_id=f"m-{n}",
        kind=ItemKind.MENTION,
        author=author,
        text=f"Question {n}: could you look at the parser?",
        created_at=T0 + timedelta(hours=n),
    )


@pytest.fixture(scope="module")
def analyzer() -> ToneAnalyzer:
    return ToneAnalyzer()


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    workspace = Workspace.load()
    workspace.paths.ensure()
    opened = await Store.open(workspace.paths.database)
    await opened.ensure_account(Account("work", "mastodon", "https://x.example"))
    await opened.ensure_account(Account("sky", "bluesky", "https://bsky.example"))
    yield opened
    await opened.close()


async def receive(store: Store, *items: Item) -> list[int]:
    ids = []
    for item in items:
        await store.ingest(item.account, [item])
        stored = await store.item_by_remote(item.account, item.remote_id)
        assert stored is not None
        assert stored.id is not None
        ids.append(stored.id)
    return ids


async def answered_warmly(store: Store, item_ids: list[int], polarity: float = 0.6) -> None:
    """Replies sent from Rapport, with the tone the gate stored for them."""
    for item_id in item_ids:
        item = await store.item(item_id)
        assert item is not None
        reply = await store.queue_reply(item_id, item.account, "Thanks!", Tone(polarity), False)
        assert reply.id is not None
        assert await store.update_reply(reply.id, ReplyState.SENT, remote_id=f"sent-{item_id}")


async def test_a_curt_draft_to_someone_always_answered_warmly_is_colder_than_usual(
    store: Store, analyzer: ToneAnalyzer
) -> None:
    maria = await receive(store, *(message(n, MARIA) for n in range(1, 5)))
    (nia,) = await receive(store, message(9, NIA))
    await answered_warmly(store, maria[:3])

    refused = await queue_reply(store, analyzer, maria[3], CURT)
    assert refused.refused
    assert refused.reply is None
    label = next(label for label in refused.verdict.labels if COLDER in label)
    assert "with Maria López" in label
    assert "+0.60" in label  # the usual tone it was compared with

    queued = await queue_reply(store, analyzer, nia, CURT)
    assert not queued.refused
    assert not any(COLDER in label for label in queued.verdict.labels)
    # A warm draft to Maria is not colder than usual.
    warm = await queue_reply(store, analyzer, maria[3], "Thanks so much, I'll look today!")
    assert not warm.refused


async def test_two_replies_are_no_habit_to_compare_with(
    store: Store, analyzer: ToneAnalyzer
) -> None:
    ken = await receive(store, *(message(n, KEN) for n in range(1, 4)))
    await answered_warmly(store, ken[:2])
    item = await store.item(ken[2])
    assert item is not None
    assert (await draft_context(store, item)).usual_polarity is None
    outcome = await queue_reply(store, analyzer, ken[2], CURT)
    assert not outcome.refused
    assert not any(COLDER in label for label in outcome.verdict.labels)
    await answered_warmly(store, ken[:1] + ken[1:2], 0.6)  # two more: four in all
    assert (await draft_context(store, item)).usual_polarity == pytest.approx(0.6)


async def test_the_usual_tone_is_the_persons_across_their_linked_contacts(
    store: Store, analyzer: ToneAnalyzer
) -> None:
    on_mastodon = await receive(store, *(message(n, MARIA) for n in range(1, 4)))
    (on_bluesky,) = await receive(store, message(7, MARIA_SKY, account="sky"))
    await answered_warmly(store, on_mastodon)
    before = await queue_reply(store, analyzer, on_bluesky, CURT, force=True)
    assert not any(COLDER in label for label in before.verdict.labels)  # not linked yet

    first = await store.item(on_mastodon[0])
    other = await store.item(on_bluesky)
    assert first is not None
    assert first.author.id is not None
    assert other is not None
    assert other.author.id is not None
    await store.link_contacts(first.author.id, other.author.id, "Maria López")
    refused = await queue_reply(store, analyzer, on_bluesky, CURT)
    assert refused.refused
    assert any(f"{COLDER} with Maria López" in label for label in refused.verdict.labels)


def test_rapport_reply_refuses_a_draft_colder_than_usual(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async def build() -> tuple[int, int]:
        workspace = Workspace.load()
        workspace.paths.ensure()
        async with await Store.open(workspace.paths.database) as opened:
            await opened.ensure_account(Account("work", "mastodon", "https://x.example"))
            maria = await receive(opened, *(message(n, MARIA) for n in range(1, 5)))
            (nia,) = await receive(opened, message(9, NIA))
            await answered_warmly(opened, maria[:3])
            return maria[3], nia

    maria, nia = asyncio.run(build())
    assert run(["reply", str(maria), "--text", CURT], open_app=lambda w: 0) == 1
    err = capsys.readouterr().err
    assert "not queued" in err
    assert f"{COLDER} with Maria López" in err
    assert run(["reply", str(nia), "--text", CURT], open_app=lambda w: 0) == 0
    assert "queued reply" in capsys.readouterr().out
