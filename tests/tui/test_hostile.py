"""Platform text is data: markup shows literally, escapes and bidi controls never get through."""

from __future__ import annotations

import re

from core.models import Contact
from tests.tui.conftest import (
    HOSTILE,
    SIZE,
    StubAnalyzer,
    item,
    make_app,
    screen_text,
    seed,
    segments_text,
    settle,
    until,
)
from tui.text import highlight_spans, one_line, safe

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_safe_removes_whole_sequences_and_bidi() -> None:
    assert safe("a\x1b]0;pwned\x07b") == "ab"
    assert safe("a\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\b") == "alinkb"
    assert safe("x\x1b[2Jy\x1b[31mred\x1b[0m") == "xyred"
    assert safe("\x9b2Jz") == "z"
    assert safe("left\u202eright\u2066i\u2069") == "leftrighti"
    assert safe("keep\nlines\tand tabs") == "keep\nlines\tand tabs"
    assert safe("[bold red]x[/]") == "[bold red]x[/]"
    assert CONTROL.search(safe(HOSTILE)) is None


def test_highlighting_spans_of_hostile_text_keeps_offsets_right() -> None:
    text = "\x1b[2Jyou are garbage"
    start = text.index("garbage")
    shown = highlight_spans(text, [(start, start + 7)], "bold")
    assert shown.plain == "you are garbage"
    assert [shown.plain[s.start : s.end] for s in shown.spans] == ["garbage"]


def test_one_line_collapses_whitespace() -> None:
    assert one_line("a\n\n  b\tc\x1b[1m") == "a b c"


async def test_hostile_message_is_shown_literally_everywhere() -> None:
    hostile_author = Contact(
        platform="mastodon",
        remote_id="evil",
        handle="@[b]evil[/b]\x1b]0;owned\x07",
        display_name="\u202eEvil [red]Name[/red]",
    )
    entry = item(
        1,
        text=HOSTILE,
        tags=["[x]"],
        conflict=True,
        polarity=-0.9,
        reasons=["[bold]markup in a reason[/]"],
    )
    entry.author = hostile_author
    await seed([entry, item(2, text="a calm message")])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the preview has the item's details and the reasons' words
        shown = screen_text(app)
        assert "[bold red]x[/]" in shown  # markup shown as typed, not applied
        assert "[link=https://x]y[/link]" in shown
        assert "$conflict" in shown
        assert "Evil [red]Name[/red]" in shown
        assert "[bold]markup in a reason[/]" in shown
        assert "pwned" not in shown
        assert "owned" not in shown
        sent = segments_text(app)
        assert CONTROL.search(sent) is None  # no escape, control or bidi character on screen
        await pilot.press("r")  # the composer shows the parent literally too
        await settle(pilot)
        assert "[bold red]x[/]" in screen_text(app)
        assert CONTROL.search(segments_text(app)) is None


async def test_pasted_escapes_never_reach_the_draft() -> None:
    await seed([item(1)])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        from textual import events

        from tui.widgets.draft_area import DraftArea

        area = app.screen.query_one(DraftArea)
        app.post_message(events.Paste("hi \x1b]0;pwned\x07there\u202e!"))
        await until(pilot, lambda: area.text != "", "the paste to reach the draft")
        assert area.text == "hi there!"


async def test_pasted_escapes_never_reach_the_search_box() -> None:
    await seed([item(1)])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        from textual import events
        from textual.widgets import Input

        app.post_message(events.Paste("tag:\x1b[31mbug\u202e\nsecond line"))
        field = app.screen.query_one("#search-input", Input)
        await until(pilot, lambda: field.value != "", "the paste to reach the search box")
        assert app.screen.query_one("#search-input").value == "tag:bug"  # type: ignore[attr-defined]
