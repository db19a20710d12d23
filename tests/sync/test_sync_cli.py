"""`rapport sync` and `rapport accounts` as a user runs them: real processes, served fakes."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.fakes.base import Fault
from core.fakes.harness import FakeFleet, credentials_for
from core.paths import resolve_paths
from core.secrets import SecretStore
from tests.sync.served import LISTING, served_fleet

pytestmark = pytest.mark.slow


@pytest.fixture
def fleet() -> Iterator[FakeFleet]:
    with served_fleet(200, 300, 300, 120) as started:
        yield started


@pytest.fixture
def workspace(fleet: FakeFleet, rapport_home: Path) -> Path:
    paths = resolve_paths()
    fleet.configure(paths, SecretStore(paths, "file"))
    return rapport_home


def rapport(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tui.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll another process's visible effect (there is no event to await across processes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the other process")
        time.sleep(0.05)


def stored_keys(home: Path) -> set[tuple[str, str]]:
    database = resolve_paths(home).database
    if not database.exists():
        return set()
    try:
        with sqlite3.connect(database) as conn:
            rows = conn.execute(
                "SELECT accounts.name, items.remote_id FROM items "
                "JOIN accounts ON accounts.id = items.account_id"
            ).fetchall()
    except sqlite3.OperationalError:  # the other process is still creating the schema
        return set()
    return {(r[0], r[1]) for r in rows}


def test_sync_prints_a_json_summary_and_exits_0(workspace: Path) -> None:
    result = rapport("sync", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["ok"] is True
    assert {a["platform"] for a in summary["accounts"]} == set(LISTING)
    assert all(a["new"] > 0 for a in summary["accounts"])
    assert summary["new"] == len(stored_keys(workspace))

    again = json.loads(rapport("sync", "--json").stdout)
    assert again["new"] == 0


def test_plain_progress_lines_without_a_terminal(workspace: Path) -> None:
    result = rapport("sync", "--account", "demo-mastodon")
    assert result.returncode == 0, result.stderr
    assert "demo-mastodon" in result.stderr
    assert "synced 1 account in" in result.stderr
    assert "\x1b[" not in result.stderr


def test_one_failing_account_exits_1_and_the_others_still_sync(
    workspace: Path, fleet: FakeFleet
) -> None:
    fleet.fakes["github"].inject(Fault("server_error", times=10_000, status=503))
    result = rapport("sync", "--json", "--no-send")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    phases = {a["platform"]: a["phase"] for a in summary["accounts"]}
    assert phases == {"mastodon": "ok", "bluesky": "ok", "reddit": "ok", "github": "failed"}


def test_an_unknown_account_is_a_usage_error(workspace: Path) -> None:
    result = rapport("sync", "--account", "nope")
    assert result.returncode == 2
    assert "no enabled account named nope" in result.stderr


def test_a_sigkilled_sync_leaves_no_duplicates_and_no_gaps(
    workspace: Path, fleet: FakeFleet, tmp_path: Path
) -> None:
    reference_home = tmp_path / "reference"
    paths = resolve_paths(reference_home)
    fleet.configure(paths, SecretStore(paths, "file"))
    env_ref = rapport_env(reference_home)
    done = subprocess.run(
        [sys.executable, "-m", "tui.main", "sync", "--no-send"],
        env=env_ref,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    expected = stored_keys(reference_home)
    assert len(expected) > 500

    for platform, path in LISTING.items():
        fleet.fakes[platform].inject(Fault("slow", path=path, seconds=0.15, times=1000))
    victim = spawn("sync", "--no-send")
    wait_until(lambda: len(stored_keys(workspace)) > 100)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    partial = stored_keys(workspace)
    assert 0 < len(partial) < len(expected)

    for platform in LISTING:
        fleet.fakes[platform].faults.clear()
    result = rapport("sync", "--no-send")
    assert result.returncode == 0, result.stderr
    final = stored_keys(workspace)
    assert final == expected
    with sqlite3.connect(resolve_paths(workspace).database) as conn:
        [(count,)] = conn.execute("SELECT count(*) FROM items").fetchall()
    assert count == len(expected)


def test_a_second_sync_waits_for_the_lock_then_gives_up_with_exit_3(
    workspace: Path, fleet: FakeFleet
) -> None:
    fleet.fakes["mastodon"].inject(Fault("slow", path=LISTING["mastodon"], seconds=0.3, times=50))
    first = spawn("sync", "--no-send")
    lock = resolve_paths(workspace).lock_file
    wait_until(lambda: lock.exists() and lock.read_text().strip() == str(first.pid))
    second = rapport("sync", "--lock-wait", "0.5")
    assert second.returncode == 3
    assert "another sync is running" in second.stderr
    assert str(first.pid) in second.stderr
    first.send_signal(signal.SIGINT)
    _out, err = first.communicate(timeout=60)
    assert first.returncode in (0, 1), err
    assert "stopping after the current page" in err


def test_accounts_add_and_test_against_the_fakes(fleet: FakeFleet, rapport_home: Path) -> None:
    for platform in ("mastodon", "bluesky", "reddit", "github"):
        parts = credentials_for(fleet.fakes[platform])
        stdin = "\n".join(f"{k}={v}" for k, v in parts.items())
        result = rapport(
            "accounts",
            "add",
            platform,
            "--name",
            f"my-{platform}",
            "--base-url",
            fleet.url(platform),
            "--token-stdin",
            stdin=stdin,
        )
        assert result.returncode == 0, result.stderr
        assert "verified" in result.stdout
    tested = rapport("accounts", "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count(": ok") == 4


def test_a_wrong_token_is_refused_clearly_and_nothing_is_saved(
    fleet: FakeFleet, rapport_home: Path
) -> None:
    result = rapport(
        "accounts",
        "add",
        "mastodon",
        "--name",
        "bad",
        "--base-url",
        fleet.url("mastodon"),
        "--token-stdin",
        stdin="not-the-token",
    )
    assert result.returncode == 1
    assert "refused" in result.stderr.lower() or "invalid" in result.stderr.lower()
    assert "Nothing was saved" in result.stderr
    assert "not-the-token" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "bad" not in rapport("accounts", "list").stdout


def test_an_unreachable_instance_is_named_in_the_error(rapport_home: Path) -> None:
    result = rapport(
        "accounts",
        "add",
        "mastodon",
        "--name",
        "gone",
        "--base-url",
        "http://127.0.0.1:9",
        "--token-stdin",
        stdin="tok",
    )
    assert result.returncode == 1
    assert "cannot reach http://127.0.0.1:9" in result.stderr


def rapport_env(home: Path) -> dict[str, str]:
    return {**os.environ, "RAPPORT_HOME": str(home)}


# ---- --watch, the notify command, the live display --------------------------------------------


def mastodon_counts(home: Path) -> tuple[int, int, int]:
    """(stored, open flagged, open and unanswered) items of demo-mastodon, from the database."""
    with sqlite3.connect(resolve_paths(home).database) as conn:
        where = "items.account_id = (SELECT id FROM accounts WHERE name = 'demo-mastodon')"
        [(stored,)] = conn.execute(f"SELECT count(*) FROM items WHERE {where}").fetchall()
        [(flagged,)] = conn.execute(
            f"SELECT count(*) FROM items WHERE {where} AND state = 'new' AND conflict = 1"
        ).fetchall()
        [(owed,)] = conn.execute(
            f"SELECT count(*) FROM items WHERE {where} AND state = 'new' "
            "AND deleted_at IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM item_answers a WHERE a.item_id = items.id)"
        ).fetchall()
    return stored, flagged, owed


def test_watch_syncs_round_after_round_and_ctrl_c_finishes_the_page_then_exits_0(
    workspace: Path, fleet: FakeFleet
) -> None:
    fake = fleet.fakes["mastodon"]
    watcher = spawn("sync", "--watch", "0.2", "--json", "--no-send", "--account", "demo-mastodon")
    assert watcher.stdout is not None
    first = json.loads(watcher.stdout.readline())
    assert first["ok"] is True
    assert first["new"] > 0
    second = json.loads(watcher.stdout.readline())  # a second round: nothing new
    assert second["new"] == 0

    # New mentions, served slowly: the round that fetches them is interrupted mid-page.
    listing = LISTING["mastodon"]
    fake.inject(Fault("slow", path=listing, seconds=0.5, times=1000))
    for n in range(100):
        fake.add_mention(f"newcomer{n % 5}", f"new mention number {n}")  # type: ignore[attr-defined]
    asked = len(fake.requests_to(listing))
    wait_until(lambda: len(fake.requests_to(listing)) > asked)
    watcher.send_signal(signal.SIGINT)
    out, err = watcher.communicate(timeout=60)

    assert watcher.returncode == 0, err
    assert "stopping after the current page" in err
    rounds = [first, second, *(json.loads(line) for line in out.splitlines())]
    last = rounds[-1]
    assert last["ok"] is True
    assert 0 < last["new"] < 100  # the page in flight was stored whole, then it stopped
    stored, _, _ = mastodon_counts(workspace)
    assert stored == sum(r["new"] for r in rounds)

    fake.faults.clear()
    rest = rapport("sync", "--json", "--no-send", "--account", "demo-mastodon")
    assert rest.returncode == 0, rest.stderr
    assert json.loads(rest.stdout)["new"] == 100 - sum(r["new"] for r in rounds[2:])
    assert mastodon_counts(workspace)[0] == first["new"] + 100


NOTIFY_SCRIPT = """\
import os, sys
with open(sys.argv[1], "a") as out:
    out.write(" ".join(f"{k}={os.environ[k]}" for k in
        ("RAPPORT_NEW_ITEMS", "RAPPORT_NEW_FLAGGED", "RAPPORT_NEW_OWED")) + "\\n")
