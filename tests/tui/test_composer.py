"""The reply composer: the conflict gate, drafts that survive, length limits, snippets."""

from __future__ import annotations

from core.config import set_value
from core.models import ReplyState
from core.store.repository import Store
from core.workspace import Workspace
from tests.tui.conftest import (
    SIZE,
    StubAnalyzer,
    item,
    make_app,
    notifications,
    screen_text,
    seed,
    settle,
    standard_items,
    until,
)
from tui.screens.composer import ComposerScreen
from tui.widgets.draft_area import DraftArea
from tui.widgets.preview import PreviewPane


async def replies(
    remote_id: str = "mastodon-1", *, account: str = "work", drafts: bool = False
) -> list:  # type: ignore[type-arg]
    """The item's replies (queued or further along; drafts only when asked)."""
    store = await Store.open(Workspace.load().paths.database)
    try:
        found = await store.item_by_remote(account, remote_id)
        assert found is not None
        assert found.id is not None
        found_replies = await store.replies_for(found.id)
        return [r for r in found_replies if drafts or r.state is not ReplyState.DRAFT]
    finally:
        await store.close()


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    area = pilot.app.screen.query_one(DraftArea)
    area.insert(text)
    await settle(pilot)  # the tone check runs after typing pauses; settle waits for it


async def test_unflagged_reply_is_queued_with_one_key() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        assert "Thanks for the quick fix" in screen_text(app)  # the parent is visible
        await type_text(pilot, "Glad it helps, thanks for the report!")
        assert "Risk" in screen_text(app)
        assert "likely conflict" not in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        sent = await replies()
        assert [(r.state, r.forced, r.text) for r in sent] == [
            (ReplyState.QUEUED, False, "Glad it helps, thanks for the report!")
        ]
        assert "queued" in screen_text(app)  # the preview shows the reply's state
        assert "⇡" in screen_text(app)  # and the list marks it


async def test_flagged_reply_needs_the_second_key_and_enter_never_sends() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Just google it")
        assert "likely conflict" in screen_text(app)
        assert "dismissive" in screen_text(app)  # the reason, before sending
        await pilot.press("ctrl+f")  # not armed yet: inert
        await settle(pilot)
        assert await replies() == []
        await pilot.press("ctrl+s")  # first press: refused, reasons shown
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        assert "Ctrl+F to send it anyway" in screen_text(app)
        assert await replies() == []
        await pilot.press("ctrl+s")  # pressing send again is not a confirmation
        await until(
            pilot,
            lambda: any("Ctrl+F sends it anyway" in n for n in notifications(app)),
            "the second Ctrl+S to be answered",
        )
        await settle(pilot)
        assert await replies() == []
        await pilot.press("enter", "enter")  # Enter only adds lines (and disarms)
        await settle(pilot)
        assert await replies() == []
        assert app.screen.query_one(DraftArea).text == "Just google it\n\n"
        await pilot.press("ctrl+f")  # the text changed since it was shown: inert again
        await settle(pilot)
        assert await replies() == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+f")  # the deliberate, different key
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
        sent = await replies()
        assert [(r.state, r.forced, r.text) for r in sent] == [
            (ReplyState.QUEUED, True, "Just google it")
        ]
        # Queued, not sent: the toast and the preview say so.
        await until(
            pilot,
            lambda: any("despite the conflict flag" in n for n in notifications(app)),
            "the reply to be announced",
        )
        said = next(n for n in notifications(app) if "despite the conflict flag" in n)
        assert said.startswith("Reply queued despite the conflict flag")
        assert "next sync" in said
        assert "sent despite" not in said
        await settle(pilot)
        replies_shown = app.screen.query_one(PreviewPane).text_of("replies")
        assert "queued despite a conflict flag" in replies_shown


async def test_flagged_words_are_highlighted_in_the_draft() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Well, just google it.")
        area = app.screen.query_one(DraftArea)
        line = area.get_line(0)
        styled = [line.plain[s.start : s.end] for s in line.spans if s.style]
        assert "google it" in styled


