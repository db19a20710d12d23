"""The engine end to end against the four platform fakes (in-process transports).

The reference for "nothing lost, nothing doubled" is a clean full sync into a fresh store:
every interrupted or faulted run must end, after a re-run, with exactly that set of items.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.clock import FakeClock
from core.connectors.base import Connector
from core.connectors.registry import connector_class
from core.fakes.base import FakePlatform, Fault
from core.fakes.harness import PLATFORMS, credentials_for, make_fake
from core.models import Account, ItemState, ReplyState
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.progress import AccountProgress, Phase

LISTING_PATHS = {
    "mastodon": "/api/v1/notifications",
    "bluesky": "listNotifications",
    "reddit": "/message/inbox",
    "github": "/notifications",
}


class Fleet:
    """Populated fakes sharing one fake clock, and engines wired to them in-process."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.fakes: dict[str, FakePlatform] = {p: make_fake(p, clock.time) for p in PLATFORMS}
        self.clients: list[httpx.AsyncClient] = []
        #: platform -> how many reply POSTs to cut after they took effect
        self.cut_next_post: dict[str, int] = dict.fromkeys(PLATFORMS, 0)
        populate(self.fakes, clock)

    def accounts(self, platforms: tuple[str, ...] = PLATFORMS) -> list[Account]:
        return [Account(f"{p}-acct", p, f"https://{p}.example") for p in platforms]

    def factory(self, account: Account, credentials: Credentials, _: Any) -> Connector:
        transport = CuttingTransport(self, account.platform)
        client = httpx.AsyncClient(transport=transport)
        self.clients.append(client)
        cls = connector_class(account.platform)
        return cls(account, credentials, client, clock=self.clock.time)  # type: ignore[call-arg]

    def engine(
        self, store: Store, on_progress: Callable[[AccountProgress], None] | None = None
    ) -> SyncEngine:
        by_name = {a.name: a.platform for a in self.accounts()}
        return SyncEngine(
            store,
            lambda name: Credentials(credentials_for(self.fakes[by_name[name]])),
            connector_factory=self.factory,
            clock=self.clock,
            on_progress=on_progress,
            client=httpx.AsyncClient(),
        )

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


class CuttingTransport(httpx.AsyncBaseTransport):
    """Forwards to the fake in-process; can lose the answer to a reply POST after the fake
    has acted on it, the way a dropped connection would."""

    REPLY_PATHS = ("/api/v1/statuses", "createRecord", "/api/comment", "/comments")

    def __init__(self, fleet: Fleet, platform: str) -> None:
        self.fleet = fleet
        self.platform = platform
        self.inner = fleet.fakes[platform].transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        is_reply = request.method == "POST" and any(
            request.url.path.endswith(p) for p in self.REPLY_PATHS
        )
        if is_reply and self.fleet.cut_next_post[self.platform] > 0:
            self.fleet.cut_next_post[self.platform] -= 1
            await response.aread()
            raise httpx.ReadError("connection reset while reading the answer", request=request)
        return response


def populate(fakes: dict[str, FakePlatform], clock: FakeClock) -> None:
    fakes["mastodon"].populate(260)  # type: ignore[attr-defined]  # 3+ pages of 80
    fakes["bluesky"].populate(260)  # type: ignore[attr-defined]
    fakes["reddit"].populate(260)  # type: ignore[attr-defined]
    fakes["github"].populate(130, 2)  # type: ignore[attr-defined]


@pytest.fixture
async def fleet() -> AsyncIterator[Fleet]:
    made = Fleet(FakeClock(start=time.time()))
    yield made
    await made.close()


async def open_store(path: Path) -> Store:
    return await Store.open(path)


async def stored(store: Store) -> set[tuple[str, str]]:
    rows = await store._all(
        "SELECT accounts.name, items.remote_id FROM items JOIN accounts "
        "ON accounts.id = items.account_id"
    )
    return {(r[0], r[1]) for r in rows}


async def reference(fleet: Fleet, tmp_path: Path) -> set[tuple[str, str]]:
    store = await open_store(tmp_path / "reference.db")
    summary = await fleet.engine(store).run(fleet.accounts(), send=False)
    assert summary.ok, [a.error for a in summary.accounts]
    found = await stored(store)
    await store.close()
    return found