"""


def test_watch_runs_the_notify_command_with_the_counts_once_per_round_with_news(
    workspace: Path, fleet: FakeFleet, tmp_path: Path
) -> None:
    from core.config import set_value

    fake = fleet.fakes["mastodon"]
    fake.add_mention("grumpy", "You are a complete idiot and this project is garbage.")  # type: ignore[attr-defined]
    fake.add_mention("curious", "Could you tell me how to configure the sync interval?")  # type: ignore[attr-defined]
    script = tmp_path / "notify.py"
    script.write_text(NOTIFY_SCRIPT)
    record = tmp_path / "notified.txt"
    set_value(
        resolve_paths(workspace), "general", "notify_command",
        f"{sys.executable} {script} {record}",
    )  # fmt: skip

    watcher = spawn("sync", "--watch", "0.2", "--json", "--no-send", "--account", "demo-mastodon")
    assert watcher.stdout is not None
    first = json.loads(watcher.stdout.readline())
    second = json.loads(watcher.stdout.readline())
    watcher.send_signal(signal.SIGINT)
    _, err = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, err
    assert second["new"] == 0

    stored, flagged, owed = mastodon_counts(workspace)
    assert flagged >= 1
    assert 0 < owed <= stored
    # Once: the second round brought nothing new.
    assert record.read_text().splitlines() == [
        f"RAPPORT_NEW_ITEMS={first['new']} RAPPORT_NEW_FLAGGED={flagged} RAPPORT_NEW_OWED={owed}"
    ]


def test_a_terminal_gets_a_live_display_rewritten_in_place(workspace: Path) -> None:
    import pty

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui.main", "sync", "--no-send"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the sync closed its terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    process.wait(timeout=120)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert process.returncode == 0, screen
    assert "\x1b[4F" in screen  # back up over the four account rows ...
    assert "\x1b[2K" in screen  # ... and rewrite each in place
    last = screen.rsplit("\x1b[4F", 1)[1]
    for platform in LISTING:
        assert re.search(rf"demo-{platform}\s+ok\s+\d+ new", last), last
    assert "synced 4 accounts in" in last


def test_a_reply_queued_from_the_command_line_is_sent_once_by_the_worker_processes(
    workspace: Path, fleet: FakeFleet
) -> None:
    assert rapport("sync", "--no-send").returncode == 0
    with sqlite3.connect(resolve_paths(workspace).database) as conn:
        [(item_id,)] = conn.execute(
            "SELECT items.id FROM items JOIN accounts ON accounts.id = items.account_id "
            "WHERE accounts.platform = 'bluesky' ORDER BY items.id LIMIT 1"
        ).fetchall()
    text = "Thanks for the report, it is fixed in 2.1."
    queued = rapport("reply", str(item_id), "--text", text)
    assert queued.returncode == 0, queued.stderr

    first = rapport("sync", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["sent"] == 1
    second = rapport("sync", "--json")
    assert json.loads(second.stdout)["sent"] == 0
    posts = fleet.fakes["bluesky"].posts  # type: ignore[attr-defined]
    assert sum(p["record"].get("text") == text for p in posts.values()) == 1