async def test_draft_is_saved_while_typing_and_restored_after_quitting() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Half a thought about the")
        composer = app.screen
        assert isinstance(composer, ComposerScreen)
        await until(
            pilot,
            lambda: composer.saved_text == "Half a thought about the",
            "the draft to be saved while typing",
        )
        store = app.services.store  # type: ignore[union-attr]
        row = await store.item_by_remote("work", "mastodon-1")
        assert row is not None
        assert row.id is not None
        draft = await store.draft(row.id)
        assert draft is not None
        assert draft.text == "Half a thought about the"
        app.screen.query_one(DraftArea).insert(" parser")
        await pilot.press("ctrl+q")  # quit mid-draft, right after typing
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "✎" in screen_text(app)  # the list marks an item with a draft
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(DraftArea).text == "Half a thought about the parser"
        assert "Draft restored." in notifications(app)


async def test_escape_keeps_the_draft_and_discard_removes_it() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "keep me")
        await pilot.press("escape")
        await settle(pilot)
        assert [r.state for r in await replies(drafts=True)] == [ReplyState.DRAFT]
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(DraftArea).text == "keep me"
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert await replies(drafts=True) == []


async def test_bluesky_counts_graphemes_and_refuses_a_too_long_reply() -> None:
    await seed([item(1, platform="bluesky", account="sky", text="hi")])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        family = "👨\u200d👩\u200d👧"  # one grapheme, five code points
        await type_text(pilot, family * 10)
        assert "290 of 300 graphemes left" in screen_text(app)
        app.screen.query_one(DraftArea).insert("x" * 291)
        await until(
            pilot,
            lambda: "1 over the bluesky limit of 300 graphemes" in screen_text(app),
            "the length to show the excess",
        )
        assert "1 over the bluesky limit of 300 graphemes" in screen_text(app)
        await pilot.press("ctrl+s")
        await until(
            pilot,
            lambda: any("Too long for bluesky" in n for n in notifications(app)),
            "the reply to be refused as too long",
        )
        await settle(pilot)
        assert isinstance(app.screen, ComposerScreen)
        assert await replies("bluesky-1", account="sky") == []


async def test_snippet_is_inserted_by_name_with_the_authors_name() -> None:
    workspace = Workspace.load()
    workspace.paths.ensure()
    set_value(workspace.paths, "snippets", "thanks", "Thank you {name}, glad it helped!")
    set_value(workspace.paths, "snippets", "later", "I will look at this next week.")
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press(*"tha", "enter")
        await settle(pilot)
        author = app.screen.query_one(DraftArea)
        assert author.text.startswith("Thank you ")
        assert author.text.endswith(", glad it helped!")
        assert "{name}" not in author.text


async def test_the_real_analyser_gates_a_hostile_reply() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await type_text(pilot, "Just google it, this is obvious. Nobody asked for your garbage.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await until(
            pilot,
            lambda: "Ctrl+F to send it anyway" in screen_text(app),
            "the refusal and its reasons",
        )
        assert isinstance(app.screen, ComposerScreen)
        assert await replies() == []
        await pilot.press("ctrl+f")
        await settle(pilot)
        sent = await replies()
        assert len(sent) == 1
        assert sent[0].forced
        assert sent[0].tone is not None
        assert sent[0].tone.conflict


async def test_a_failed_reply_can_be_retried() -> None:
    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        store = app.services.store  # type: ignore[union-attr]
        row = await store.item_by_remote("work", "mastodon-1")
        assert row is not None
        assert row.id is not None
        reply = await store.queue_reply(row.id, "work", "hello", None, forced=False)
        assert reply.id is not None
        await store.update_reply(reply.id, ReplyState.FAILED, error="the thread is locked")
        await pilot.press("j", "k")
        await settle(pilot)  # the preview has the item's details (its replies) again
        assert "failed: the thread is locked" in screen_text(app)
        await pilot.press("R")
        await settle(pilot)
        assert [r.state for r in await store.replies_for(row.id)] == [ReplyState.QUEUED]
