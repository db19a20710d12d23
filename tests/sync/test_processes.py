"""`rapport sync`'s accounts spread over worker processes (core.sync.processes), against the
fakes served on 127.0.0.1: everything served is stored once, a worker killed mid-sync fails
only its own accounts and loses nothing, stopping finishes the page, secrets travel by pipe."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.fakes.base import Fault
from core.fakes.harness import FakeFleet, credentials_for
from core.paths import resolve_paths
from core.secrets import SecretStore
from core.sync.engine import SyncEngine
from core.sync.processes import ProcessSync, default_workers
from core.sync.progress import AccountProgress, Phase
from core.sync.setup import build_engine, build_sync, load_analyzer, process_sync
from core.sync.shares import deal
from core.workspace import Workspace
from tests.sync.served import LISTING, served_fleet

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with served_fleet(200, 200, 200, 60) as started:
        yield started


def workspace_at(home: Path, fleet: FakeFleet) -> Workspace:
    paths = resolve_paths(home)
    fleet.configure(paths, SecretStore(paths, "file"))
    return Workspace.load(str(home))


class PageWatch:
    """Progress from the workers, which comes after each page is committed: an event per
    account set at its first stored page, and one at anyone's."""

    def __init__(self) -> None:
        self.seen: list[AccountProgress] = []
        self.first_page = asyncio.Event()
        self.page_of: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def __call__(self, progress: AccountProgress) -> None:
        self.seen.append(progress)
        if progress.pages:
            self.page_of[progress.account].set()
            self.first_page.set()


def stored(workspace: Workspace) -> list[tuple[str, str]]:
    """Every stored item as (account, remote id), duplicates kept (there must be none)."""
    with sqlite3.connect(workspace.paths.database) as conn:
        rows = conn.execute(
            "SELECT accounts.name, items.remote_id FROM items "
            "JOIN accounts ON accounts.id = items.account_id"
        ).fetchall()
    return [(r[0], r[1]) for r in rows]


def with_workers(workspace: Workspace, count: int) -> None:
    general = workspace.config.general.model_copy(update={"sync_workers": count})
    workspace.config = workspace.config.model_copy(update={"general": general})


def read_command_lines(pids: list[int]) -> list[bytes]:
    assert len(pids) == 2
    return [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in pids]


async def sync(workspace: Workspace, runner: ProcessSync) -> list[AccountProgress]:
    store = await workspace.open_store()  # as `rapport sync` does: the accounts' rows first
    try:
        summary = await runner.run(workspace.accounts(), send=False)
    finally:
        await runner.aclose()
        await store.close()
    return summary.accounts


async def reference(tmp_path: Path, fleet: FakeFleet) -> set[tuple[str, str]]:
    """What one undisturbed sync stores (in this process)."""
    workspace = workspace_at(tmp_path / "reference", fleet)
    store = await workspace.open_store()
    engine = build_engine(workspace, store, analyzer=await load_analyzer(workspace, store))
    try:
        summary = await engine.run(workspace.accounts(), send=False)
    finally:
        await engine.aclose()
        await store.close()
    assert summary.ok, [a.error for a in summary.accounts]
    return set(stored(workspace))


async def test_accounts_in_two_workers_store_exactly_what_one_process_does(
    fleet: FakeFleet, rapport_home: Path, tmp_path: Path
) -> None:
    expected = await reference(tmp_path, fleet)
    workspace = workspace_at(rapport_home, fleet)
    seen: list[AccountProgress] = []
    runner = process_sync(workspace, 2, on_progress=seen.append)
    results = await sync(workspace, runner)

    assert [(p.account, p.phase) for p in results] == [
        (a.name, Phase.OK) for a in workspace.accounts()
    ]
    rows = stored(workspace)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected
    assert sum(p.new for p in results) == len(expected)
    assert sum(len(p.new_item_ids) for p in results) == len(expected)
    # Progress came page by page from the workers, not only at the end.
    assert len([p for p in seen if p.phase is Phase.SYNCING]) >= 8


