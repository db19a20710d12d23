"""The log file under the data folder tells what a sync did, and never holds a secret.

What a user reads in `logs/rapport.log` (and on stderr with -v): the run's start and end with a
line per account, each failure with its reason (a traceback for a bug), rate-limit waits, retries,
replies sent and refused, and waits for another sync's lock.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from core.cli.main import run
from core.clock import FakeClock
from core.connectors.base import AuthError, NetworkError, Page, RateLimited
from core.fakes.harness import FakeFleet, credentials_for
from core.logging_setup import configure_logging, reset_logging
from core.models import JSON, Account
from core.paths import resolve_paths
from core.secrets import Credentials, SecretStore
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.lock import SyncLock, SyncLocked
from core.workspace import Workspace
from tests.sync.scripted import Script, ScriptedConnector

TOKEN = "tok_LOGGED_NEVER_9f8e7d6c5b4a"
ALPHA = Account(name="alpha", platform="mastodon", base_url="https://a.example")


@pytest.fixture(autouse=True)
def _no_leftover_handlers() -> Iterator[None]:
    yield
    reset_logging()


@pytest.fixture
def workspace(rapport_home: Path) -> Workspace:
    return Workspace.load()


@pytest.fixture
async def store(workspace: Workspace) -> AsyncIterator[Store]:
    opened = await workspace.open_store()
    yield opened
    await opened.close()


def log_text(workspace: Workspace) -> str:
    for handler in logging.getLogger("rapport").handlers:
        handler.flush()
    path = workspace.paths.log_dir / "rapport.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def log_bytes(workspace: Workspace) -> bytes:
    log_text(workspace)
    return b"".join(p.read_bytes() for p in workspace.paths.log_dir.glob("rapport.log*"))


def engine_for(store: Store, script: Script, clock: FakeClock | None = None) -> SyncEngine:
    def factory(account: Account, credentials: Credentials, client: httpx.AsyncClient) -> object:
        return ScriptedConnector(account, credentials, client, script)

    return SyncEngine(
        store,
        lambda name: Credentials({"token": TOKEN}),
        connector_factory=factory,  # type: ignore[arg-type]
        clock=clock or FakeClock(),
    )


def cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(args), open_app=lambda workspace: 0)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def test_rapport_sync_logs_the_run_each_account_and_failures_never_a_token(
    rapport_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeFleet.start(("mastodon", "github")) as fleet:
        fleet.fakes["mastodon"].populate(30)  # type: ignore[attr-defined]
        paths = resolve_paths()
        fleet.configure(paths, SecretStore(paths, "file"))
        secrets = SecretStore(paths, "file")
        secrets.save("demo-github", {"token": TOKEN})  # the fake refuses it
        known = [*credentials_for(fleet.fakes["mastodon"]).values(), TOKEN]

        code, _, err = cli(capsys, "sync", "-v")
    assert code == 1
    workspace = Workspace.load()
    text = log_text(workspace)
    assert "sync started: demo-mastodon, demo-github" in text
    assert "demo-mastodon (mastodon): ok" in text
    assert "demo-github: sync failed: " in text
    assert "Bad credentials" in text
    assert "sync finished" in text
    assert "1 failed (demo-github)" in text
    # -v mirrors the same lines to stderr
    assert "sync started: demo-mastodon, demo-github" in err
    assert "demo-github: sync failed: " in err
    for secret in known:
        assert secret.encode() not in log_bytes(workspace), secret
        assert secret not in err


async def test_rate_limit_waits_retries_and_replies_are_logged(
    workspace: Workspace, store: Store
) -> None:
    configure_logging(workspace, verbose=False)
    script = Script(
        total=30,
        failures={
            2: RateLimited("429 from the server", retry_after=120.0),
            3: NetworkError("reset"),
        },
    )
    clock = FakeClock()
    await engine_for(store, script, clock).run([ALPHA], send=False)
    sent = await store.item_by_remote("alpha", "status-1")
    refused = await store.item_by_remote("alpha", "status-2")
    assert sent is not None
    assert sent.id is not None
    assert refused is not None
    assert refused.id is not None
    await store.queue_reply(sent.id, "alpha", "thanks!", None, forced=False)
    await store.queue_reply(refused.id, "alpha", "on it", None, forced=False)
    script.failures[script.calls + 2] = AuthError("posting needs the write:statuses scope")
    summary = await engine_for(store, script, clock).run([ALPHA])
    assert summary.accounts[0].sent == 1

    text = log_text(workspace)
    assert "alpha: rate limited (429 from the server); waiting 120 s" in text
    assert "alpha: reset; retrying in" in text
    assert "alpha: sent reply" in text
    assert "alpha: reply 2 failed: posting needs the write:statuses scope" in text
    assert "1 reply sent, 1 not sent" in text


async def test_an_unexpected_error_is_logged_with_its_traceback_and_no_secret(
    workspace: Workspace, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    class Leaky(ScriptedConnector):
        async def fetch(
            self, stream: str, cursor: JSON | None, horizon: datetime
        ) -> AsyncIterator[Page]:
            header = f"Bearer {self.credentials['token'].reveal()}"
            raise httpx.LocalProtocolError(f"Illegal header value b'{header}\\n'")
            yield  # an async generator

    def factory(account: Account, credentials: Credentials, client: httpx.AsyncClient) -> object:
        return Leaky(account, credentials, client, Script())

    configure_logging(workspace, verbose=True)
    engine = SyncEngine(
        store,
        lambda name: Credentials({"token": TOKEN}),
        connector_factory=factory,  # type: ignore[arg-type]
        clock=FakeClock(),
    )
    summary = await engine.run([ALPHA])
    assert summary.accounts[0].error == "unexpected error (LocalProtocolError); see the log file"
    text = log_text(workspace)
    assert "Traceback (most recent call last)" in text
    assert "LocalProtocolError: Illegal header value b'Bearer ********" in text
    assert TOKEN.encode() not in log_bytes(workspace)
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert TOKEN not in err


async def test_waiting_for_another_syncs_lock_is_logged(workspace: Workspace) -> None:
    configure_logging(workspace, verbose=False)
    holder = SyncLock(workspace.paths.lock_file)
    assert holder.try_acquire()
    with pytest.raises(SyncLocked):
        await SyncLock(workspace.paths.lock_file).acquire(0)
    second = SyncLock(workspace.paths.lock_file)
    waiting = asyncio.create_task(second.acquire(30, poll=0.01))
    await asyncio.sleep(0)  # its first attempt fails and it starts waiting
    holder.release()
    await waiting
    assert second.held
    second.release()
    text = log_text(workspace)
    assert "another sync holds the lock" in text
    assert "waiting up to 30 s" in text
    assert "gave up waiting for the sync lock after 0 s" in text
    assert "got the sync lock after" in text


def test_configuring_twice_writes_to_the_latest_workspace_only(tmp_path: Path) -> None:
    first = Workspace.load(str(tmp_path / "one"))
    second = Workspace.load(str(tmp_path / "two"))
    configure_logging(first, verbose=False)
    configure_logging(second, verbose=False)
    logging.getLogger("rapport.sync").info("hello from the second")
    assert "hello from the second" in log_text(second)
    assert "hello from the second" not in log_text(first)
