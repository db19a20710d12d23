"""Keyboard triage on a real store: each action, its undo, bulk actions, the undo stack."""

from __future__ import annotations

from datetime import timedelta

from core.models import ItemState
from core.store.repository import Store
from core.workspace import Workspace
from tests.tui.conftest import (
    NOW,
    SIZE,
    item,
    make_app,
    notifications,
    screen_text,
    seed,
    settle,
    standard_items,
    until,
)
from tui.screens.inbox import InboxScreen
from tui.widgets.item_list import ItemList


async def states() -> dict[str, tuple[str, str]]:
    """remote_id -> (state, tags), read straight from the database."""
    store = await Store.open(Workspace.load().paths.database)
    try:
        rows = await store._all("SELECT remote_id, state, tags FROM items")
        return {r[0]: (r[1], r[2]) for r in rows}
    finally:
        await store.close()


def current(app) -> str:  # type: ignore[no-untyped-def]
    row = app.screen.query_one(ItemList).current
    return row.item.remote_id if row else ""


async def test_done_removes_item_and_undo_brings_it_back() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert items.total == 7  # the done item is not in the inbox
        await pilot.press("j")
        assert current(app) == "bluesky-2"
        await pilot.press("e")
        await settle(pilot)
        assert (await states())["bluesky-2"][0] == "done"
        assert items.total == 6
        assert current(app) == "mastodon-3"  # the next item moved up under the cursor
        assert "Is the 2.0 release" not in screen_text(app)
        await pilot.press("u")
        await settle(pilot)
        assert (await states())["bluesky-2"][0] == "new"
        assert items.total == 7
        assert current(app) == "bluesky-2"  # undo puts the cursor back on it
        assert "Is the 2.0 release" in screen_text(app)


async def test_undo_is_a_stack() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e", "e", "e")
        await settle(pilot)
        done = {k for k, (s, _) in (await states()).items() if s == "done"}
        assert {"mastodon-1", "bluesky-2", "mastodon-3"} <= done
        await pilot.press("u")
        await settle(pilot)
        assert (await states())["mastodon-3"][0] == "new"
        assert (await states())["bluesky-2"][0] == "done"
        await pilot.press("u", "u")
        await settle(pilot)
        after = await states()
        assert after["bluesky-2"][0] == "new"
        assert after["mastodon-1"][0] == "new"
        await pilot.press("u")  # nothing left: says so, changes nothing
        await settle(pilot)
        assert await states() == after


async def test_snooze_quick_choice_and_undo() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert "Snooze item until" in screen_text(app)
        await pilot.press("3")  # tomorrow 9:00
        await settle(pilot)
        store = app.services.store  # type: ignore[union-attr]
        snoozed = await store.item_by_remote("work", "mastodon-1")
        assert snoozed is not None
        assert snoozed.state is ItemState.SNOOZED
        assert snoozed.snoozed_until == (NOW + timedelta(days=1)).replace(hour=9, minute=0)
        assert app.screen.query_one(ItemList).total == 6
        await pilot.press("u")
        await settle(pilot)
        back = await store.item_by_remote("work", "mastodon-1")
        assert back is not None
        assert back.state is ItemState.NEW
        assert back.snoozed_until is None


async def test_snooze_typed_time_and_cancel() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s", "escape")
        await settle(pilot)
        assert (await states())["mastodon-1"][0] == "new"
        await pilot.press("s", "tab")
        await pilot.press(*"banana", "enter")  # not a time: stays open, explains
        await pilot.pause()
        assert "is not a time" in screen_text(app)
        for _ in range(6):
            await pilot.press("backspace")
        await pilot.press("2", "h", "enter")
        await settle(pilot)
        store = app.services.store  # type: ignore[union-attr]
        snoozed = await store.item_by_remote("work", "mastodon-1")
        assert snoozed is not None
        assert snoozed.snoozed_until == NOW + timedelta(hours=2)


async def test_tag_with_completion_and_undo() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        text = screen_text(app)
        assert "#bug" in text
        assert "#feature" in text
        await pilot.press("f", "e")
        await settle(pilot)  # the suggestion is looked up in a worker
        await pilot.press("right")  # accept the suggestion: "feature"
        await pilot.press("space", "u", "r", "g", "e", "n", "t", "enter")
        await settle(pilot)
        assert (await states())["mastodon-1"][1] == "feature urgent"
        assert "#feature #urgent" in screen_text(app)
        await pilot.press("t", *"-urgent", "enter")
        await settle(pilot)
        assert (await states())["mastodon-1"][1] == "feature"
        await pilot.press("u")
        await settle(pilot)
        assert (await states())["mastodon-1"][1] == "feature urgent"
        await pilot.press("u")
        await settle(pilot)
        assert (await states())["mastodon-1"][1] == ""


