"""`rapport sync` in-process: configuration problems reported once, --quiet, --help, and what
makes `--watch` run the notify command."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.cli.main import run
from core.fakes.base import ServedFake
from core.fakes.harness import FakeFleet
from core.fakes.mastodon import MastodonFake
from core.logging_setup import reset_logging
from core.models import ContextPost, ItemKind, ItemState, Tone
from core.paths import resolve_paths
from core.secrets import SecretStore
from core.store.repository import Store
from core.sync.notify import Attention, new_attention
from core.timeutil import utcnow
from tests.factories import account, contact, item

TOKEN = "tok_SYNC_COMMAND_0123456789"


@pytest.fixture(autouse=True)
def _no_leftover_handlers() -> Iterator[None]:
    yield
    reset_logging()


def cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(args), open_app=lambda workspace: 0)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mastodon() -> Iterator[tuple[MastodonFake, ServedFake]]:
    fake = MastodonFake()
    served = ServedFake.start(fake)
    try:
        yield fake, served
    finally:
        served.stop()


def add_mastodon(capsys: pytest.CaptureFixture[str], url: str, name: str = "home") -> None:
    code, _, err = cli(
        capsys, "accounts", "add", "mastodon", "--name", name, "--base-url", url,
        "--token-stdin", "--no-verify", stdin=TOKEN,
    )  # fmt: skip
    assert code == 0, err


def test_a_readable_secrets_file_stops_sync_once_with_the_fix_and_exit_2(
    capsys: pytest.CaptureFixture[str], mastodon: tuple[MastodonFake, ServedFake]
) -> None:
    fake, served = mastodon
    add_mastodon(capsys, served.url, "home")
    add_mastodon(capsys, served.url, "work")
    secrets = resolve_paths().secrets_file
    os.chmod(secrets, 0o644)
    code, _out, err = cli(capsys, "sync")
    assert code == 2
    assert err.count(f"chmod 600 {secrets}") == 1
    assert "unexpected error" not in err
    assert "synced" not in err
    assert "failed" not in err
    assert fake.received == []
    assert TOKEN not in err


def test_accounts_add_checks_the_secrets_store_before_contacting_the_server(
    capsys: pytest.CaptureFixture[str], mastodon: tuple[MastodonFake, ServedFake]
) -> None:
    fake, served = mastodon
    add_mastodon(capsys, served.url, "first")
    secrets = resolve_paths().secrets_file
    os.chmod(secrets, 0o640)
    code, _, err = cli(
        capsys, "accounts", "add", "mastodon", "--name", "second", "--base-url", served.url,
        "--token-stdin", stdin=fake.token,
    )  # fmt: skip
    assert code == 2
    assert f"chmod 600 {secrets}" in err
    assert fake.received == []  # the server was never asked
    assert "second" not in resolve_paths().config_file.read_text()


def test_quiet_prints_nothing_when_every_account_synced(
    capsys: pytest.CaptureFixture[str], rapport_home: Path
) -> None:
    with FakeFleet.start(("mastodon",)) as fleet:
        fleet.fakes["mastodon"].populate(20)  # type: ignore[attr-defined]
        paths = resolve_paths()
        fleet.configure(paths, SecretStore(paths, "file"))
        code, out, err = cli(capsys, "sync", "--quiet")
        assert code == 0, err
        assert (out, err) == ("", "")
        fleet.fakes["mastodon"].revoke()  # type: ignore[attr-defined]
        code, out, err = cli(capsys, "sync", "--quiet")
    assert code == 1
    assert out == ""
    assert "demo-mastodon" in err
    assert "failed" in err


def test_sync_help_documents_every_exit_code_including_3() -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "tui.main", "sync", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "0 every account synced" in text
    assert "1 some account failed (the others still synced)" in text
    assert "2 usage or configuration error" in text
    assert "3 another sync held the lock longer than --lock-wait" in text
    assert "RAPPORT_NEW_FLAGGED" in text
    assert "RAPPORT_NEW_OWED" in text


# ---- what the notify command counts ----------------------------------------------------------


async def test_notify_counts_new_open_items_that_are_flagged_or_waiting_for_a_reply(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path / "rapport.db")
    try:
        await store.ensure_account(account())
        hostile = item(1, text="you are an idiot")
        hostile.tone = Tone(polarity=-0.8, risk=0.9, conflict=True)
        question = item(2, text="could you look at this?")
        question.is_question = True
        done_by_rule = item(3)
        done_by_rule.state = ItemState.DONE
        muted_conflict = item(4)
        muted_conflict.tone = Tone(polarity=-0.5, conflict=True)
        muted_conflict.state = ItemState.MUTED
        comment = item(5)
        comment.kind = ItemKind.COMMENT
        answered = item(6, author=contact(6))
        answered.thread_root_id = answered.remote_id
        own = ContextPost(
            remote_id="mine-1",
            author=contact(99, handle="@me@social.example"),
            text="thanks!",
            created_at=answered.created_at + timedelta(minutes=5),
            parent_id=answered.remote_id,
            is_own=True,
        )
        items = [hostile, question, done_by_rule, muted_conflict, comment, answered]
        result = await store.ingest("work", items, None, [own])
        attention = await new_attention(store, result.new_ids, utcnow())
    finally:
        await store.close()
    # hostile and question and comment wait for a reply; the answered one does not; the done
    # and the muted one are not counted at all; only the hostile one is an open conflict.
    assert attention == Attention(new=6, flagged=1, owed=3)
    assert attention.worth_telling


async def test_nothing_to_tell_when_the_new_items_need_nothing(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "rapport.db")
    try:
        await store.ensure_account(account())
        done = item(1)
        done.state = ItemState.DONE
        result = await store.ingest("work", [done])
        attention = await new_attention(store, result.new_ids, utcnow())
        nothing = await new_attention(store, [], utcnow())
    finally:
        await store.close()
    assert attention == Attention(new=1, flagged=0, owed=0)
    assert not attention.worth_telling
    assert not nothing.worth_telling


def test_a_headless_sync_brings_back_snoozed_items_whose_time_has_come(
    capsys: pytest.CaptureFixture[str], rapport_home: Path
) -> None:
    with FakeFleet.start(("mastodon",)) as fleet:
        fleet.fakes["mastodon"].populate(10, conversations_only=True)  # type: ignore[attr-defined]
        paths = resolve_paths()
        fleet.configure(paths, SecretStore(paths, "file"))
        code, _, err = cli(capsys, "sync", "--quiet")
        assert code == 0, err

        async def snooze() -> tuple[int, int]:
            store = await Store.open(paths.database)
            try:
                due, later = [i.id for i in await store.items_page("1", (), limit=2)]
                assert due is not None
                assert later is not None
                now = utcnow()
                await store.set_state([due], ItemState.SNOOZED, now - timedelta(minutes=1))
                await store.set_state([later], ItemState.SNOOZED, now + timedelta(days=1))
                return due, later
            finally:
                await store.close()

        due, later = asyncio.run(snooze())
        code, _, err = cli(capsys, "sync", "--quiet")
        assert code == 0, err

    async def states() -> tuple[ItemState, ItemState]:
        store = await Store.open(paths.database)
        try:
            first, second = await store.item(due), await store.item(later)
            assert first is not None
            assert second is not None
            return first.state, second.state
        finally:
            await store.close()

    assert asyncio.run(states()) == (ItemState.NEW, ItemState.SNOOZED)
    assert "1 snoozed item back in the inbox" in (paths.log_dir / "rapport.log").read_text()
