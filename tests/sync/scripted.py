"""A connector driven by a script, for testing the engine's own logic (retries, waits, the
outbox, isolation between accounts). Platform behaviour is tested against the real fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

import httpx

from core.connectors.base import Connector, ConnectorError, Identity, Page, PostedReply
from core.models import JSON, Account, ContextPost, Item
from core.secrets import Credentials
from tests.factories import item


@dataclass
class Script:
    """What the platform holds and which calls fail."""

    total: int = 50
    page_size: int = 10
    #: call number (1-based, counting fetch pages and posts) -> error to raise
    failures: dict[int, ConnectorError] = field(default_factory=dict)
    posted: list[tuple[str, str, str]] = field(default_factory=list)  # (item, text, key)
    #: raise this after the post took effect (a cut answer), once per entry
    cut_after_post: list[ConnectorError] = field(default_factory=list)
    calls: int = 0
    read: list[str] = field(default_factory=list)
    #: when set, item n belongs to thread "thread-{n % threads}"
    threads: int = 0

    def tick(self) -> None:
        self.calls += 1
        error = self.failures.pop(self.calls, None)
        if error is not None:
            raise error


class ScriptedConnector(Connector):
    platform: ClassVar[str] = "mastodon"
    streams: ClassVar[tuple[str, ...]] = ("notifications",)

    def __init__(
        self, account: Account, credentials: Credentials, client: httpx.AsyncClient, script: Script
    ) -> None:
        super().__init__(account, credentials, client)
        self.script = script

    async def verify(self) -> Identity:
        return Identity(remote_id="me", handle="@me")

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        position = int((cursor or {}).get("position", 0))
        while position < self.script.total:
            self.script.tick()
            end = min(self.script.total, position + self.script.page_size)
            items = [item(n, account_name=self.account.name) for n in range(position + 1, end + 1)]
            if self.script.threads:
                for each, n in zip(items, range(position + 1, end + 1), strict=True):
                    each.thread_root_id = f"thread-{n % self.script.threads}"
            position = end
            yield Page(stream=stream, items=items, cursor={"position": position}, skipped=1)

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        return []

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        self.script.tick()
        if not any(key == idempotency_key for _, _, key in self.script.posted):
            self.script.posted.append((item.remote_id, text, idempotency_key))
        if self.script.cut_after_post:
            raise self.script.cut_after_post.pop(0)
        return PostedReply(remote_id=f"reply-{len(self.script.posted)}", url="https://x/r")

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        for index, (remote, posted_text, _) in enumerate(self.script.posted, start=1):
            if remote == item.remote_id and posted_text == text:
                return PostedReply(remote_id=f"reply-{index}", url="https://x/r")
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:
        self.script.read.extend(i.remote_id for i in items)