async def test_a_worker_killed_mid_sync_fails_only_its_accounts_and_a_rerun_completes(
    fleet: FakeFleet, rapport_home: Path, tmp_path: Path
) -> None:
    expected = await reference(tmp_path, fleet)
    workspace = workspace_at(rapport_home, fleet)
    mastodon = next(a.name for a in workspace.accounts() if a.platform == "mastodon")
    # The n-th worker syncs the n-th share: kill mastodon's worker, slowed down so it is
    # still at work then.
    shares = [[a.name for a in share] for share in deal(workspace.accounts(), 2)]
    victim = next(n for n, share in enumerate(shares) if mastodon in share)
    fleet.fakes["mastodon"].inject(Fault("slow", path=LISTING["mastodon"], seconds=0.3, times=99))
    watch = PageWatch()
    runner = process_sync(workspace, 2, on_progress=watch)
    store = await workspace.open_store()
    running = asyncio.create_task(runner.run(workspace.accounts(), send=False))
    await asyncio.wait_for(watch.page_of[mastodon].wait(), timeout=60)
    os.kill(runner.pids[victim], signal.SIGKILL)
    results = {p.account: p for p in (await running).accounts}

    killed = results[mastodon]
    assert killed.phase is Phase.FAILED
    assert "sync worker process ended unexpectedly (signal 9)" in killed.error
    assert "next sync continues" in killed.error
    for name in shares[1 - victim]:
        assert results[name].phase is Phase.OK
    rows = stored(workspace)
    assert len(rows) == len(set(rows)) < len(expected)

    # The next round (as --watch would run it) starts a worker in place of the dead one.
    fleet.fakes["mastodon"].faults.clear()
    try:
        again = (await runner.run(workspace.accounts(), send=False)).accounts
    finally:
        await runner.aclose()
        await store.close()
    assert all(p.phase is Phase.OK for p in again), [p.error for p in again]
    rows = stored(workspace)
    assert len(rows) == len(set(rows)) == len(expected)
    assert set(rows) == expected


async def test_stop_finishes_the_page_being_stored_and_the_next_run_goes_on(
    fleet: FakeFleet, rapport_home: Path, tmp_path: Path
) -> None:
    expected = await reference(tmp_path, fleet)
    workspace = workspace_at(rapport_home, fleet)
    for platform, path in LISTING.items():
        fleet.fakes[platform].inject(Fault("slow", path=path, seconds=0.2, times=99))
    watch = PageWatch()
    runner = process_sync(workspace, 2, on_progress=watch)
    running = asyncio.create_task(sync(workspace, runner))
    await asyncio.wait_for(watch.first_page.wait(), timeout=60)
    runner.stop()
    results = await asyncio.wait_for(running, timeout=60)

    assert all(p.phase is not Phase.FAILED for p in results), [p.error for p in results]
    partial = stored(workspace)
    assert 0 < len(partial) < len(expected)
    for platform in LISTING:
        fleet.fakes[platform].faults.clear()
    await sync(workspace, process_sync(workspace, 2))
    assert sorted(stored(workspace)) == sorted(expected)


async def test_worker_log_lines_reach_this_process_and_secrets_stay_off_command_lines(
    fleet: FakeFleet, rapport_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    workspace = workspace_at(rapport_home, fleet)
    # A revoked token: never retried, so the account fails at once.
    fleet.fakes["github"].inject(Fault("expired_token", times=10_000))
    fleet.fakes["bluesky"].inject(Fault("slow", path=LISTING["bluesky"], seconds=0.2, times=99))
    watch = PageWatch()
    runner = process_sync(workspace, 2, on_progress=watch)
    caplog.set_level(logging.INFO, logger="rapport")
    running = asyncio.create_task(sync(workspace, runner))
    await asyncio.wait_for(watch.first_page.wait(), timeout=60)
    command_lines = await asyncio.to_thread(read_command_lines, runner.pids)
    results = {p.account: p for p in await running}

    secrets = [v for p in LISTING for v in credentials_for(fleet.fakes[p]).values()]
    for line in command_lines:
        assert not [s for s in secrets if len(s) > 6 and s.encode() in line]
    github = next(a.name for a in workspace.accounts() if a.platform == "github")
    assert results[github].phase is Phase.FAILED
    failure = [r for r in caplog.records if r.levelno == logging.WARNING and github in r.message]
    assert failure, "the worker's warning about the failing account reached this process"
    assert "sync failed" in failure[0].message


async def test_sync_workers_setting_chooses_between_processes_and_this_process(
    fleet: FakeFleet, rapport_home: Path
) -> None:
    workspace = workspace_at(rapport_home, fleet)
    store = await workspace.open_store()
    try:
        accounts = workspace.accounts()
        spread = await build_sync(workspace, store, accounts)
        assert isinstance(spread, ProcessSync) == (default_workers() > 1)
        assert isinstance(await build_sync(workspace, store, accounts[:1]), SyncEngine)
        with_workers(workspace, 1)
        assert isinstance(await build_sync(workspace, store, accounts), SyncEngine)
        with_workers(workspace, 3)
        assert isinstance(await build_sync(workspace, store, accounts), ProcessSync)
    finally:
        await store.close()
