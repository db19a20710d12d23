"""The command line contract: exit codes, one-line errors, secrets never as arguments."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli.main import run
from core.paths import resolve_paths
from core.store.repository import Store
from tests.factories import item

TOKEN = "tok_NEVER_IN_THE_DB_0123456789abcdef"
COMMANDS = ["demo", "accounts", "sync", "check", "reply", "export", "contacts", "stats"]


def rapport(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def no_app(workspace: object) -> int:
    raise AssertionError("the app should not open")


def cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(args), open_app=no_app)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help_on_every_command() -> None:
    assert rapport("--version").stdout.startswith("rapport ")
    for command in COMMANDS:
        result = rapport(command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "usage: rapport" in result.stdout


def test_a_usage_error_is_one_line_and_exit_2() -> None:
    result = rapport("sink")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "invalid choice: 'sink'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_secret_is_never_accepted_as_an_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "accounts", "add", "mastodon", "--name", "w", "--token", TOKEN)
    assert code == 2
    assert "unrecognized arguments: --token and 1 value(s) not shown" in err
    assert TOKEN not in err


def test_an_unknown_option_is_named_without_talk_of_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = cli(capsys, "demo", "--quiet")
    assert code == 2
    assert "unrecognized arguments: --quiet (see" in err
    assert "secret" not in err


def test_without_a_terminal_add_asks_for_token_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(
        capsys, "accounts", "add", "mastodon", "--name", "w", "--base-url", "https://m.example"
    )
    assert code == 2
    assert "--token-stdin" in err


def test_bad_config_is_reported_with_its_file_and_exit_2(
    capsys: pytest.CaptureFixture[str], rapport_home: Path
) -> None:
    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text("[general]\ntarget_response = 4\n")
    code, _, err = cli(capsys, "accounts", "list")
    assert code == 2
    assert str(paths.config_file) in err
    assert "line 2" in err


def test_accounts_add_list_remove_without_verifying(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(
        capsys,
        "accounts",
        "add",
        "mastodon",
        "--name",
        "home",
        "--base-url",
        "https://m.example",
        "--handle",
        "@me@m.example",
        "--token-stdin",
        "--no-verify",
        stdin=TOKEN + "\n",
    )
    assert code == 0, out
    code, out, _ = cli(capsys, "accounts", "list", "--json")
    assert json.loads(out) == [
        {
            "name": "home",
            "platform": "mastodon",
            "base_url": "https://m.example",
            "handle": "@me@m.example",
            "enabled": True,
        }
    ]
    code, out, _ = cli(capsys, "accounts", "remove", "home")
    assert code == 0
    code, out, _ = cli(capsys, "accounts", "list")
    assert "no accounts yet" in out
    code, _, err = cli(capsys, "accounts", "remove", "home")
    assert code == 2
    assert "no account named 'home'" in err


def test_no_secret_reaches_the_database_config_or_exports(
    capsys: pytest.CaptureFixture[str], rapport_home: Path
) -> None:
    cli(
        capsys,
        "accounts",
        "add",
        "mastodon",
        "--name",
        "work",
        "--base-url",
        "https://m.example",
        "--token-stdin",
        "--no-verify",
        stdin=TOKEN,
    )

    async def fill() -> None:
        store = await Store.open(resolve_paths().database)
        from tests.factories import account

        await store.ensure_account(account())
        await store.ingest("work", [item(n) for n in range(1, 30)])
        await store.close()

    asyncio.run(fill())
    exports = [cli(capsys, "export")[1], cli(capsys, "export", "--format", "csv")[1]]
    assert len(exports[0].splitlines()) == 29
    assert exports[1].splitlines()[0].startswith("id,account,platform")
    for text in exports:
        assert TOKEN not in text
    paths = resolve_paths()
    for path in paths.data_dir.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    assert TOKEN not in paths.config_file.read_text()
    assert TOKEN in paths.secrets_file.read_text()


def test_export_rejects_a_bad_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "export", "--since", "yesterday-ish")
    assert code == 2
    assert "--since" in err
    assert "YYYY-MM-DD" in err


def test_csv_export_defuses_formulas(capsys: pytest.CaptureFixture[str]) -> None:
    async def fill() -> None:
        store = await Store.open(resolve_paths().database)
        from tests.factories import account

        await store.ensure_account(account())
        await store.ingest("work", [item(1, text='=HYPERLINK("http://evil","click")')])
        await store.close()

    asyncio.run(fill())
    _, out, _ = cli(capsys, "export", "--format", "csv")
    assert "'=HYPERLINK" in out


def test_check_and_a_correction_that_teaches_it(capsys: pytest.CaptureFixture[str]) -> None:
    text = "Per my last email, this is not a bug."
    code, out, _ = cli(capsys, "check", text, "--role", "draft")
    assert code == 0
    verdict = json.loads(out)
    assert verdict["conflict"] is True
    assert verdict["reasons"]
    assert -1 <= verdict["polarity"] <= 1

    async def fill() -> int:
        store = await Store.open(resolve_paths().database)
        from tests.factories import account

        await store.ensure_account(account())
        [item_id] = (await store.ingest("work", [item(1, text=text)])).new_ids
        await store.close()
        return item_id

    item_id = asyncio.run(fill())
    code, out, _ = cli(capsys, "correct", str(item_id), "--not-conflict")
    assert code == 0
    code, out, _ = cli(capsys, "check", text, "--role", "incoming")
    after = json.loads(out)
    assert after["conflict"] is False
    assert any("correction" in reason for reason in after["reasons"])


def test_check_jsonl_names_the_bad_line(capsys: pytest.CaptureFixture[str]) -> None:
    lines = '{"text": "thanks, great work!", "role": "incoming"}\n{"text": 42}\n'
    code, _, err = cli(capsys, "check", "--jsonl", stdin=lines)
    assert code == 2
    assert "line 2" in err
    good = '{"text": "thanks!"}\n{"text": "YOU ARE AN IDIOT", "role": "incoming"}\n'
    code, out, _ = cli(capsys, "check", "--jsonl", stdin=good)
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["conflict"] is False
    assert second["conflict"] is True


def test_reply_is_refused_with_reasons_unless_forced(capsys: pytest.CaptureFixture[str]) -> None:
    async def fill() -> int:
        store = await Store.open(resolve_paths().database)
        from tests.factories import account

        await store.ensure_account(account())
        [item_id] = (await store.ingest("work", [item(1, text="is this a bug?")])).new_ids
        await store.close()
        return item_id

    item_id = asyncio.run(fill())
    rude = "Did you even read the docs? This is obviously covered."
    code, _, err = cli(capsys, "reply", str(item_id), "--text", rude)
    assert code == 1
    assert "not queued" in err
    assert "condescending" in err
    assert "--force" in err
    code, out, _ = cli(capsys, "reply", str(item_id), "--text", "Thanks! It's fixed in 2.1.")
    assert code == 0
    assert "queued reply" in out
    code, out, _ = cli(capsys, "reply", str(item_id), "--text", rude, "--force")
    assert code == 0

    async def states() -> list[tuple[str, bool]]:
        store = await Store.open(resolve_paths().database)
        replies = await store.replies_for(item_id)
        await store.close()
        return [(r.text, r.forced) for r in replies]

    assert asyncio.run(states()) == [("Thanks! It's fixed in 2.1.", False), (rude, True)]
    code, _, err = cli(capsys, "reply", "999", "--text", "hello")
    assert code == 2
    assert "no item with id 999" in err
