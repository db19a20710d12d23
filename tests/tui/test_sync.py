"""Background sync from the app against the four platform fakes (real HTTP on loopback): items
arrive without moving the cursor, the lock is shared with `rapport sync`, replies get sent,
thread context is fetched and cached."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.fakes.harness import FakeFleet
from core.models import ReplyState
from core.sync.lock import SyncLock
from core.workspace import Workspace
from tests.tui.conftest import SIZE, StubAnalyzer, screen_text, settle, until
from tui.app import RapportApp
from tui.screens.inbox import InboxScreen
from tui.thread import thread_root
from tui.widgets.item_list import ItemList
from tui.widgets.sync_status import SyncStatus

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with FakeFleet.start() as started:
        started.fakes["mastodon"].populate(40, conversations_only=True)  # type: ignore[attr-defined]
        started.fakes["bluesky"].populate(40, conversations_only=True)  # type: ignore[attr-defined]
        started.fakes["reddit"].populate(40)  # type: ignore[attr-defined]
        started.fakes["github"].populate(8, 2)  # type: ignore[attr-defined]
        workspace = Workspace.load()
        workspace.paths.ensure()
        started.configure(workspace.paths, workspace.secrets)
        yield started


def make_app() -> RapportApp:
    return RapportApp(Workspace.load(), analyzer=StubAnalyzer())


async def wait_for_sync(pilot, rounds: int = 1, within: float = 30) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app

    def finished() -> bool:
        accounts = app.sync_accounts
        return (
            not app.sync.running
            and len(accounts) == 4
            and all(p.phase.value in ("ok", "failed") for p in accounts.values())
            and app.sync_rounds >= rounds
        )

    try:
        await until(pilot, finished, f"sync round {rounds} to finish", within)
    except AssertionError as exc:
        raise AssertionError(
            f"no sync finished: rounds={app.sync_rounds} running={app.sync.running} "
            f"note={app.sync_note!r}"
        ) from exc
    await settle(pilot)  # the list reloads with what the round brought


async def test_sync_on_start_fills_the_inbox_and_reports_per_account(fleet: FakeFleet) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_sync(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert app.screen.query_one(ItemList).total > 50
        status = str(app.screen.query_one(SyncStatus).render())
        for platform in ("mastodon", "bluesky", "reddit", "github"):
            assert f"✓ demo-{platform}" in status


async def test_new_items_arrive_without_moving_the_cursor(fleet: FakeFleet) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_sync(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("j", "j", "j", "j", "j")
        await settle(pilot)
        before = items.current
        assert before is not None
        screen_row = items.cursor - round(items.scroll_y)
        total = items.total
        mastodon = fleet.fakes["mastodon"]
        fan = mastodon.add_account("newfan", display_name="New Fan")  # type: ignore[attr-defined]
        for n in range(3):
            mastodon.add_mention(fan, f"brand new mention {n}")  # type: ignore[attr-defined]
        await pilot.press("ctrl+r")
        await wait_for_sync(pilot, rounds=2)
        assert items.total == total + 3
        after = items.current
        assert after is not None
        assert after.item.id == before.item.id
        assert items.cursor == before_index(items, before.item.id)
        assert items.cursor - round(items.scroll_y) == screen_row  # on the same screen line
        await pilot.press("g")
        await settle(pilot)
        assert "brand new mention" in screen_text(app)


def before_index(items: ItemList, item_id: int | None) -> int:
    for index in range(items.total):
        row = items.row_at(index)
        if row is not None and row.item.id == item_id:
            return index
    raise AssertionError("item not in the window")


async def test_a_sync_running_elsewhere_is_left_alone(fleet: FakeFleet) -> None:
    lock = SyncLock(Workspace.load().paths.lock_file)
    assert lock.try_acquire()
    try:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await until(pilot, lambda: app.sync_rounds == 1, "the first round to be skipped")
            await settle(pilot)
            assert "sync running elsewhere" in str(app.screen.query_one(SyncStatus).render())
            assert app.screen.query_one(ItemList).total == 0
    finally:
        lock.release()


async def test_a_queued_reply_is_sent_by_the_background_sync(fleet: FakeFleet) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_sync(pilot)
        items = app.screen.query_one(ItemList)
        row = items.current
        assert row is not None
        assert row.item.id is not None
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#draft").insert("Thanks, noted!")  # type: ignore[attr-defined]
        await settle(pilot)  # the tone check of the text
        await pilot.press("ctrl+s")  # queues, then asks for a sync round
        await wait_for_sync(pilot, rounds=2)
        replies = await app.services.store.replies_for(row.item.id)  # type: ignore[union-attr]
        assert [r.state for r in replies] == [ReplyState.SENT]
        # Sent means answered: the item left the inbox; in All it shows the sent reply.
        assert all(r.item.id != row.item.id for r in items._rows)
        await pilot.press("5")
        await settle(pilot)
        assert items.focus_key(row.sort_key)
        await settle(pilot)  # the preview has the item's details (its sent reply)
        assert "Reply sent" in screen_text(app)
        assert "↩" in screen_text(app)


async def test_thread_context_is_fetched_once_and_cached(fleet: FakeFleet) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_sync(pilot)
        items = app.screen.query_one(ItemList)
        store = app.services.store  # type: ignore[union-attr]
        await pilot.press("5")  # everything, so every platform's replies are in the list
        await settle(pilot)
        checked = set()
        for index in range(min(items.total, 200)):
            row = items.row_at(index)
            if row is None or not row.item.parent_id or row.item.platform in checked:
                continue
            checked.add(row.item.platform)
            items.move_to(index)
            # The details load, then the thread is fetched.
            await until(
                pilot,
                lambda: "↓ this message" in screen_text(app),
                f"the thread of a {row.item.platform} reply",
            )
            await settle(pilot)
            assert "↓ this message" in screen_text(app), row.item.platform
            cached = await store.context(row.item.account, thread_root(row.item))
            assert any(p.remote_id == row.item.parent_id for p in cached)
        assert len(checked) >= 2  # replies of at least two platforms were tried


async def test_the_background_sync_writes_the_log_file(fleet: FakeFleet) -> None:
    app = make_app()
    log_file = app.workspace.paths.log_dir / "rapport.log"
    assert not log_file.exists()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_sync(pilot)
    text = log_file.read_text(encoding="utf-8")
    assert "rapport.sync: sync started: demo-mastodon" in text
    for platform in ("mastodon", "bluesky", "reddit", "github"):
        assert f"demo-{platform} ({platform}): ok: " in text
    assert "sync finished in" in text
    assert "Bearer" not in text
