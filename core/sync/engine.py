"""The sync engine: every account concurrently, each on its own, resumable at any point.

For each account: fetch each stream from its stored cursor, analyse and apply rules to the new
items, and store each page together with its cursor in one transaction (a few pages in one, when
they are read faster than they are committed), so an interruption anywhere (a crash, SIGKILL,
Ctrl-C) loses at most the pages read since the last commit, which the next run fetches again.
Then send queued replies exactly once and push read-state back to the platform.

Retries restart the stream from the stored cursor; transient faults back off with jitter;
rate limits are waited out on the injected clock; auth errors are never retried; one account's
failure is reported while the others finish.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol

import httpx

from core.clock import Clock
from core.connectors.base import (
    AuthError,
    BadResponse,
    Connector,
    ConnectorError,
    NetworkError,
    Page,
    RateLimited,
)
from core.connectors.registry import connector_class
from core.errors import RapportError
from core.http_client import make_client
from core.models import Account, ContextPost, Cursor, Item, ItemState
from core.secrets import Credentials
from core.store.page_sql import PageWrite
from core.store.repository import Store
from core.sync.batching import WaitingPages
from core.sync.outbox import Outbox
from core.sync.progress import AccountProgress, Phase, SyncSummary
from core.sync.retry import RetryPolicy

log = logging.getLogger("rapport.sync")

ConnectorFactory = Callable[[Account, Credentials, httpx.AsyncClient], Connector]
CredentialsLookup = Callable[[str], Credentials | None]
#: Sets the tone of new items in place (the analyser, or nothing); may return an awaitable
#: that does so (analysis in another process).
Analyze = Callable[[Sequence[Item]], Awaitable[None] | None]
#: Sets the polarity of the user's own posts in place (the tone they gave), before storing.
ScoreOwn = Callable[[Sequence[ContextPost]], None]
#: Applies ingest rules to new items in place; returns (item remote id, rule name) hits.
ApplyRules = Callable[[Sequence[Item]], list[tuple[str, str]]]
#: Runs once at the start of each run, before any page (e.g. rules loading who is linked).
PrepareRun = Callable[[Store], Awaitable[object]]
ProgressCallback = Callable[[AccountProgress], None]

_MAX_RATE_LIMIT_WAITS = 20


def log_start(accounts: Sequence[Account]) -> None:
    log.info("sync started: %s", ", ".join(a.name for a in accounts))


def logged_summary(results: list[AccountProgress], duration: float) -> SyncSummary:
    """A run's summary, its lines written to the log (a line per account, then the totals)."""
    summary = SyncSummary(accounts=results, duration=duration)
    for line in summary.log_lines():
        log.info("%s", line)
    return summary


class SyncRunner(Protocol):
    """What runs a sync: this module's `SyncEngine`, or core.sync.processes.ProcessSync."""

    async def run(self, accounts: Sequence[Account], *, send: bool = True) -> SyncSummary: ...

    def stop(self) -> None: ...

    async def wait_stopped(self) -> None: ...

    @property
    def stopping(self) -> bool: ...

    async def aclose(self) -> None: ...


def default_connector(
    account: Account, credentials: Credentials, client: httpx.AsyncClient
) -> Connector:
    return connector_class(account.platform)(account, credentials, client)


