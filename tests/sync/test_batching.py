"""Pages read faster than they are committed share a transaction; nothing else changes: what is
stored, the rules' history, the thread each item's tone is checked with."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from core.connectors.base import AuthError, Page
from core.models import JSON
from core.store.page_sql import PageWrite
from core.store.repository import Store
from core.sync.batching import WaitingPages
from tests.factories import item
from tests.sync.scripted import Script, ScriptedConnector
from tests.sync.test_engine import ACCOUNTS, engine_for, stored_remote_ids


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "rapport.db")
    yield opened
    await opened.close()


def count_commits(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of pages in each transaction the engine commits."""
    commits: list[int] = []
    original = store.ingest_pages

    async def counted(account: str, pages: Sequence[PageWrite]) -> Any:
        commits.append(len(pages))
        return await original(account, pages)

    monkeypatch.setattr(store, "ingest_pages", counted)
    return commits


def ticking(step: float) -> WaitingPages:
    """Waiting pages on a clock that moves `step` seconds each time it is read."""
    moments = itertools.count(step=step)
    return WaitingPages(clock=lambda: float(next(moments)))


def test_waiting_pages_are_due_after_the_commit_interval_or_at_the_item_cap() -> None:
    now = [0.0]
    waiting = WaitingPages(clock=lambda: now[0], every=0.25, max_items=25)
    assert not waiting.due()  # nothing to commit
    waiting.add(Page("s", [item(1)] * 10, {}))
    assert not waiting.due()
    now[0] = 0.3
    assert waiting.due()
    assert len(waiting.take()) == 1
    waiting.add(Page("s", [item(2)] * 10, {}))
    waiting.add(Page("s", [item(3)] * 20, {}))
    assert waiting.due()  # 30 items waiting, over the cap, however recent the commit
    assert [len(p.items) for p in waiting.take()] == [10, 20]
    assert waiting.items == 0


async def test_pages_read_quickly_share_a_transaction_and_store_the_same(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(store, monkeypatch)
    engine = engine_for(store, {"alpha": Script(total=50)})
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].new == 50
    assert summary.accounts[0].pages == 5
    assert sum(commits) == 5
    assert len(commits) < 5, "a fast stream commits its pages together"
    assert await stored_remote_ids(store, "alpha") == [f"status-{n}" for n in range(1, 51)]
    assert (await store.cursor("alpha", "notifications")).value == {"position": 50}  # type: ignore[union-attr]


async def test_a_slow_stream_commits_every_page_as_it_arrives(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(store, monkeypatch)
    engine = engine_for(store, {"alpha": Script(total=50)}, waiting_pages=lambda: ticking(1.0))
    await engine.run(ACCOUNTS[:1])
    assert commits == [1, 1, 1, 1, 1]


async def test_a_fault_keeps_the_pages_read_before_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    commits = count_commits(store, monkeypatch)
    script = Script(total=50, failures={4: AuthError("token revoked")})
    summary = await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert summary.accounts[0].failed
    assert summary.accounts[0].new == 30
    assert sum(commits) == 3
    assert (await store.cursor("alpha", "notifications")).value == {"position": 30}  # type: ignore[union-attr]


class Repeating(ScriptedConnector):
    """Two pages, the second bringing again the last item of the first (as a listing does when
    a new item pushes the page boundary while it is read)."""

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if cursor:
            return
        first = [item(n, text=f"sqlite question {n}") for n in (1, 2)]
        second = [item(n, text=f"sqlite question {n}") for n in (2, 3)]
        yield Page(stream, first, {"page": 1})
        yield Page(stream, second, {"page": 2})


async def test_an_item_two_waiting_pages_bring_is_stored_and_its_rule_recorded_once(
    store: Store,
) -> None:
    from core.config import RuleConfig
    from core.rules import compile_rules

    rules = compile_rules([RuleConfig(name="db talk", words=["sqlite"], tag=["db"])])
    engine = engine_for(store, {}, apply_rules=rules.apply)
    engine._factory = lambda account, credentials, client: Repeating(
        account, credentials, client, Script()
    )
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].new == 3
    assert await stored_remote_ids(store, "alpha") == ["status-1", "status-2", "status-3"]
    repeated = await store.item_by_remote("alpha", "status-2")
    assert repeated is not None
    assert repeated.id is not None
    assert repeated.tags == ["db"]
    history = [(a, d) for _, a, d in await store.history(repeated.id)]
    assert history.count(("rule", "db talk")) == 1
