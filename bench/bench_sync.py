"""Sync end to end: 4 accounts x 5,000 items from the local fakes, with tone analysis on.

The fakes are served in-process (httpx ASGI transports) in this same process, so their work
counts against the figure: a real platform's serving time would not."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import Row, rate
from core.connectors.base import Connector
from core.connectors.registry import connector_class
from core.fakes.base import FakePlatform
from core.fakes.harness import PLATFORMS, credentials_for, make_fake
from core.models import Account
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.setup import make_analyze


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0


class TimedTransport(httpx.AsyncBaseTransport):
    """Counts the time spent inside the fake (what a real platform's servers would spend)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, watch: Stopwatch) -> None:
        self.inner = inner
        self.watch = watch

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        began = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.watch.seconds += time.perf_counter() - began
        return response


def populate(fakes: dict[str, Any], per_platform: int) -> None:
    fakes["mastodon"].populate(per_platform, conversations_only=True)
    fakes["bluesky"].populate(per_platform, conversations_only=True)
    fakes["reddit"].populate(per_platform)
    fakes["github"].populate(per_platform // 2, 1)
    # Two requests per GitHub thread would spend a real hour's quota: lift it for the figure.
    fakes["github"].rate_limit = 10**9


async def run(quick: bool) -> list[Row]:
    from core.analysis import ToneAnalyzer

    per_platform = 1_000 if quick else 5_000
    fakes: dict[str, FakePlatform] = {p: make_fake(p) for p in PLATFORMS}
    populate(fakes, per_platform)
    clients: list[httpx.AsyncClient] = []

    serving = Stopwatch()

    def factory(account: Account, credentials: Credentials, _: Any) -> Connector:
        transport = TimedTransport(fakes[account.platform].transport(), serving)
        client = httpx.AsyncClient(transport=transport)
        clients.append(client)
        return connector_class(account.platform)(account, credentials, client)

    accounts = [Account(f"bench-{p}", p, f"https://{p}.example") for p in PLATFORMS]
    by_name = {a.name: a.platform for a in accounts}
    analyzer = ToneAnalyzer()
    analyzer.check("warm up the lazy models")
    with tempfile.TemporaryDirectory() as folder:
        store = await Store.open(Path(folder) / "sync.db")
        engine = SyncEngine(
            store,
            lambda name: Credentials(credentials_for(fakes[by_name[name]])),
            analyze=make_analyze(analyzer),
            connector_factory=factory,
            client=httpx.AsyncClient(),
        )
        began = time.perf_counter()
        summary = await engine.run(accounts, send=False)
        seconds = time.perf_counter() - began
        stored = await store.count_items()
        await store.close()
    for client in clients:
        await client.aclose()
    assert summary.ok, [a.error for a in summary.accounts]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine_seconds = seconds - serving.seconds
    return [
        Row(f"sync: {stored:,} items from 4 fakes, end to end", rate(stored, seconds), "items/s"),
        Row(
            "sync: parsing + analysis + storage (fakes' serving time taken out)",
            rate(stored, engine_seconds),
            "items/s",
            "> 5000",
        ),
        Row("sync: peak memory (fakes and store in the same process)", peak_mb, "MB"),
    ]
