"""Search (/) with every filter of the query language, the chips, errors, saved views."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette

from core.config import set_value
from core.models import ItemKind, ItemState
from core.workspace import Workspace
from tests.tui.conftest import SIZE, item, make_app, screen_text, seed, settle, until
from tui.widgets.chip_bar import ChipBar
from tui.widgets.item_list import ItemList


def corpus() -> list:  # type: ignore[type-arg]
    entries = [
        item(
            1,
            text="The parser crashes on empty input",
            author=0,
            tags=["bug"],
            minutes_ago=300,
            polarity=-0.5,
        ),
        item(
            2,
            platform="bluesky",
            account="sky",
            text="Lovely release, thank you",
            author=1,
            minutes_ago=30,
            polarity=0.8,
            kind=ItemKind.REPLY,
        ),
        item(
            3,
            platform="github",
            account="oss",
            text="CI fails: exact phrase here please",
            author=2,
            kind=ItemKind.COMMENT,
            minutes_ago=600,
            conflict=True,
            polarity=-0.7,
        ),
        item(4, text="A question about the parser?", author=3, tags=["question"], minutes_ago=10),
        item(
            5,
            text="Old done thing about the parser",
            author=0,
            state=ItemState.DONE,
            minutes_ago=5000,
        ),
    ]
    entries[3].is_question = True
    return entries


def shown(app) -> list[str]:  # type: ignore[no-untyped-def]
    items = app.screen.query_one(ItemList)
    return [items.row_at(i).item.remote_id for i in range(items.total)]


async def search(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    await pilot.pause()
    field = pilot.app.screen.query_one("#search-input")
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("parser", ["mastodon-1", "mastodon-4"]),
        ('"exact phrase"', ["github-3"]),
        ("parser -crashes", ["mastodon-4"]),
        ("from:maria", ["mastodon-1"]),
        ("from:@ken", ["bluesky-2"]),
        ("platform:bluesky", ["bluesky-2"]),
        ("account:oss", ["github-3"]),
        ("kind:comment", ["github-3"]),
        ("tag:bug", ["mastodon-1"]),
        ("-tag:bug", ["bluesky-2", "github-3", "mastodon-4"]),
        ("is:owed", ["mastodon-1", "github-3"]),
        ("is:flagged", ["github-3"]),
        ("is:question", ["mastodon-4"]),
        ("tone:negative", ["mastodon-1", "github-3"]),
        ("tone:positive", ["bluesky-2"]),
        ("tone:neutral", ["mastodon-4"]),
        ("after:2026-11-02T08:00", ["mastodon-4", "bluesky-2"]),
        ("before:2026-11-02T07:00", ["github-3"]),
        ("from:maria tag:bug parser", ["mastodon-1"]),
    ],
)
async def test_each_filter(query: str, expected: list[str]) -> None:
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, query)
        assert sorted(shown(app)) == sorted(expected)


async def test_chips_show_the_view_and_each_term_and_escape_clears() -> None:
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chips = app.screen.query_one(ChipBar)
        assert not chips.display  # nothing narrows the inbox but its view
        await search(pilot, 'from:maria -tag:wontfix "empty input"')
        assert chips.display
        text = str(chips.render())
        assert "Inbox: is:new" in text
        assert "from:maria" in text
        assert "-tag:wontfix" in text
        assert '"empty input"' in text
        assert shown(app) == ["mastodon-1"]
        await pilot.press("escape")
        await settle(pilot)
        assert not chips.display
        assert len(shown(app)) == 4


async def test_search_combines_with_the_view() -> None:
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await search(pilot, "parser")
        assert sorted(shown(app)) == ["mastodon-1", "mastodon-4"]
        await pilot.press("5")  # All: the done item matches too
        await settle(pilot)
        assert sorted(shown(app)) == ["mastodon-1", "mastodon-4", "mastodon-5"]


async def test_a_broken_query_explains_and_does_not_search() -> None:
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"is:sleepy")
        await pilot.pause()
        assert "is:sleepy is unknown" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert len(shown(app)) == 4  # unchanged
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(ItemList).has_focus


async def test_completion_of_filter_names_and_tags() -> None:
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "p", "l")
        await settle(pilot)
        await pilot.press("right")
        field = app.screen.query_one("#search-input")
        assert field.value == "platform:"  # type: ignore[attr-defined]
        field.value = "tag:b"  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("end")
        await pilot.press("right")
        assert field.value == "tag:bug"  # type: ignore[attr-defined]


async def test_saved_views_from_config_are_in_the_palette() -> None:
    workspace = Workspace.load()
    workspace.paths.ensure()
    set_value(workspace.paths, "views", "bugs", "tag:bug")
    await seed(corpus())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette to open")
        await pilot.press(*"bugs")
        await settle(pilot)  # the search for what was typed has finished
        assert "Saved search: bugs" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert shown(app) == ["mastodon-1"]
        assert "bugs: tag:bug" in str(app.screen.query_one(ChipBar).render())
