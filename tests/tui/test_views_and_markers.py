"""The views and the list's markers agree with the store: owed means what is:owed means, the
Owed view has the longest waiting on top, Unread, the account marker, and what muting says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.models import Account, Contact, ContextPost
from core.store.repository import Store
from core.workspace import Workspace
from tests.tui.conftest import (
    ACCOUNTS,
    NOW,
    SIZE,
    item,
    make_app,
    notifications,
    screen_lines,
    seed,
    settle,
    standard_items,
    until,
)
from tui.screens import inbox
from tui.widgets.item_list import WINDOW, AccountMarks, ItemList, short_names
from tui.widgets.preview import PreviewPane
from tui.widgets.view_tabs import ViewTabs


def row_line(app, text: str) -> str:  # type: ignore[no-untyped-def]
    """The list's part of the screen line showing `text` (the preview is on the right)."""
    line = next(line for line in screen_lines(app) if text in line)
    return line.split("▏")[0]


async def answer_on_the_platform(remote_id: str, minutes_ago: float) -> None:
    """The user answered `remote_id` on the platform itself (seen by a sync as an own post)."""
    store = await Store.open(Workspace.load().paths.database)
    try:
        me = Contact("mastodon", "me", "@me", "Me")
        own = ContextPost(
            remote_id=f"own-{remote_id}",
            author=me,
            text="answered on the website",
            created_at=NOW - timedelta(minutes=minutes_ago),
            parent_id=remote_id,
            is_own=True,
        )
        await store.save_own_posts("work", [own])
    finally:
        await store.close()


# ---- owed: the marker, the preview and the view say the same --------------------------------


async def test_an_item_answered_on_the_platform_is_owed_nowhere() -> None:
    await seed(
        [
            item(3, text="Still waiting for an answer here", minutes_ago=300),
            item(5, text="Answered this one on the website", minutes_ago=500),
        ]
    )
    await answer_on_the_platform("mastodon-5", minutes_ago=480)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        preview = app.screen.query_one(PreviewPane)
        assert "◷" in row_line(app, "Still waiting")
        assert "◷" not in row_line(app, "Answered this one")
        assert "owed a reply" in preview.text_of("head")  # the first row: still owed
        await pilot.press("j")
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.remote_id == "mastodon-5"
        assert items.current.answered
        assert "owed a reply" not in preview.text_of("head")
        await pilot.press("3")  # the Owed view: only the one still waiting
        await settle(pilot)
        assert items.total == 1
        assert "Owed 1" in str(app.screen.query_one(ViewTabs).render())
        assert items.current is not None
        assert items.current.item.remote_id == "mastodon-3"


# ---- the Owed view: the longest waiting first ----------------------------------------------

MANY = 1_500
OWED_FROM = 240  # item n is n minutes old; owed from 4 h on


async def test_owed_view_lists_the_longest_waiting_first_and_its_keys_work() -> None:
    await seed([item(n, text=f"Message number {n:05d}", minutes_ago=n) for n in range(1, MANY + 1)])
    app = make_app()

    def shown() -> int:
        row = app.screen.query_one(ItemList).current
        assert row is not None
        return int(row.item.text.split()[-1])

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        assert shown() == 1  # the Inbox: newest first
        await pilot.press("3")
        await settle(pilot)
        assert items.total == MANY - OWED_FROM + 1
        assert shown() == MANY  # the oldest owed item on top
        await pilot.press("j", "j")
        assert shown() == MANY - 2
        await pilot.press("k")
        assert shown() == MANY - 1
        steps = []
        for _ in range(12):  # page past the window: pages are read in this order too
            await pilot.press("pagedown")
            await settle(pilot)
            steps.append(shown())
        step = items.size.height - 1
        assert steps == [MANY - 1 - step * (k + 1) for k in range(12)]
        assert len(items._rows) <= WINDOW * 2
        await pilot.press("G")
        await settle(pilot)
        assert shown() == OWED_FROM  # the end: the one that became owed last
        await pilot.press("k")
        assert shown() == OWED_FROM + 1
        items.move_to(600)  # a jump with nothing near it loaded (a scrollbar drag)
        await settle(pilot)
        assert shown() == MANY - 600
        await pilot.press("g")
        await settle(pilot)
        assert shown() == MANY
        await pilot.press("n")  # the next owed item is the next one down
        await settle(pilot)
        assert shown() == MANY - 1
        await pilot.press("e")  # done: the one below moves up into its place
        await settle(pilot)
        assert shown() == MANY - 2
        await pilot.press("u")  # back, with the cursor on it
        await settle(pilot)
        assert shown() == MANY - 1
        assert items.row_at(0) is not None
        assert int(items.row_at(0).item.text.split()[-1]) == MANY  # type: ignore[union-attr]
        await pilot.press("1")  # other views stay newest first
        await settle(pilot)
        assert shown() == 1


