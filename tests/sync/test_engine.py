"""The engine's own logic: resumable paging, retries, rate-limit waits, isolation, the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from core.clock import FakeClock
from core.connectors.base import AuthError, BadResponse, NetworkError, RateLimited
from core.models import Account, ItemState, ReplyState
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.progress import Phase
from core.sync.retry import RetryPolicy
from tests.sync.scripted import Script, ScriptedConnector

ACCOUNTS = [
    Account(name="alpha", platform="mastodon", base_url="https://a.example"),
    Account(name="beta", platform="mastodon", base_url="https://b.example"),
]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "rapport.db")
    yield opened
    await opened.close()


def engine_for(
    store: Store, scripts: dict[str, Script], clock: FakeClock | None = None, **options: object
) -> SyncEngine:
    def factory(
        account: Account, credentials: Credentials, client: httpx.AsyncClient
    ) -> ScriptedConnector:
        return ScriptedConnector(account, credentials, client, scripts[account.name])

    return SyncEngine(
        store,
        lambda name: Credentials({"token": "t"}),
        connector_factory=factory,
        clock=clock or FakeClock(),
        **options,  # type: ignore[arg-type]
    )


async def stored_remote_ids(store: Store, account: str) -> list[str]:
    account_id = await store.account_id(account)
    rows = await store._all(
        "SELECT remote_id FROM items WHERE account_id = ? ORDER BY id", (account_id,)
    )
    return [r[0] for r in rows]


async def test_first_sync_stores_everything_and_a_rerun_adds_nothing(store: Store) -> None:
    scripts = {"alpha": Script(total=35), "beta": Script(total=12)}
    summary = await engine_for(store, scripts).run(ACCOUNTS)
    assert summary.exit_code == 0
    assert [a.new for a in summary.accounts] == [35, 12]
    assert [a.pages for a in summary.accounts] == [4, 2]
    assert summary.accounts[0].skipped == 4

    again = await engine_for(store, scripts).run(ACCOUNTS)
    assert [a.new for a in again.accounts] == [0, 0]
    assert [a.pages for a in again.accounts] == [0, 0]


@pytest.mark.parametrize("interrupted_at", [1, 2, 3, 4])
async def test_an_interruption_between_any_two_pages_loses_and_repeats_nothing(
    store: Store, interrupted_at: int
) -> None:
    script = Script(total=40, failures={interrupted_at: AuthError("token revoked mid-sync")})
    first = await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert first.accounts[0].phase is Phase.FAILED
    assert first.accounts[0].new == (interrupted_at - 1) * 10

    rest = await engine_for(store, {"alpha": Script(total=40)}).run(ACCOUNTS[:1])
    assert rest.accounts[0].new == 40 - (interrupted_at - 1) * 10
    ids = await stored_remote_ids(store, "alpha")
    assert sorted(ids) == sorted(f"status-{n}" for n in range(1, 41))


async def test_one_failing_account_does_not_stop_the_others(store: Store) -> None:
    failing = Script(total=30, failures={n: NetworkError("HTTP 500") for n in range(1, 20)})
    scripts = {"alpha": failing, "beta": Script(total=25)}
    summary = await engine_for(store, scripts).run(ACCOUNTS)
    alpha, beta = summary.accounts
    assert alpha.phase is Phase.FAILED
    assert "HTTP 500" in alpha.error
    assert beta.phase is Phase.OK
    assert beta.new == 25
    assert summary.exit_code == 1


async def test_transient_errors_are_retried_with_backoff(store: Store) -> None:
    clock = FakeClock()
    script = Script(total=30, failures={2: NetworkError("timeout"), 3: NetworkError("reset")})
    summary = await engine_for(store, {"alpha": script}, clock).run(ACCOUNTS[:1])
    assert summary.accounts[0].phase is Phase.OK
    assert summary.accounts[0].new == 30
    assert len(clock.sleeps) == 2
    assert all(0 < s <= 60 for s in clock.sleeps)


async def test_auth_errors_are_never_retried(store: Store) -> None:
    clock = FakeClock()
    script = Script(total=30, failures={1: AuthError("the token was refused")})
    summary = await engine_for(store, {"alpha": script}, clock).run(ACCOUNTS[:1])
    assert summary.accounts[0].phase is Phase.FAILED
    assert script.calls == 1
    assert clock.sleeps == []


async def test_a_rate_limit_is_waited_out_on_the_clock_then_sync_continues(store: Store) -> None:
    clock = FakeClock()
    script = Script(total=30, failures={2: RateLimited("429", retry_after=120.0)})
    phases: list[Phase] = []
    engine = engine_for(
        store, {"alpha": script}, clock, on_progress=lambda p: phases.append(p.phase)
    )
    summary = await engine.run(ACCOUNTS[:1])
    progress = summary.accounts[0]
    assert progress.phase is Phase.OK
    assert progress.new == 30
    assert clock.sleeps == [120.0]
    assert progress.rate_limit_waits == 1
    assert Phase.RATE_LIMITED in phases


async def test_a_rate_limit_longer_than_allowed_ends_the_run_to_resume_later(
    store: Store,
) -> None:
    clock = FakeClock()
    script = Script(total=30, failures={2: RateLimited("429", retry_after=7200.0)})
    engine = engine_for(
        store, {"alpha": script}, clock, policy=RetryPolicy(max_rate_limit_wait=600)
    )
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].phase is Phase.FAILED
    assert "next sync continues" in summary.accounts[0].error
    assert clock.sleeps == []
    assert summary.accounts[0].new == 10


async def queue(store: Store, text: str = "thanks, fixed in 2.1") -> int:
    item = await store.item_by_remote("alpha", "status-1")
    assert item is not None
    assert item.id is not None
    reply = await store.queue_reply(item.id, "alpha", text, None, forced=False)
    assert reply.id is not None
    return reply.id


async def test_a_queued_reply_is_sent_once_and_the_item_is_done(store: Store) -> None:
    script = Script(total=5)
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1], send=False)
    reply_id = await queue(store)
    summary = await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert summary.accounts[0].sent == 1
    reply = await store.reply(reply_id)
    assert reply is not None
    assert reply.state is ReplyState.SENT
    assert reply.remote_id == "reply-1"
    item = await store.item(reply.item_id)
    assert item is not None
    assert item.state is ItemState.DONE
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert len(script.posted) == 1
    assert script.read == ["status-1"]


async def test_a_reply_whose_answer_was_cut_is_found_not_sent_twice(store: Store) -> None:
    script = Script(total=5, cut_after_post=[NetworkError("the connection was reset")])
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1], send=False)
    reply_id = await queue(store)
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert len(script.posted) == 1
    reply = await store.reply(reply_id)
    assert reply is not None
    assert reply.state is ReplyState.SENT


async def test_a_reply_left_sending_by_a_killed_run_is_checked_before_retrying(
    store: Store,
) -> None:
    script = Script(total=5)
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1], send=False)
    reply_id = await queue(store)
    await store.update_reply(reply_id, ReplyState.SENDING, expect=ReplyState.QUEUED)
    # the killed run's request did reach the platform:
    script.posted.append(("status-1", "thanks, fixed in 2.1", "whatever-key"))
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert len(script.posted) == 1
    reply = await store.reply(reply_id)
    assert reply is not None
    assert reply.state is ReplyState.SENT


async def test_a_refused_reply_fails_with_the_reason_and_keeps_its_text(store: Store) -> None:
    script = Script(total=5)
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1], send=False)
    reply_id = await queue(store)
    script.failures[script.calls + 1] = BadResponse("THREAD_LOCKED: the thread is locked")
    summary = await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    assert summary.accounts[0].send_failed == 1
    reply = await store.reply(reply_id)
    assert reply is not None
    assert reply.state is ReplyState.FAILED
    assert "THREAD_LOCKED" in reply.error
    assert reply.text == "thanks, fixed in 2.1"
    assert script.posted == []


async def test_stop_finishes_the_current_page_and_the_next_run_resumes(store: Store) -> None:
    script = Script(total=50)
    engine = engine_for(store, {"alpha": script})
    engine._on_progress = lambda p: engine.stop() if p.pages == 2 else None
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].new == 20
    rest = await engine_for(store, {"alpha": Script(total=50)}).run(ACCOUNTS[:1])
    assert rest.accounts[0].new == 30


async def test_a_missing_secret_fails_that_account_with_the_fix(store: Store) -> None:
    engine = SyncEngine(store, lambda name: None, clock=FakeClock())
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].phase is Phase.FAILED
    assert "rapport accounts add mastodon --name alpha" in summary.accounts[0].error


async def test_rules_apply_to_new_items_and_show_in_their_history(store: Store) -> None:
    from core.config import RuleConfig
    from core.rules import compile_rules

    rules = compile_rules([RuleConfig(name="sqlite talk", words=["sqlite"], tag=["db"])])
    engine = engine_for(store, {"alpha": Script(total=3)}, apply_rules=rules.apply)
    await engine.run(ACCOUNTS[:1])
    item = await store.item_by_remote("alpha", "status-1")
    assert item is not None
    assert item.id is not None
    assert item.tags == ["db"]
    assert ("rule", "sqlite talk") in [(a, d) for _, a, d in await store.history(item.id)]


async def test_new_items_of_a_muted_thread_arrive_muted(store: Store) -> None:
    script = Script(total=10, threads=2)
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    muted = await store.item_by_remote("alpha", "status-2")  # thread-0
    assert muted is not None
    assert muted.id is not None
    await store.set_state([muted.id], ItemState.MUTED)

    script.total = 20
    await engine_for(store, {"alpha": script}).run(ACCOUNTS[:1])
    arrived = [await store.item_by_remote("alpha", f"status-{n}") for n in (12, 13)]
    assert [i.state for i in arrived if i] == [ItemState.MUTED, ItemState.NEW]


async def test_rule_hits_are_stored_with_their_page_so_a_crash_right_after_keeps_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The history entry of a rule lands in its page's transaction: a process that dies
    the moment the page is committed still shows, in each item's history, the rule that
    tagged it."""
    import asyncio

    from core.config import RuleConfig
    from core.rules import compile_rules

    rules = compile_rules([RuleConfig(name="sqlite talk", words=["sqlite"], tag=["db"])])
    commit = store.ingest_pages

    async def commit_then_die(*args: object, **kwargs: object) -> object:
        await commit(*args, **kwargs)  # type: ignore[arg-type]
        raise asyncio.CancelledError  # killed right after the page's transaction

    monkeypatch.setattr(store, "ingest_pages", commit_then_die)
    engine = engine_for(store, {"alpha": Script(total=3)}, apply_rules=rules.apply)
    with pytest.raises(asyncio.CancelledError):
        await engine.run(ACCOUNTS[:1])
    monkeypatch.undo()
    item = await store.item_by_remote("alpha", "status-2")
    assert item is not None
    assert item.id is not None
    assert item.tags == ["db"]
    assert ("rule", "sqlite talk") in [(a, d) for _, a, d in await store.history(item.id)]


async def test_stop_during_one_stream_does_not_start_the_next(store: Store) -> None:
    class TwoStreams(ScriptedConnector):
        streams = ("notifications", "own")

    script = Script(total=50)

    def factory(account: Account, credentials: Credentials, client: httpx.AsyncClient) -> object:
        return TwoStreams(account, credentials, client, script)

    engine = SyncEngine(
        store,
        lambda name: Credentials({"token": "t"}),
        connector_factory=factory,  # type: ignore[arg-type]
        clock=FakeClock(),
    )
    engine._on_progress = lambda p: engine.stop() if p.pages == 1 else None
    summary = await engine.run(ACCOUNTS[:1])
    assert summary.accounts[0].pages == 1
    assert summary.accounts[0].new == 10
    assert await store.cursor("alpha", "own") is None