class SyncEngine:
    def __init__(
        self,
        store: Store,
        credentials: CredentialsLookup,
        *,
        analyze: Analyze | None = None,
        score_own: ScoreOwn | None = None,
        apply_rules: ApplyRules | None = None,
        prepare: PrepareRun | None = None,
        connector_factory: ConnectorFactory = default_connector,
        client: httpx.AsyncClient | None = None,
        clock: Clock | None = None,
        policy: RetryPolicy | None = None,
        horizon: timedelta = timedelta(days=90),
        concurrency: int = 4,
        on_progress: ProgressCallback | None = None,
        rng: random.Random | None = None,
        waiting_pages: Callable[[], WaitingPages] = WaitingPages,
    ) -> None:
        self.store = store
        self._credentials = credentials
        self._analyze = analyze
        self._score_own = score_own
        self._apply_rules = apply_rules
        self._prepare = prepare
        self._factory = connector_factory
        self._client = client
        self.clock = clock or Clock()
        self.policy = policy or RetryPolicy()
        self.horizon = horizon
        self._concurrency = max(1, concurrency)
        self._on_progress = on_progress
        self._rng = rng or random.Random()
        self._waiting_pages = waiting_pages  # when read pages are committed (tests set a clock)
        self._stopping = asyncio.Event()
        self._owns_client = client is None
        # Kept across runs (--watch, the app's timer) so rate budgets and sessions survive.
        self._connectors: dict[str, Connector] = {}

    def stop(self) -> None:
        """Finish the page being stored, then stop every account cleanly."""
        self._stopping.set()

    async def wait_stopped(self) -> None:
        await self._stopping.wait()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self, accounts: Sequence[Account], *, send: bool = True) -> SyncSummary:
        started = self.clock.time()
        log_start(accounts)
        results = await self.sync_accounts(accounts, send=send)
        return logged_summary(results, self.clock.time() - started)

    async def sync_accounts(
        self, accounts: Sequence[Account], *, send: bool = True
    ) -> list[AccountProgress]:
        """`run` without its log lines (a sync worker process's part of a run)."""
        for account in accounts:
            await self.store.ensure_account(account)
        if self._prepare is not None:
            await self._prepare(self.store)
        gate = asyncio.Semaphore(self._concurrency)
        if self._client is None:
            self._client = make_client()
        client = self._client

        async def one(account: Account) -> AccountProgress:
            async with gate:
                return await self.sync_account(account, client, send=send)

        return list(await asyncio.gather(*(one(a) for a in accounts)))

    async def aclose(self) -> None:
        """Close the HTTP client the engine made (not one it was given)."""
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None
        self._connectors.clear()

    async def sync_account(
        self, account: Account, client: httpx.AsyncClient, *, send: bool = True
    ) -> AccountProgress:
        progress = AccountProgress(account=account.name, platform=account.platform)
        started = self.clock.time()
        try:
            connector = self._connector(account, client)
            self._report(progress, Phase.SYNCING)
            for stream in connector.streams:
                if self.stopping:
                    break  # stopped: no new stream is started (the next run fetches it)
                fetch = functools.partial(self._fetch_stream, connector, stream, progress)
                await self._with_retries(progress, fetch)
            if send and not self.stopping:
                outbox = Outbox(self.store, connector, self.clock, self.policy, self._rng)
                self._report(progress, Phase.SENDING)
                await self._with_retries(progress, lambda: outbox.flush(progress))
                await self._with_retries(progress, lambda: outbox.push_read_state(progress))
            self._report(progress, Phase.OK)
        except (ConnectorError, RapportError) as exc:  # both carry a message fit to show
            progress.error = str(exc)
            log.warning("%s: sync failed: %s", account.name, exc)
            self._report(progress, Phase.FAILED)
        except Exception as exc:  # one account's bug must not stop the others
            log.exception("sync of %s failed unexpectedly", account.name)
            progress.error = f"unexpected error ({type(exc).__name__}); see the log file"
            self._report(progress, Phase.FAILED)
        progress.duration = self.clock.time() - started
        return progress

    def _connector(self, account: Account, client: httpx.AsyncClient) -> Connector:
        cached = self._connectors.get(account.name)
        if cached is not None and cached.client is client and cached.account == account:
            return cached
        credentials = self._credentials(account.name)
        if credentials is None:
            raise AuthError(
                "no secret is stored for this account: add it again with "
                f"`rapport accounts add {account.platform} --name {account.name}`"
            )
        connector = self._factory(account, credentials, client)
        self._connectors[account.name] = connector
        return connector

    def _report(self, progress: AccountProgress, phase: Phase | None = None) -> None:
        if phase is not None:
            progress.phase = phase
        if self._on_progress is not None:
            self._on_progress(progress)

    # ---- fetching ------------------------------------------------------------------------------

    async def _fetch_stream(
        self, connector: Connector, stream: str, progress: AccountProgress
    ) -> None:
        """Page from the stored cursor; pages and their cursor land together in one
        transaction (several pages when they are read faster than they are committed: see
        core.sync.batching)."""
        name = connector.account.name
        stored = await self.store.cursor(name, stream)
        horizon = self.clock.now() - self.horizon
        waiting = self._waiting_pages()
        pages = aiter(connector.fetch(stream, stored.value if stored else None, horizon))
        while True:
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                break
            except Exception:
                # The pages read before the fault are whole: store them, so the retry (or the
                # next run) goes on from after them.
                await self._store_pages(name, stream, waiting.take(), progress)
                raise
            waiting.add(page)
            progress.pages += 1
            progress.skipped += page.skipped
            self._report(progress, Phase.SYNCING)
            if self.stopping or waiting.due():
                await self._store_pages(name, stream, waiting.take(), progress)
            if self.stopping:
                return
        await self._store_pages(name, stream, waiting.take(), progress)

    async def _store_pages(
        self, account: str, stream: str, pages: Sequence[Page], progress: AccountProgress
    ) -> None:
        """Analyse the pages' new items, apply the rules, and store the pages in order, with
        the user's own posts they brought and the rules' history entries, in one transaction."""
        if not pages:
            return
        hits = await self._prepare_new(account, [i for page in pages for i in page.items])
        own_posts = [post for page in pages for post in page.own_posts]
        if self._score_own is not None and own_posts:
            self._score_own(own_posts)
        writes = [PageWrite(page.items, None, page.own_posts) for page in pages]
        # The last page's cursor is the one that counts (in one transaction, the others would
        # be overwritten unseen; a cursor can be large: GitHub's lists the threads it read).
        # The history entries go after the last page's items, when every page's are stored;
        # a page may repeat an item an earlier one brought: its rules are recorded once.
        events = list(dict.fromkeys((remote_id, "rule", rule) for remote_id, rule in hits))
        cursor = Cursor(account, stream, pages[-1].cursor)
        writes[-1] = dataclasses.replace(writes[-1], cursor=cursor, events=events)
        result = await self.store.ingest_pages(account, writes)
        progress.new += len(result.new_ids)
        progress.updated += result.updated
        progress.new_item_ids.extend(result.new_ids)
        self._report(progress, Phase.SYNCING)

    async def _prepare_new(self, account: str, items: Sequence[Item]) -> list[tuple[str, str]]:
        """Analyse and apply rules to the items not stored yet (re-fetched ones keep theirs)."""
        if not items:
            return []
        # One round trip: which are stored already, and which of the others' threads are muted.
        known, muted = await self.store.screen_new(account, items)
        new = [item for item in items if item.remote_id not in known]
        if not new:
            return []
        # A thread the user muted stays muted: its new items never reach the inbox.
        for each in new:
            if each.thread_root_id in muted:
                each.state = ItemState.MUTED
        if self._analyze is not None:
            pending = self._analyze(new)
            if pending is not None:
                await pending
        if self._apply_rules is not None:
            return self._apply_rules(new)
        return []

    # ---- retries -------------------------------------------------------------------------------

    async def _with_retries(
        self, progress: AccountProgress, operation: Callable[[], Awaitable[None]]
    ) -> None:
        failures = 0
        rate_waits = 0
        while True:
            pages_before = progress.pages
            try:
                await operation()
                return
            except RateLimited as exc:
                rate_waits += 1
                if exc.retry_after > self.policy.max_rate_limit_wait:
                    raise RateLimited(
                        f"{exc}; waiting {exc.retry_after:.0f} s is longer than this run "
                        "allows, the next sync continues where this one stopped",
                        exc.retry_after,
                    ) from None
                if rate_waits > _MAX_RATE_LIMIT_WAITS:
                    raise
                await self._wait_out(progress, exc.retry_after, str(exc))
            except (NetworkError, BadResponse) as exc:
                if progress.pages > pages_before:
                    failures = 0  # it made progress before failing: a new streak
                failures += 1
                limit = self.policy.attempts if isinstance(exc, NetworkError) else 2
                if failures >= limit:
                    raise
                delay = self.policy.backoff(failures, self._rng)
                log.info("%s: %s; retrying in %.1f s", progress.account, exc, delay)
                self._report(progress, Phase.RETRYING)
                await self.clock.sleep(delay)
                self._report(progress, Phase.SYNCING)

    async def _wait_out(self, progress: AccountProgress, seconds: float, reason: str) -> None:
        progress.rate_limit_waits += 1
        progress.waited_seconds += seconds
        progress.wait_until = self.clock.time() + seconds
        log.info("%s: rate limited (%s); waiting %.0f s", progress.account, reason, seconds)
        self._report(progress, Phase.RATE_LIMITED)
        await self.clock.sleep(seconds)
        progress.wait_until = None
        self._report(progress, Phase.SYNCING)
