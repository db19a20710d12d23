"""The app judges tone as `rapport check`, `rapport reply` and `rapport sync` do: with the
user's stored corrections, and for drafts with the usual tone the user has with the person.
`c` in the inbox corrects a verdict like `rapport correct` (and `u` takes it back).

These run the real analyser (no stub): what is tested is what it is given."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.models import ItemState, ReplyState, Tone
from core.outbox import queue_reply
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.sync.setup import load_analyzer
from core.workspace import Workspace
from tests.tui.conftest import (
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
from tui.screens.composer import ComposerScreen
from tui.screens.inbox import InboxScreen
from tui.sync_controller import SyncController
from tui.widgets.draft_area import DraftArea
from tui.widgets.preview import PreviewPane

FLAGGED = "mastodon-3"  # "Are you serious? Nobody asked for this garbage, read the issue."
GOOGLE = "Just google it."


async def open_store() -> Store:
    return await Store.open(Workspace.load().paths.database)


async def save_correction(correction: StoredCorrection) -> None:
    store = await open_store()
    try:
        await store.save_correction(correction)
    finally:
        await store.close()


async def stored(remote_id: str) -> tuple[Tone, list[tuple[str, str, bool, int | None]]]:
    """An item's stored verdict and the corrections stored for it."""
    store = await open_store()
    try:
        found = await store.item_by_remote("work", remote_id)
        assert found is not None
        assert found.id is not None
        corrections = await store.item_corrections(found.id)
        return found.tone, [(c.text, c.role, c.verdict, c.item_id) for c in corrections]
    finally:
        await store.close()


async def type_draft(pilot: Any, text: str) -> Any:
    screen = pilot.app.screen
    assert isinstance(screen, ComposerScreen)
    screen.query_one(DraftArea).insert(text)
    await until(pilot, lambda: screen.tone_for == text, "the draft's tone check", within=30)
    await settle(pilot)  # and drawn
    return screen.verdict


def preview_tone(app: Any) -> str:
    return str(app.screen.query_one(PreviewPane).text_of("tone"))


# ---- corrections in the composer's gate and the background sync -----------------------------


async def test_the_composer_judges_a_draft_with_the_stored_corrections() -> None:
    await seed(standard_items())
    await save_correction(StoredCorrection(GOOGLE, "draft", False))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        verdict = await type_draft(pilot, GOOGLE)
        assert not verdict.conflict
        text = screen_text(app)
        assert "likely conflict" not in text
        assert "correction" in text  # the reason says a correction applied
        await pilot.press("ctrl+s")  # queued at once: the gate agrees with the meter
        await settle(pilot)
        assert not isinstance(app.screen, ComposerScreen)
    # ... and with `rapport reply`, which loads the same corrections.
    store = await open_store()
    try:
        analyzer = await load_analyzer(Workspace.load(), store)
        first = await store.item_by_remote("work", "mastodon-1")
        assert first is not None
        assert first.id is not None
        assert not (await queue_reply(store, analyzer, first.id, GOOGLE)).refused
    finally:
        await store.close()


async def test_without_a_correction_the_same_draft_is_flagged() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        verdict = await type_draft(pilot, GOOGLE)
        assert verdict.conflict
        assert "correction" not in screen_text(app)


async def test_the_background_sync_loads_the_stored_corrections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's sync builds its analyser as `rapport sync` does, corrections included."""
    text = "Message 4 about the parser release"
    await seed([item(1)])
    await save_correction(StoredCorrection(text, "incoming", True))
    given: list[Any] = []
    import core.sync.setup as setup

    real = setup.build_engine

    def recording(*args: Any, **options: Any) -> Any:
        given.append(options.get("analyzer"))
        return real(*args, **options)

    monkeypatch.setattr(setup, "build_engine", recording)

    class Posted:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        def post_message(self, message: Any) -> bool:
            self.messages.append(message)
            return True

    app = Posted()
    controller = SyncController(app, Workspace.load(), make_app().clock)  # type: ignore[arg-type]
    await controller._round()
    assert len(given) == 1
    assert given[0] is not None
    verdict = await asyncio.to_thread(given[0].check, text, "incoming")
    assert verdict.conflict
    assert any("correction" in label for label in verdict.labels)


