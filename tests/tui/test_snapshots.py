"""Screenshots of every screen and dialog (pytest-textual-snapshot; `--snapshot-update` after
a deliberate change, then look at the SVGs in __snapshots__ before committing them)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from core.models import Item
from tests.tui.conftest import StubAnalyzer, make_app, seed_sync, settle, standard_items
from tui.screens import inbox
from tui.services import Consistency, Services
from tui.widgets.draft_area import DraftArea

SIZE = (140, 36)
HOME = Path("/tmp/rapport-snapshots")


@pytest.fixture(autouse=True)
def steady(monkeypatch: pytest.MonkeyPatch) -> None:
    """What would make a screenshot depend on timing or on other people's code: the ledger's
    sentence (its own tests pin it), and marking an item read after a moment on it."""

    async def sentence(self: Services, item: Item) -> Consistency:
        return Consistency("3rd message, 2 unanswered, you usually reply in 2 h")

    monkeypatch.setattr(Services, "consistency", sentence)
    monkeypatch.setattr(inbox, "READ_AFTER", 3600.0)
    # Paths are on screen (help, welcome): the same short home every time.
    shutil.rmtree(HOME, ignore_errors=True)
    monkeypatch.setenv("RAPPORT_HOME", str(HOME))


@pytest.fixture
def inbox_app() -> Any:
    seed_sync(standard_items())
    return make_app(analyzer=StubAnalyzer())


async def _wait(pilot: Any) -> None:
    await settle(pilot)  # the preview's details, the tabs' counts, the tone check: all in
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # a blinking cursor is there or not, at random
    await pilot.pause()


def test_inbox(snap_compare: Any, inbox_app: Any) -> None:
    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=_wait)


def test_inbox_flagged_item_preview(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("4")  # the Flagged view: the reasons, the words highlighted
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_inbox_light_theme_with_selection(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.theme = "rapport-light"
        await pilot.press("5", "x", "x")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_search_with_chips(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*'parser -tag:docs "quick fix" from:maria')
        await pilot.press("enter")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_search_box_open(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("slash", *"is:owed tag:b")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_composer_with_flagged_draft(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j", "j")
        # The preview's details load before the composer opens: a screen under a dialog is
        # not always repainted (Textual drops its repaint while the footer recomposes).
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        area = pilot.app.screen.query_one(DraftArea)
        area.cursor_blink = False
        area.insert("Honestly, just google it. This is documented.")
        await settle(pilot)  # the tone check of the text
        await pilot.press("ctrl+s")  # refused: the reasons and the second key are shown
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_help(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=(140, 50), run_before=run_before)


def test_snooze_dialog(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("s", "tab", *"fri 8:00")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_tag_dialog(snap_compare: Any, inbox_app: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("t", *"urgent d")
        await _wait(pilot)

    assert snap_compare(inbox_app, terminal_size=SIZE, run_before=run_before)


def test_welcome(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_wait)