# ---- Unread ----------------------------------------------------------------------------------


async def test_unread_view_keeps_the_item_being_read_until_it_is_reloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbox, "READ_AFTER", 3600.0)  # read below, when the test says so
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, inbox.InboxScreen)
        items = screen.query_one(ItemList)
        tabs = screen.query_one(ViewTabs)
        assert "Unread 7" in str(tabs.render())  # open and not read: the done one is not
        await pilot.press("2")
        await settle(pilot)
        assert items.total == 7
        first = items.current
        assert first is not None
        assert not first.item.read
        # The cursor rested on it long enough: read. It stays under the cursor, so the
        # preview does not jump away from what is being read.
        screen.run_worker(screen._mark_read(first), group="read")
        await until(pilot, lambda: "Unread 6" in str(tabs.render()), "the item to be read")
        await settle(pilot)
        assert items.current is not None
        assert items.current.item.id == first.item.id
        assert items.current.item.read
        await pilot.press("2")  # shown again: what was read has left
        await settle(pilot)
        assert items.total == 6
        assert all(r.item.id != first.item.id for r in items._rows)


# ---- which account, when two share a platform ------------------------------------------------


def test_short_account_names() -> None:
    assert short_names(["work-mastodon", "home-mastodon"]) == {
        "work-mastodon": "work",
        "home-mastodon": "home",
    }
    assert short_names(["mastodon.work", "mastodon.home"]) == {
        "mastodon.work": "work",
        "mastodon.home": "home",
    }
    assert short_names(["fosstodon", "hachyderm"]) == {
        "fosstodon": "fosstodon",
        "hachyderm": "hachyderm",
    }
    assert short_names(["me", "me-two"]) == {"me": "me", "me-two": "me-two"}  # nothing left
    marks = AccountMarks.of([("work", "mastodon"), ("home", "mastodon"), ("sky", "bluesky")])
    assert marks.names == {"work": "work", "home": "home"}  # sky is alone on its platform
    assert marks.width == 4
    assert AccountMarks.of([("work", "mastodon"), ("sky", "bluesky")]).width == 0


async def test_rows_name_their_account_when_a_platform_has_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ACCOUNTS, "home", Account("home", "mastodon", "https://social.example"))
    await seed(
        [
            item(1, account="work", text="To the work account"),
            item(2, account="home", text="To the home account"),
            item(3, account="sky", platform="bluesky", text="To the only bluesky one"),
        ],
        accounts=("work", "sky", "home"),
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:  # 160 columns: the list is under 100
        await settle(pilot)
        assert app.screen.query_one(ItemList).size.width < 100
        work, home = row_line(app, "To the work"), row_line(app, "To the home")
        assert "ma work" in work
        assert "ma home" in home
        sky = row_line(app, "To the only bluesky")
        assert "bs sky" not in sky  # alone on its platform: the badge says enough
        # The columns still line up.
        assert work.index("To the work") == home.index("To the home") == sky.index("To the only")


# ---- muting says how much it muted -----------------------------------------------------------


async def test_muting_a_thread_says_how_many_items_it_muted() -> None:
    thread = [
        item(n, text=f"reply {n} in the thread", thread_root_id="root-9", parent_id="root-9")
        for n in range(1, 5)
    ]
    await seed([*thread, item(9, text="elsewhere")])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await until(
            pilot,
            lambda: "Muted the thread: 4 items; u undoes" in notifications(app),
            "the mute to be announced",
        )
        assert app.screen.query_one(ItemList).total == 1
