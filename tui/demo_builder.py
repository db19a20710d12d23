"""The demo, started from the welcome screen: build a demo workspace the way `rapport demo`
does (local stand-ins for the platforms, a generated history, synced through the real
connectors and engine), keep its stand-ins running while the app shows it, and stop them when
the app closes.

The building runs in a thread worker with its own event loop (the sync engine's store
connection belongs to it), and reports through messages; nothing here touches a widget.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message import Message

from core.paths import Paths
from core.sync.progress import AccountProgress
from core.workspace import Workspace

log = logging.getLogger("rapport.tui.demo")


def demo_home(paths: Paths) -> Path:
    """Where the welcome screen keeps its demo workspace: beside the user's own data, so a
    second try reuses it (`RAPPORT_HOME=<it> rapport` opens it too)."""
    return paths.data_dir / "demo"


class DemoProgressed(Message):
    """One demo account's sync progress (a copy)."""

    def __init__(self, progress: AccountProgress) -> None:
        super().__init__()
        self.progress = progress


class DemoBuilt(Message):
    """The demo workspace is ready (`workspace`), or could not be built (`error`)."""

    def __init__(self, home: Path, workspace: Workspace | None, error: str = "") -> None:
        super().__init__()
        self.home = home
        self.workspace = workspace
        self.error = error


class DemoBuilder:
    def __init__(self, app: App[Any], *, items: int | None = None) -> None:
        self.app = app
        #: About how many messages (None: the same default as `rapport demo`).
        self.items = items
        self.building = False
        self._running: contextlib.ExitStack | None = None

    def start(self, home: Path) -> bool:
        """Build (or reuse) the demo workspace in `home`; False if a build is under way."""
        if self.building:
            return False
        self.building = True
        self.app.run_worker(
            lambda: self._build(home),
            thread=True,
            group="demo",
            name="demo workspace",
            exit_on_error=False,
        )
        return True

    def _build(self, home: Path) -> None:
        from core.demo.runtime import adopt, demo_fleet, new_demo_config, sync_demo

        stack = contextlib.ExitStack()
        try:
            workspace = Workspace.load(str(home))
            if workspace.config.demo is None:
                adopt(workspace, new_demo_config(self.items))
            stack.enter_context(demo_fleet(workspace))

            def report(progress: AccountProgress) -> None:
                copy = dataclasses.replace(progress, new_item_ids=[])
                self.app.post_message(DemoProgressed(copy))

            summary = asyncio.run(sync_demo(workspace, report))
            if not summary.ok:
                failed = ", ".join(a.account for a in summary.accounts if a.failed)
                raise RuntimeError(f"the demo sync failed for {failed}")
        except Exception as exc:
            log.exception("building the demo workspace failed")
            stack.close()
            self.app.post_message(DemoBuilt(home, None, str(exc) or type(exc).__name__))
            return
        self._running = stack
        self.app.post_message(DemoBuilt(home, workspace))

    def finished(self) -> None:
        self.building = False

    def close(self) -> None:
        """Stop the demo's platform stand-ins (the app is closing)."""
        if self._running is not None:
            running, self._running = self._running, None
            running.close()