async def test_bulk_select_done_and_undo() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("x", "j", "x", "x")  # select 1, skip 2, select 3 and 4
        assert sorted(items.selected_ids) == sorted(
            r.item.id for r in (items.row_at(0), items.row_at(2), items.row_at(3)) if r
        )
        await pilot.press("e")
        await settle(pilot)
        after = await states()
        assert [after[k][0] for k in ("mastodon-1", "bluesky-2", "mastodon-3", "github-4")] == [
            "done",
            "new",
            "done",
            "done",
        ]
        assert items.total == 4
        assert not items.selected_ids
        await pilot.press("u")  # one undo for the whole bulk action
        await settle(pilot)
        after = await states()
        assert all(after[k][0] == "new" for k in ("mastodon-1", "mastodon-3", "github-4"))
        assert items.total == 7


async def test_bulk_tag_and_escape_clears_selection() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("x", "x", "escape")
        assert not items.selected_ids
        await pilot.press("g", "x", "x")
        await pilot.press("t", *"later", "enter")
        await settle(pilot)
        after = await states()
        assert after["mastodon-1"][1] == "later"
        assert after["bluesky-2"][1] == "later"
        assert after["mastodon-3"][1] == ""


async def test_mute_thread_mutes_every_item_of_it_and_undo() -> None:
    thread = [
        item(1, text="first in thread", thread_root_id="root-9", parent_id="root-9"),
        item(2, text="second in thread", thread_root_id="root-9", parent_id="mastodon-1"),
        item(3, text="elsewhere"),
    ]
    await seed(thread)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        after = await states()
        assert after["mastodon-1"][0] == "muted"
        assert after["mastodon-2"][0] == "muted"
        assert after["mastodon-3"][0] == "new"
        assert app.screen.query_one(ItemList).total == 1
        await pilot.press("u")
        await settle(pilot)
        after = await states()
        assert after["mastodon-1"][0] == "new"
        assert after["mastodon-2"][0] == "new"


async def test_undo_history_is_in_the_store() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e", "u")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        store = app.services.store  # type: ignore[union-attr]
        row = await store.item_by_remote("work", "mastodon-1")
        assert row is not None
        assert row.id is not None
        actions = [a for _, a, _ in await store.history(row.id)]
        assert actions[-2:] == ["done", "undo"]


async def test_open_runs_the_browser_in_a_worker(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened: list[str] = []
    import threading
    import webbrowser

    main_thread = threading.get_ident()

    def fake_open(url: str) -> bool:
        assert threading.get_ident() != main_thread  # never on the UI loop
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", fake_open)
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "o")
        await settle(pilot)
        assert opened == ["https://bluesky.example/post/2"]


async def test_a_broken_browser_is_reported_not_raised(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import webbrowser

    def broken(url: str) -> bool:
        raise webbrowser.Error("no runnable browser")

    monkeypatch.setattr(webbrowser, "open", broken)
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await until(
            pilot,
            lambda: any("No browser could open" in n for n in notifications(app)),
            "the failure to be reported",
        )
        assert any("No browser could open" in n for n in notifications(app))


async def test_snoozed_items_wake_up_when_their_time_comes() -> None:
    from core.clock import FakeClock

    await seed(standard_items())
    clock = FakeClock(start=NOW.timestamp())
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("s", "1")  # one hour
        await settle(pilot)
        assert items.total == 6
        clock.advance(3601)
        app.screen._tick()  # type: ignore[attr-defined]  # what the minute timer does
        await settle(pilot)
        assert items.total == 7
        assert "Thanks for the quick fix" in screen_text(app)


async def test_an_item_seen_for_a_moment_becomes_read(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.screens import inbox

    monkeypatch.setattr(inbox, "READ_AFTER", 0.05)
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await until(
            pilot,
            lambda: (row := items.row_at(0)) is not None and row.item.read,
            "the first item to be marked read",
        )
        await settle(pilot)
        assert (await states())["mastodon-1"][0] == "new"
        store = app.services.store  # type: ignore[union-attr]
        seen = await store.item_by_remote("work", "mastodon-1")
        assert seen is not None
        assert seen.read
        first = app.screen.query_one(ItemList).row_at(0)
        assert first is not None
        assert first.item.read  # the list shows it read (no unread dot)
