"""Background sync from the app: the same engine and the same lock as `rapport sync`.

Each round runs in a thread worker with its own event loop and its own Store connection
(aiosqlite connections belong to the loop that opened them). It takes the workspace's sync lock
without waiting: if `rapport sync` (cron, a timer, another window) holds it, the round is
skipped and the status line says so. Progress goes back to the app as messages; nothing here
touches a widget. The analyser is built in the round too, with the corrections stored at its
start, as `rapport sync` builds it: the app's sync and the command's judge items the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from typing import Any

from textual.app import App

from core.clock import Clock
from core.sync.progress import AccountProgress
from core.workspace import Workspace
from tui.messages import SyncFinished, SyncProgressed, SyncStarted

log = logging.getLogger("rapport.tui.sync")


class SyncController:
    def __init__(self, app: App[Any], workspace: Workspace, clock: Clock) -> None:
        self.app = app
        self.workspace = workspace
        self.clock = clock
        #: True from the start of a round until the app has handled its SyncFinished.
        self.running = False
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: Any = None

    def start_round(self) -> bool:
        """Start a round unless one is running; returns whether one started."""
        if self.running or not self.workspace.accounts():
            return False
        self.running = True
        self.app.run_worker(
            self._thread_main,
            thread=True,
            group="sync",
            name="background sync",
            exit_on_error=False,
        )
        return True

    def finished(self) -> None:
        self.running = False

    def stop(self) -> None:
        """Ask a running round to finish the page it is storing and stop (on quit)."""
        with self._lock:
            loop, engine = self._loop, self._engine
        if loop is not None and engine is not None:
            loop.call_soon_threadsafe(engine.stop)

    # ---- in the worker thread ----------------------------------------------------------------

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._round())
        except Exception as exc:  # never let a sync bug take the app down
            log.exception("background sync failed")
            self.app.post_message(SyncFinished(None, f"sync failed: {type(exc).__name__}"))

    async def _round(self) -> None:
        from core.store.repository import Store
        from core.sync.lock import SyncLock
        from core.sync.setup import build_engine, load_analyzer

        lock = SyncLock(self.workspace.paths.lock_file)
        if not lock.try_acquire():
            self.app.post_message(SyncFinished(None, "sync running elsewhere"))
            return
        summary = None
        try:
            self.app.post_message(SyncStarted())
            store = await Store.open(self.workspace.paths.database)
            try:
                await store.wake_snoozed(self.clock.now())

                def report(progress: AccountProgress) -> None:
                    copy = dataclasses.replace(progress, new_item_ids=list(progress.new_item_ids))
                    self.app.post_message(SyncProgressed(copy))

                analyzer = await load_analyzer(self.workspace, store)
                engine = build_engine(
                    self.workspace, store, on_progress=report, clock=self.clock, analyzer=analyzer
                )
                with self._lock:
                    self._loop, self._engine = asyncio.get_running_loop(), engine
                try:
                    summary = await engine.run(self.workspace.accounts(), send=True)
                finally:
                    with self._lock:
                        self._loop, self._engine = None, None
                    await engine.aclose()
            finally:
                await store.close()
        finally:
            lock.release()
            self.app.post_message(SyncFinished(summary))
