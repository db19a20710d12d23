"""Sync: 4 accounts x 5,000 items from the local fakes, tone analysis on.

Three runs. The first talks to the fakes (in-process) and records every answer; its rate is the
"end to end" figure, fakes' own serving work included. The others replay those recorded answers
into a fresh store, so they measure what the target is about: Rapport's parsing, analysis and
storage; once in this one process (as the app syncs), once as `rapport sync` does it, the
accounts spread over worker processes (core.sync.processes), their start-up included."""

from __future__ import annotations

import pickle
import resource
import tempfile
import time
from collections import defaultdict, deque
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from bench.common import Row, rate
from core.clock import FakeClock
from core.connectors.base import Connector
from core.connectors.registry import connector_class
from core.fakes.base import FakePlatform
from core.fakes.harness import PLATFORMS, credentials_for, make_fake
from core.http_client import make_client
from core.models import Account
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.processes import ProcessSync
from core.sync.setup import SyncSettings, make_analyze, make_score_own
from core.sync.worker import WorkerRecipe

Recorded = dict[tuple[str, str], deque[tuple[int, list[tuple[bytes, bytes]], bytes]]]


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, tape: Recorded) -> None:
        self.inner = inner
        self.tape = tape

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        key = (request.method, str(request.url))
        self.tape[key].append((response.status_code, list(response.headers.raw), body))
        return httpx.Response(response.status_code, headers=response.headers, content=body)


class Replayer(httpx.AsyncBaseTransport):
    def __init__(self, tape: Recorded) -> None:
        self.tape = tape

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.tape[(request.method, str(request.url))].popleft()
        return httpx.Response(status, headers=headers, content=body, request=request)


class TapeConnectors:
    """Connectors whose HTTP answers come from the recorded tape: picklable, so a sync worker
    process builds them too (each process reads the tape of its own accounts' platforms)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, account: Account, credentials: Credentials, _: Any) -> Connector:
        client = make_client(Replayer(_tape(self.folder / f"{account.platform}.tape")))
        return connector_class(account.platform)(account, credentials, client)


@cache
def _tape(path: Path) -> Recorded:
    with path.open("rb") as file:
        loaded: Recorded = pickle.load(file)
    return loaded


def save_tapes(tape: Recorded, folder: Path) -> None:
    """The tape split by platform (the fakes' hosts are https://PLATFORM.example)."""
    for platform in PLATFORMS:
        host = f"https://{platform}.example"
        mine = {key: answers for key, answers in tape.items() if key[1].startswith(host)}
        with (folder / f"{platform}.tape").open("wb") as file:
            pickle.dump(mine, file, protocol=pickle.HIGHEST_PROTOCOL)


def populate(fakes: dict[str, Any], per_platform: int) -> None:
    for platform, fake in fakes.items():
        populate_one(platform, fake, per_platform)


def populate_one(platform: str, fake: Any, count: int) -> None:
    """One fake filled as this benchmark fills it (bench_parse_* time single connectors on it)."""
    if platform == "github":
        fake.populate(count // 2, 1)
        # Two requests per GitHub thread would spend a real hour's quota: lift it for the figure.
        fake.rate_limit = 10**9
    elif platform == "reddit":
        fake.populate(count)
    else:
        fake.populate(count, conversations_only=True)


async def sync_once(
    fakes: dict[str, FakePlatform], transport_for: Any, folder: Path, name: str
) -> tuple[int, float]:
    accounts = [Account(f"bench-{p}", p, f"https://{p}.example") for p in PLATFORMS]
    by_name = {a.name: a.platform for a in accounts}
    clients: list[httpx.AsyncClient] = []

    def factory(account: Account, credentials: Credentials, _: Any) -> Connector:
        client = make_client(transport_for(account.platform))
        clients.append(client)
        return connector_class(account.platform)(account, credentials, client)

    from core.analysis import ToneAnalyzer

    store = await Store.open(folder / f"{name}.db")
    analyzer = ToneAnalyzer()
    engine = SyncEngine(
        store,
        lambda account: Credentials(credentials_for(fakes[by_name[account]])),
        # As build_engine wires it: items checked with their thread, own posts scored.
        analyze=make_analyze(analyzer, store),
        score_own=make_score_own(analyzer),
        connector_factory=factory,
        client=make_client(),
        clock=FakeClock(start=1_795_000_000.0),
    )
    began = time.perf_counter()
    summary = await engine.run(accounts, send=False)
    seconds = time.perf_counter() - began
    assert summary.ok, [a.error for a in summary.accounts]
    stored = await store.count_items()
    await engine.aclose()
    await store.close()
    for client in clients:
        await client.aclose()
    return stored, seconds


async def sync_in_processes(
    fakes: dict[str, FakePlatform], folder: Path, name: str
) -> tuple[int, float, float]:
    """As `rapport sync` runs it: the accounts spread over worker processes. Returns the items
    stored, the seconds taken and the CPU seconds the workers used (a figure the machine's
    other load moves less than the wall time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    accounts = [Account(f"bench-{p}", p, f"https://{p}.example") for p in PLATFORMS]
    by_name = {a.name: a.platform for a in accounts}
    database = folder / f"{name}.db"
    store = await Store.open(database)
    for account in accounts:
        await store.ensure_account(account)
    recipe = WorkerRecipe(
        str(database),
        SyncSettings(),
        connector_factory=TapeConnectors(folder),
        clock=FakeClock(start=1_795_000_000.0),
    )
    runner = ProcessSync(
        recipe, lambda account: Credentials(credentials_for(fakes[by_name[account]]))
    )
    began = time.perf_counter()
    summary = await runner.run(accounts, send=False)
    seconds = time.perf_counter() - began
    await runner.aclose()  # the workers end: their CPU time is counted from here
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(after, f) - getattr(before, f) for f in ("ru_utime", "ru_stime"))
    assert summary.ok, [a.error for a in summary.accounts]
    stored = await store.count_items()
    await store.close()
    return stored, seconds, cpu


async def run(quick: bool) -> list[Row]:
    per_platform = 1_000 if quick else 5_000
    fakes: dict[str, FakePlatform] = {p: make_fake(p) for p in PLATFORMS}
    populate(fakes, per_platform)
    tape: Recorded = defaultdict(deque)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        live, live_seconds = await sync_once(
            fakes, lambda p: Recorder(fakes[p].transport(), tape), folder, "live"
        )
        save_tapes(tape, folder)
        replayed, seconds = await sync_once(fakes, lambda p: Replayer(tape), folder, "replay")
        spread, spread_seconds, workers_cpu = await sync_in_processes(fakes, folder, "processes")
    assert replayed == live == spread
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [
        Row(f"sync: {live:,} items from 4 fakes, end to end", rate(live, live_seconds), "items/s"),
        Row("sync: parsing + analysis + storage, one process", rate(replayed, seconds), "items/s"),
        Row(
            "sync: parsing + analysis + storage, worker processes (rapport sync)",
            rate(spread, spread_seconds),
            "items/s",
            "> 5000",
        ),
        Row("sync: the worker processes' CPU time, all of them", workers_cpu, "s"),
        Row("sync: peak memory (fakes, recordings and store in one process)", peak_mb, "MB"),
    ]