async def test_first_sync_gets_every_platform_and_an_incremental_one_only_the_new(
    fleet: Fleet, tmp_path: Path
) -> None:
    store = await open_store(tmp_path / "r.db")
    summary = await fleet.engine(store).run(fleet.accounts())
    assert summary.ok, [a.error for a in summary.accounts]
    by_platform = {a.platform: a for a in summary.accounts}
    for platform in PLATFORMS:
        assert by_platform[platform].new > 40, platform
        assert by_platform[platform].pages >= 2, platform
    assert by_platform["mastodon"].skipped == 0  # asked for mentions only
    first = await stored(store)

    fleet.clock.advance(3600)
    fleet.fakes["mastodon"].add_mention("carol", "one more question?")  # type: ignore[attr-defined]
    fleet.fakes["reddit"].add_mention("dave", "u/rapport_user look")  # type: ignore[attr-defined]
    again = await fleet.engine(store).run(fleet.accounts())
    assert again.ok, [a.error for a in again.accounts]
    assert {a.platform: a.new for a in again.accounts} == {
        "mastodon": 1,
        "bluesky": 0,
        "reddit": 1,
        "github": 0,
    }
    assert len(await stored(store)) == len(first) + 2
    await store.close()


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("after_pages", [1, 2])
async def test_a_fault_between_pages_then_a_rerun_stores_exactly_what_was_served(
    fleet: Fleet, tmp_path: Path, platform: str, after_pages: int
) -> None:
    expected = {key for key in await reference(fleet, tmp_path) if key[0] == f"{platform}-acct"}
    store = await open_store(tmp_path / "faulted.db")

    def break_after(progress: AccountProgress) -> None:
        if progress.pages == after_pages and not fleet.fakes[platform].faults:
            fault = Fault("server_error", path=LISTING_PATHS[platform], times=1000, status=502)
            fleet.fakes[platform].inject(fault)

    accounts = fleet.accounts((platform,))
    first = await fleet.engine(store, break_after).run(accounts, send=False)
    assert first.accounts[0].phase is Phase.FAILED
    assert "502" in first.accounts[0].error or "error" in first.accounts[0].error
    partial = await stored(store)
    assert partial < expected

    fleet.fakes[platform].faults.clear()
    second = await fleet.engine(store).run(accounts, send=False)
    assert second.ok, second.accounts[0].error
    assert await stored(store) == expected
    await store.close()


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_rate_limit_is_waited_out_using_the_platforms_own_headers(
    fleet: Fleet, tmp_path: Path, platform: str
) -> None:
    store = await open_store(tmp_path / "limited.db")
    fleet.fakes[platform].inject(Fault("rate_limit", path=LISTING_PATHS[platform], seconds=90.0))
    summary = await fleet.engine(store).run(fleet.accounts((platform,)), send=False)
    progress = summary.accounts[0]
    assert progress.phase is Phase.OK, progress.error
    assert progress.rate_limit_waits == 1
    assert 1.0 <= progress.waited_seconds <= 91.0
    assert fleet.clock.sleeps  # waited on the clock, not for real
    await store.close()


async def test_one_platform_failing_leaves_the_others_complete(
    fleet: Fleet, tmp_path: Path
) -> None:
    fleet.fakes["reddit"].inject(Fault("server_error", times=10_000, status=500))
    store = await open_store(tmp_path / "mixed.db")
    summary = await fleet.engine(store).run(fleet.accounts(), send=False)
    phases = {a.platform: a.phase for a in summary.accounts}
    assert phases == {
        "mastodon": Phase.OK,
        "bluesky": Phase.OK,
        "reddit": Phase.FAILED,
        "github": Phase.OK,
    }
    assert summary.exit_code == 1
    await store.close()


def replies_on(fake: FakePlatform, text: str) -> int:
    """How many posts with `text` the platform holds (whatever its data model)."""
    data: Any = fake
    if hasattr(data, "statuses"):
        return sum(text in s.get("content", "") for s in data.statuses.values())
    if hasattr(data, "posts"):
        return sum(p["record"].get("text") == text for p in data.posts.values())
    if hasattr(data, "things"):
        return sum(t.get("body") == text for t in data.things.values())
    return sum(c["body"] == text for cs in data.issue_comments.values() for c in cs)


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_a_reply_whose_answer_was_cut_exists_once_on_the_platform(
    fleet: Fleet, tmp_path: Path, platform: str
) -> None:
    store = await open_store(tmp_path / "outbox.db")
    accounts = fleet.accounts((platform,))
    await fleet.engine(store).run(accounts, send=False)
    [target] = await store.items_page("1", (), limit=1)
    assert target.id is not None
    text = "Thanks for the report, fixed in 2.1."
    reply = await store.queue_reply(target.id, accounts[0].name, text, None, False)
    assert reply.id is not None

    fleet.cut_next_post[platform] = 1
    summary = await fleet.engine(store).run(accounts)
    assert summary.ok, summary.accounts[0].error
    assert fleet.cut_next_post[platform] == 0  # the cut really happened
    sent = await store.reply(reply.id)
    assert sent is not None
    assert sent.state is ReplyState.SENT, sent.error
    assert sent.remote_id
    assert replies_on(fleet.fakes[platform], text) == 1
    done = await store.item(target.id)
    assert done is not None
    assert done.state is ItemState.DONE

    await fleet.engine(store).run(accounts)
    assert replies_on(fleet.fakes[platform], text) == 1
    await store.close()
