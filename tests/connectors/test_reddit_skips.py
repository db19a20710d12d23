"""Reddit's inbox can list things that are not a conversation (a post, an award, a listing
stub): the connector skips them, counts them by kind, and keeps every comment and message."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.connectors.reddit import RedditConnector
from core.fakes.reddit import RedditFake
from core.models import JSON, Account
from core.secrets import Credentials

NOW = 1_750_000_000.0
HORIZON = datetime.fromtimestamp(NOW, UTC) - timedelta(days=30)


class InboxWithOtherThings(RedditFake):
    """The Reddit fake, with non-conversation children mixed into /message/inbox."""

    others: dict[str, JSON]

    def add_other(self, kind: str, fullname: str, created: float) -> None:
        if not hasattr(self, "others"):
            self.others = {}
        self._sequence += 1
        self.things[fullname] = {"name": fullname, "created_utc": created, "_seq": self._sequence}
        self.inbox[fullname] = {"type": "other", "new": True}
        self.others[fullname] = {"kind": kind, "data": {"name": fullname, "created_utc": created}}

    def _inbox_shape(self, name: str, raw: bool) -> JSON:
        if name in getattr(self, "others", {}):
            return copy.deepcopy(self.others[name])
        return super()._inbox_shape(name, raw)


@pytest.fixture
def fake() -> InboxWithOtherThings:
    return InboxWithOtherThings(clock=lambda: NOW)


@pytest.fixture
async def client(fake: RedditFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        yield http


async def test_non_conversation_inbox_things_are_skipped_and_counted(
    fake: InboxWithOtherThings, client: httpx.AsyncClient
) -> None:
    conversations = set(fake.populate(60, start=NOW - 60))
    fake.add_other("t3", "t3_post1", NOW - 100)  # a post
    fake.add_other("t6", "t6_award1", NOW - 5_000)  # an award / trophy
    fake.add_other("t3", "t3_post2", NOW - 9_000)
    fake.add_other("more", "more_1", NOW - 20_000)  # a listing stub
    parts = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "username": fake.username,
        "password": fake.password,
    }
    account = Account(name="rd", platform="reddit", base_url="http://reddit.test")
    connector = RedditConnector(account, Credentials(parts), client, clock=lambda: NOW)

    pages = [page async for page in connector.fetch("inbox", None, HORIZON)]

    got = {item.remote_id for page in pages for item in page.items}
    assert got == conversations
    assert sum(page.skipped for page in pages) == 4
    reasons: dict[str, int] = {}
    for page in pages:
        for reason, count in page.skipped_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + count
    assert reasons == {"kind_t3": 2, "kind_t6": 1, "kind_more": 1}
