"""A sync worker process: an engine of its own, on its own connection, for the accounts it is sent.

Parsing, the tone check and storing a page are Python work that one process does on one core,
and a database thread beside a busy event loop waits for the GIL after every SQLite call (see
bench/gil_convoy.py). So a sync of several accounts runs them in worker processes, one per core
(core.sync.processes starts them); each builds the same engine `rapport sync` would
(core.sync.setup.engine_for) and syncs its accounts with it, page by page, each page in one
transaction as always, so a worker killed mid-sync loses nothing stored.

The worker talks to the process that started it over one pipe: it is sent `RunAccounts`,
`STOP` and `EXIT`, and sends back `Progress` for each page, `LogLine` for each log record,
and `Finished` at the end of a run. It ignores Ctrl-C (the terminal sends it to the whole
process group; the parent decides, and sends STOP); SIGTERM, or the parent going away, stops it
after the page being stored.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from core.models import Account
from core.secrets import Credentials, redact
from core.sync.progress import AccountProgress

log = logging.getLogger("rapport.sync")

STOP = "stop"
EXIT = "exit"


@dataclass(frozen=True, slots=True)
class WorkerRecipe:
    """Everything a worker needs to build its engine, as plain (picklable) data."""

    database: str
    settings: Any  # core.sync.setup.SyncSettings (imported lazily: the worker starts lean)
    #: How many of its accounts a worker syncs at once (their network waits overlap).
    concurrency: int = 2
    log_level: int = logging.INFO
    #: Builds each account's connector: None for the platforms' own; a picklable callable
    #: for benchmarks and tests (see core.sync.engine.ConnectorFactory).
    connector_factory: Callable[..., Any] | None = None
    #: The engine's clock: None for the real one (tests and benchmarks pass a FakeClock).
    clock: Any = None


@dataclass(frozen=True, slots=True)
class RunAccounts:
    accounts: list[Account]
    #: Each account's secret parts, or None where none is stored (the engine says so).
    secrets: dict[str, dict[str, str] | None]
    send: bool = True


@dataclass(frozen=True, slots=True)
class Progress:
    progress: AccountProgress


@dataclass(frozen=True, slots=True)
class Finished:
    accounts: list[AccountProgress] = field(default_factory=list)
    #: Set when the worker could not sync at all (say, the database would not open).
    error: str = ""


@dataclass(frozen=True, slots=True)
class LogLine:
    level: int
    logger: str
    text: str


def main(conn: Connection, recipe: WorkerRecipe) -> None:
    """The worker process's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sender = _Sender(conn)
    _forward_logs(sender, recipe.log_level)
    try:
        asyncio.run(_serve(conn, sender, recipe))
    finally:
        conn.close()


class _Sender:
    """Sends to the parent from any thread (a log record may come from another thread)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.closed = False

    def send(self, message: object) -> None:
        if self.closed:
            return
        with self._lock:
            try:
                self._conn.send(message)
            except (OSError, EOFError):  # the parent is gone: nobody left to tell
                self.closed = True


class _ForwardingHandler(logging.Handler):
    def __init__(self, sender: _Sender) -> None:
        super().__init__()
        self._sender = sender

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            self._sender.send(LogLine(record.levelno, record.name, redact(text)))
        except Exception:  # a log line must never break a sync
            self.handleError(record)


def _forward_logs(sender: _Sender, level: int) -> None:
    logger = logging.getLogger("rapport")
    logger.setLevel(level)
    logger.propagate = False
    logger.addHandler(_ForwardingHandler(sender))


async def _serve(conn: Connection, sender: _Sender, recipe: WorkerRecipe) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[object] = asyncio.Queue()

    def readable() -> None:
        try:
            while conn.poll():
                inbox.put_nowait(conn.recv())
        except (EOFError, OSError):  # the parent went away (killed, say): stop cleanly
            loop.remove_reader(conn.fileno())
            sender.closed = True
            inbox.put_nowait(EXIT)

    loop.add_reader(conn.fileno(), readable)
    loop.add_signal_handler(signal.SIGTERM, lambda: inbox.put_nowait(STOP))
    worker = _Worker(recipe, sender)
    running: asyncio.Task[None] | None = None
    try:
        while True:
            message = await inbox.get()
            if isinstance(message, RunAccounts):
                running = asyncio.create_task(worker.run(message))
            elif message == STOP:
                worker.stop()
            elif message == EXIT:
                worker.stop()
                break
        if running is not None:
            await running
    finally:
        loop.remove_reader(conn.fileno())
        await worker.close()


class _Worker:
    def __init__(self, recipe: WorkerRecipe, sender: _Sender) -> None:
        self.recipe = recipe
        self.sender = sender
        self.engine: Any = None
        self.store: Any = None
        self.secrets: dict[str, Credentials | None] = {}
        self.stopped = False
        self.warming: asyncio.Task[Any] | None = None

    async def run(self, message: RunAccounts) -> None:
        try:
            for name, parts in message.secrets.items():
                # Rebuilt here, so this process blanks them out of its log lines too.
                self.secrets[name] = Credentials(parts) if parts is not None else None
            engine = await self._engine()
            if self.stopped:
                engine.stop()
            results = await engine.sync_accounts(message.accounts, send=message.send)
        except Exception as exc:  # the parent reports it for each of this worker's accounts
            log.exception("sync worker failed")
            self.sender.send(Finished(error=redact(f"{type(exc).__name__}: {exc}")))
            return
        self.sender.send(Finished(results))

    async def _engine(self) -> Any:
        if self.engine is not None:
            return self.engine
        from core.store.repository import Store
        from core.sync.setup import analyzer_for, engine_for

        recipe = self.recipe
        # A backfill rewrites the same index pages page after page: checkpointing the log
        # every 32 MB instead of every 4 MB copies each of them back (and syncs the file)
        # far fewer times (~12% of the time storing pages, measured on the sync benchmark).
        self.store = await Store.open(recipe.database, inline=True, checkpoint_pages=8000)
        analyzer = analyzer_for(recipe.settings, await self.store.corrections())
        # The word lists and the model load (~0.7 s) in a thread while the first pages are
        # fetched; a check meanwhile waits for them (the analyser loads under a lock).
        self.warming = asyncio.create_task(asyncio.to_thread(analyzer.check, "", "incoming"))
        overrides: dict[str, Any] = {"concurrency": recipe.concurrency}
        if recipe.connector_factory is not None:
            overrides["connector_factory"] = recipe.connector_factory
        if recipe.clock is not None:
            overrides["clock"] = recipe.clock
        self.engine = engine_for(
            recipe.settings,
            self.store,
            self.secrets.get,
            on_progress=self._report,
            analyzer=analyzer,
            **overrides,
        )
        return self.engine

    def _report(self, progress: AccountProgress) -> None:
        # The ids of new items go back once, with the run's result, not with every page.
        self.sender.send(Progress(dataclasses.replace(progress, new_item_ids=[])))

    def stop(self) -> None:
        self.stopped = True
        if self.engine is not None:
            self.engine.stop()

    async def close(self) -> None:
        if self.warming is not None:
            await self.warming
        if self.engine is not None:
            await self.engine.aclose()
        if self.store is not None:
            await self.store.close()