# ---- correcting from the inbox -----------------------------------------------------------------


async def test_c_marks_a_flagged_message_not_a_conflict_and_u_undoes_it() -> None:
    await seed(standard_items())
    before, _ = await stored(FLAGGED)
    assert before.conflict
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("N")  # the next flagged item
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        current = screen.items.current
        assert current is not None
        assert current.item.remote_id == FLAGGED
        await pilot.press("c")
        await settle(pilot)
        tone, corrections = await stored(FLAGGED)
        assert not tone.conflict
        assert any(r.startswith("correction:") for r in tone.reasons), tone.reasons
        assert corrections == [(current.item.text, "incoming", False, current.item.id)]
        assert "correction" in preview_tone(app)
        assert "likely conflict" not in preview_tone(app)
        assert any("Marked not a conflict" in n for n in notifications(app))

        await pilot.press("u")
        await settle(pilot)
        tone, corrections = await stored(FLAGGED)
        assert corrections == []
        assert tone == before  # the verdict as the sync stored it
        assert "likely conflict" in preview_tone(app)
        assert "correction" not in preview_tone(app)
        # The analyser forgot it too: checking the message again flags it.
        analyzer = await app.services.tone()  # type: ignore[union-attr]
        assert (await asyncio.to_thread(analyzer.check, current.item.text, "incoming")).conflict


async def test_c_again_changes_the_correction_to_this_is_one() -> None:
    calm = "Message 4 about the parser release"
    await seed([item(1, text=calm)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")  # not flagged: "this is one"
        await settle(pilot)
        tone, corrections = await stored("mastodon-1")
        assert tone.conflict
        assert [verdict for _, _, verdict, _ in corrections] == [True]
        assert "likely conflict" in preview_tone(app)
        assert "correction" in preview_tone(app)
        await pilot.press("c")  # changed my mind: the earlier correction is replaced
        await settle(pilot)
        tone, corrections = await stored("mastodon-1")
        assert not tone.conflict
        assert [verdict for _, _, verdict, _ in corrections] == [False]
        await pilot.press("u")  # back to "this is one"
        await settle(pilot)
        tone, corrections = await stored("mastodon-1")
        assert tone.conflict
        assert [verdict for _, _, verdict, _ in corrections] == [True]


async def test_correcting_leaves_the_triage_state_alone_and_is_in_the_footer_and_help() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "c Fix tone" in screen_text(app)  # the footer
        await pilot.press("c", "e")  # correct, then done
        await settle(pilot)
        await pilot.press("u")  # undoes "done" only
        await settle(pilot)
        store = app.services.store  # type: ignore[union-attr]
        first = await store.item_by_remote("work", "mastodon-1")
        assert first is not None
        assert first.state is ItemState.NEW
        assert first.tone.conflict  # still corrected
        await pilot.press("question_mark")
        await settle(pilot)
        assert "inbox.correct" in screen_text(app)


# ---- the composer's "colder than usual" --------------------------------------------------------


async def test_the_composer_says_a_curt_draft_is_colder_than_usual_with_this_person() -> None:
    maria = [item(n, author=0, minutes_ago=60 * n) for n in range(1, 5)]  # Maria López
    newcomer = item(9, author=2, minutes_ago=1)  # Priya Nair, never answered
    await seed([*maria, newcomer])
    store = await open_store()
    try:
        for n in (2, 3, 4):  # answered warmly from Rapport three times
            found = await store.item_by_remote("work", f"mastodon-{n}")
            assert found is not None
            assert found.id is not None
            reply = await store.queue_reply(found.id, "work", "Thanks!", Tone(0.6), False)
            assert reply.id is not None
            await store.update_reply(reply.id, ReplyState.SENT, remote_id=f"r-{n}")
    finally:
        await store.close()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")  # the newcomer (newest)
        await settle(pilot)
        verdict = await type_draft(pilot, "Stop asking about this.")
        assert not any("colder" in label for label in verdict.labels)
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("j", "r")  # Maria's unanswered message
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ComposerScreen)
        assert screen.item.remote_id == "mastodon-1"
        verdict = await type_draft(pilot, "Stop asking about this.")
        assert verdict.conflict
        assert "colder than usual with Maria López" in screen_text(app)
