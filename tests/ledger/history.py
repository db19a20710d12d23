"""Building histories with known answers: items, own posts, replies sent at chosen times.

Times are injected: `at(...)` is relative to T0 (a Monday, 09:00 UTC), the store's own clock
(sent_at, deletion time) is pinned with `StoreClock`, and the ledger gets `now` explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from core.models import Contact, ContextPost, Item, ItemKind, ReplyState, Tone
from core.store.repository import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
ME = Contact(platform="mastodon", remote_id="me", handle="@me@social.example", instance="x")


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours, minutes=minutes)


@dataclass
class StoreClock:
    """Pins the time the store stamps on what it writes (a reply's sent_at, a deletion)."""

    monkeypatch: pytest.MonkeyPatch
    moment: datetime = T0

    def set(self, moment: datetime) -> None:
        self.moment = moment
        self.monkeypatch.setattr("core.store.repository.utcnow", lambda: self.moment)


def person(
    remote_id: str,
    handle: str,
    name: str = "",
    platform: str = "mastodon",
    *,
    profile_url: str = "",
    links: list[str] | None = None,
) -> Contact:
    return Contact(
        platform=platform,
        remote_id=remote_id,
        handle=handle,
        display_name=name,
        profile_url=profile_url,
        instance="fosstodon.org" if platform == "mastodon" else "",
        links=links or [],
    )


def incoming(
    remote_id: str,
    author: Contact,
    created: datetime,
    *,
    account: str = "work",
    kind: ItemKind = ItemKind.MENTION,
    thread: str = "",
    parent: str = "",
    polarity: float = 0.0,
    question: bool = False,
) -> Item:
    return Item(
        account=account,
        platform=author.platform,
        remote_id=remote_id,
        kind=kind,
        author=author,
        text=f"message {remote_id}",
        created_at=created,
        thread_root_id=thread,
        parent_id=parent,
        is_question=question,
        tone=Tone(polarity=polarity),
    )


def own_post(
    remote_id: str, created: datetime, parent: str, polarity: float | None = None
) -> ContextPost:
    """One of the user's own posts on the platform; `polarity`: its tone as a sync scores it."""
    return ContextPost(
        remote_id=remote_id,
        author=ME,
        text="my answer",
        created_at=created,
        parent_id=parent,
        polarity=polarity,
    )


@dataclass
class History:
    store: Store
    clock: StoreClock
    ids: dict[str, int] = field(default_factory=dict)

    async def receive(self, *items: Item) -> None:
        by_account: dict[str, list[Item]] = {}
        for item in items:
            by_account.setdefault(item.account, []).append(item)
        for account, batch in by_account.items():
            await self.store.ingest(account, batch)
            for item in batch:
                stored = await self.store.item_by_remote(account, item.remote_id)
                assert stored is not None
                assert stored.id is not None
                self.ids[item.remote_id] = stored.id

    async def reply_from_rapport(
        self, remote_id: str, sent: datetime, polarity: float = 0.3, account: str = "work"
    ) -> None:
        """Queue and send a reply through the store, as the outbox does, at `sent`."""
        item_id = self.ids[remote_id]
        reply = await self.store.queue_reply(
            item_id, account, "thank you", Tone(polarity=polarity), False
        )
        assert reply.id is not None
        self.clock.set(sent)
        assert await self.store.update_reply(reply.id, ReplyState.SENDING)
        assert await self.store.update_reply(reply.id, ReplyState.SENT, remote_id=f"r-{item_id}")

    async def own_posts(self, *posts: ContextPost, account: str = "work") -> None:
        await self.store.save_own_posts(account, list(posts))

    def contact_id(self, remote_id: str) -> int:
        return self.ids[remote_id]

    async def author_of(self, remote_id: str) -> int:
        item = await self.store.item(self.ids[remote_id])
        assert item is not None
        assert item.author.id is not None
        return item.author.id
