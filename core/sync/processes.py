"""Syncing accounts in worker processes, one per core: the same contract as `SyncEngine`.

`ProcessSync.run(accounts)` spreads the accounts over up to `workers` processes
(core.sync.worker), each syncing its share with an engine of its own, and gathers their
progress (passed on to `on_progress` as it comes) and results into one `SyncSummary`. Secrets
are looked up here and sent to the workers over their pipes, never on a command line.

A worker that dies (killed, out of memory) fails only its own accounts, with a message saying
so; what it stored stays stored (each page is one transaction) and the next sync resumes from
there. The workers live until `aclose`, so `--watch` rounds reuse them.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from core.clock import Clock
from core.models import Account
from core.sync import worker
from core.sync.engine import CredentialsLookup, ProgressCallback, log_start, logged_summary
from core.sync.progress import AccountProgress, Phase, SyncSummary
from core.sync.shares import deal


def default_workers() -> int:
    """One worker per core this process may use (none on Windows, whose event loop cannot
    watch a pipe: everything runs in the rapport process there)."""
    if sys.platform == "win32":
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


class ProcessSync:
    def __init__(
        self,
        recipe: worker.WorkerRecipe,
        credentials: CredentialsLookup,
        *,
        workers: int | None = None,
        on_progress: ProgressCallback | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.recipe = recipe
        self._credentials = credentials
        self._max_workers = max(1, workers or default_workers())
        self._on_progress = on_progress
        self.clock = clock or Clock()
        self._workers: list[_WorkerHandle] = []
        self._stopping = asyncio.Event()
        self._seconds: dict[str, float] = {}  # how long each account's last run took

    def stop(self) -> None:
        """Each worker finishes the page it is storing, then its accounts stop."""
        self._stopping.set()
        for each in self._workers:
            each.tell(worker.STOP)

    async def wait_stopped(self) -> None:
        await self._stopping.wait()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def pids(self) -> list[int]:
        """The worker processes' ids (for the log, and for tests that kill one)."""
        return [w.process.pid for w in self._workers if w.alive and w.process.pid is not None]

    async def run(self, accounts: Sequence[Account], *, send: bool = True) -> SyncSummary:
        started = self.clock.time()
        log_start(accounts)
        shares = deal(accounts, self._max_workers, self._seconds)
        self._start_workers(len(shares))
        runs = [
            self._workers[n].run(share, self._secrets(share), send)
            for n, share in enumerate(shares)
        ]
        finished = await asyncio.gather(*runs)
        by_name = {p.account: p for share in finished for p in share}
        # The next --watch round deals by these (a failed run says little about the cost).
        self._seconds.update({p.account: p.duration for p in by_name.values() if not p.failed})
        return logged_summary([by_name[a.name] for a in accounts], self.clock.time() - started)

    async def aclose(self) -> None:
        """Let each worker close its store and end; one that does not is terminated."""
        workers, self._workers = self._workers, []
        await asyncio.gather(*(each.close() for each in workers))

    def _secrets(self, accounts: list[Account]) -> dict[str, dict[str, str] | None]:
        secrets: dict[str, dict[str, str] | None] = {}
        for account in accounts:
            found = self._credentials(account.name)
            secrets[account.name] = found.reveal_all() if found is not None else None
        return secrets

    def _start_workers(self, count: int) -> None:
        self._workers = [w for w in self._workers if w.alive]
        while len(self._workers) < count:
            handle = _WorkerHandle(self.recipe, self._report)
            self._workers.append(handle)
            if self.stopping:
                handle.tell(worker.STOP)

    def _report(self, progress: AccountProgress) -> None:
        if self._on_progress is not None:
            self._on_progress(progress)


@dataclass
class _Run:
    accounts: list[Account]
    done: asyncio.Future[worker.Finished]
    latest: dict[str, AccountProgress] = field(default_factory=dict)


class _WorkerHandle:
    """One worker process and this side of its pipe."""

    def __init__(self, recipe: worker.WorkerRecipe, report: ProgressCallback) -> None:
        # "spawn": a fresh interpreter. Forking a process that has threads running (the
        # database's, the app's) can copy a lock someone holds, and the child waits forever.
        context = multiprocessing.get_context("spawn")
        mine, theirs = context.Pipe(duplex=True)
        self.conn: Connection = mine
        self.process: BaseProcess = context.Process(
            target=worker.main, args=(theirs, recipe), name="rapport-sync-worker", daemon=True
        )
        self.process.start()
        theirs.close()
        self._report = report
        self._run: _Run | None = None
        self._gone = False
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.conn.fileno(), self._readable)

    @property
    def alive(self) -> bool:
        return not self._gone

    def tell(self, message: object) -> None:
        if self._gone:
            return
        try:
            self.conn.send(message)
        except OSError:
            self._lost()

    async def run(
        self, accounts: list[Account], secrets: dict[str, dict[str, str] | None], send: bool
    ) -> list[AccountProgress]:
        done: asyncio.Future[worker.Finished] = self._loop.create_future()
        self._run = _Run(accounts, done)
        self.tell(worker.RunAccounts(accounts, secrets, send))
        if self._gone and not done.done():
            done.set_result(worker.Finished(error=self._death()))
        finished = await done
        self._run = None
        if finished.error:
            return _failed(accounts, {}, finished.error)
        return finished.accounts

    def _readable(self) -> None:
        try:
            while self.conn.poll():
                self._handle(self.conn.recv())
        except (EOFError, OSError):
            self._lost()

    def _handle(self, message: object) -> None:
        if isinstance(message, worker.Progress):
            if self._run is not None:
                self._run.latest[message.progress.account] = message.progress
            self._report(message.progress)
        elif isinstance(message, worker.LogLine):
            logging.getLogger(message.logger).log(message.level, "%s", message.text)
        elif (
            isinstance(message, worker.Finished)
            and self._run is not None
            and not self._run.done.done()
        ):
            self._run.done.set_result(message)

    def _lost(self) -> None:
        """The worker is gone: what it had not finished fails, saying why."""
        if self._gone:
            return
        self._gone = True
        self._loop.remove_reader(self.conn.fileno())
        run = self._run
        if run is not None and not run.done.done():
            accounts = _failed(run.accounts, run.latest, self._death())
            run.done.set_result(worker.Finished(accounts))

    def _death(self) -> str:
        self.process.join(timeout=1.0)
        code = self.process.exitcode
        how = f"exit code {code}" if code is None or code >= 0 else f"signal {-code}"
        return (
            f"the sync worker process ended unexpectedly ({how}); what it stored is kept "
            "and the next sync continues from there"
        )

    async def close(self) -> None:
        if not self._gone:
            self.tell(worker.EXIT)
        await asyncio.to_thread(self.process.join, 30.0)
        if self.process.is_alive():
            self.process.terminate()
            await asyncio.to_thread(self.process.join, 5.0)
        if not self._gone:
            self._gone = True
            self._loop.remove_reader(self.conn.fileno())
        self.conn.close()


def _failed(
    accounts: list[Account], latest: dict[str, AccountProgress], error: str
) -> list[AccountProgress]:
    """The accounts of a worker that failed: those it had finished keep their result."""
    results = []
    for account in accounts:
        progress = latest.get(account.name) or AccountProgress(account.name, account.platform)
        if progress.phase is not Phase.OK:
            progress.phase = Phase.FAILED
            progress.error = error
        results.append(progress)
    return results
