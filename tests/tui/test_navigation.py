"""Moving around a virtual list that never holds the whole view; views; next owed/flagged."""

from __future__ import annotations

from core.models import ItemKind
from tests.tui.conftest import SIZE, item, make_app, screen_text, seed, settle, standard_items
from tui.widgets.item_list import WINDOW, ItemList
from tui.widgets.preview import PreviewPane
from tui.widgets.view_tabs import ViewTabs

MANY = 3_000


def many_items() -> list:  # type: ignore[type-arg]
    return [item(n, text=f"Message number {n:05d}", minutes_ago=n) for n in range(1, MANY + 1)]


async def test_virtual_list_keeps_a_window_and_reaches_both_ends() -> None:
    await seed(many_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert items.total == MANY
        assert len(items._rows) <= WINDOW  # only a window of rows is ever loaded
        assert "Message number 00001" in screen_text(app)
        await pilot.press("G")
        await settle(pilot)
        assert items.cursor == MANY - 1
        assert items.current is not None
        assert items.current.item.text == "Message number 03000"
        assert "Message number 03000" in screen_text(app)
        assert len(items._rows) <= WINDOW * 2
        await pilot.press("k")
        assert items.current is not None
        assert items.current.item.text == "Message number 02999"
        await pilot.press("g")
        await settle(pilot)
        assert items.cursor == 0
        assert "Message number 00001" in screen_text(app)


async def test_paging_down_loads_pages_by_keyset_without_gaps() -> None:
    await seed(many_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        seen = []
        for _ in range(40):
            await pilot.press("pagedown")
            await settle(pilot)
            row = items.current
            assert row is not None
            seen.append(int(row.item.text.split()[-1]))
        # Every page lands where it should: 43 rows a page (the list's height minus one).
        step = items.size.height - 1
        assert seen == [1 + step * (k + 1) for k in range(40)]
        assert len(items._rows) <= WINDOW * 2


async def test_j_k_and_arrows_move_and_preview_follows() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "down")
        await settle(pilot)
        assert "Are you serious?" in screen_text(app)
        preview = app.screen.query_one(PreviewPane)
        assert preview.text_of("body").startswith("Are you serious?")
        await pilot.press("k", "up", "up")
        items = app.screen.query_one(ItemList)
        assert items.cursor == 0


async def test_views_switch_with_digits_and_show_counts() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the tabs' counts are refreshed in the background: settle waits
        tabs = str(app.screen.query_one(ViewTabs).render())
        # 7 open; owed = open, addressed, older than 4 h (items 3..8 minus the done one)
        assert "Inbox 7" in tabs
        assert "Unread 7" in tabs
        assert "Owed 5" in tabs
        assert "Flagged 1" in tabs
        assert "All 8" in tabs
        items = app.screen.query_one(ItemList)
        await pilot.press("2")
        await settle(pilot)
        assert items.total == 7
        await pilot.press("3")
        await settle(pilot)
        assert items.total == 5
        assert "Thanks for the quick fix" not in screen_text(app)  # 20 minutes old: not owed
        await pilot.press("4")
        await settle(pilot)
        assert items.total == 1
        assert items.current is not None
        assert items.current.item.tone.conflict
        await pilot.press("5")
        await settle(pilot)
        assert items.total == 8
        assert "Already answered" in screen_text(app)
        await pilot.press("1")
        await settle(pilot)
        assert items.total == 7


async def test_next_owed_and_next_flagged() -> None:
    entries = [
        item(1, minutes_ago=10),
        item(2, minutes_ago=20, kind=ItemKind.REPLY),
        item(3, minutes_ago=300, text="owed one"),
        item(4, minutes_ago=400, text="flagged one", conflict=True, polarity=-0.8),
        item(5, minutes_ago=500, text="owed two"),
    ]
    await seed(entries)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("n")
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.text == "owed one"
        await pilot.press("n")
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.text == "flagged one"
        await pilot.press("n", "n")  # past the last owed item: wraps to the first
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.text == "owed one"
        await pilot.press("N")
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.text == "flagged one"


async def test_next_owed_far_outside_the_window() -> None:
    entries = [item(n, minutes_ago=1 + n / 1000, kind=ItemKind.MENTION) for n in range(1, 1500)]
    entries.append(item(9999, minutes_ago=600, text="the only owed item"))
    await seed(entries)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("n")
        await settle(pilot)
        assert items.cursor == 1499
        assert items.current is not None
        assert items.current.item.text == "the only owed item"
        assert "the only owed item" in screen_text(app)
