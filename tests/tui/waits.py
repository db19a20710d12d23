"""Waiting for the app without sleeping: poll a condition, yielding to the app between checks.

`until` waits for one condition (what the test asserts next); `settle` waits until the app has
nothing in flight. A `within` bound only turns a hang into a failure that says what never
happened; it is never the expected wait.

Re-exported by conftest. A module of its own, light on imports, because a subprocess test uses
it to see what the app itself loads at start (conftest imports the analyser's types).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tui.screens.composer import ComposerScreen
from tui.screens.inbox import InboxScreen
from tui.widgets.draft_area import DraftArea

#: How long each poll lets the app run (after it has handled what was already queued).
POLL = 0.01


async def until(
    pilot: Any,
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    within: float = 10.0,
) -> None:
    """Yield to the app until `condition()` holds; fail naming `what` if it never does."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {within:g} s waiting for {what}")
        await pilot.pause(POLL)


def unsettled(app: Any) -> list[str]:
    """What the app is still busy with (empty when it is at rest): workers (a background sync
    aside), debounced steps not yet run, a list still loading, a preview without the details
    of the item under the cursor, a composer whose tone meter is behind the draft."""
    waiting = [
        f"worker {w.name or w.group}"
        for w in app.workers
        if not w.is_finished and w.group != "sync"
    ]
    for screen in app.screen_stack:
        debounce = getattr(screen, "debounce", None)
        if debounce is not None:
            waiting += [f"{type(screen).__name__}: {name}" for name in debounce.pending]
        if isinstance(screen, InboxScreen) and screen.is_mounted:
            items = screen.items
            row = items.current
            if not items.loaded:
                waiting.append("the list to load")
            elif row is not None and row.item.id is not None and screen.details_for != row.item.id:
                waiting.append(f"the preview's details of item {row.item.id}")
        elif isinstance(screen, ComposerScreen):
            areas = screen.query(DraftArea)
            if not areas or screen.tone_for != areas.first().text:
                waiting.append("the tone check of the draft")
    return waiting


async def settle(pilot: Any, *, within: float = 30.0) -> None:
    """Wait until the app is at rest (see `unsettled`) at two polls in a row: what finished
    just before the first one may have posted a message that starts more work."""
    app = pilot.app
    deadline = time.monotonic() + within
    calm = 0
    while calm < 2:
        await pilot.pause(POLL)
        waiting = unsettled(app)
        calm = 0 if waiting else calm + 1
        if waiting and time.monotonic() > deadline:
            raise AssertionError(
                f"the app did not settle within {within:g} s; still waiting for: "
                + ", ".join(waiting)
            )
