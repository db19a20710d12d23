"""`rapport accounts add` at a terminal: where to get the token, a check, and a second chance."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from core.cli.main import run
from core.fakes.base import ServedFake
from core.fakes.mastodon import MastodonFake
from core.paths import resolve_paths


@pytest.fixture
def mastodon() -> Iterator[ServedFake]:
    with ServedFake.start(MastodonFake()) as served:
        yield served


class Terminal(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def answer(monkeypatch: pytest.MonkeyPatch, typed: list[str], hidden: list[str]) -> None:
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt="": typed.pop(0))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": hidden.pop(0))


def no_app(workspace: object) -> int:
    raise AssertionError


def test_a_terminal_user_is_told_where_to_get_a_token_and_can_retry(
    mastodon: ServedFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = mastodon.fake
    assert isinstance(fake, MastodonFake)
    answer(monkeypatch, typed=[mastodon.url], hidden=["wrong-token", fake.token])
    code = run(["accounts", "add", "mastodon", "--name", "home"], open_app=no_app)
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"{mastodon.url}/settings/applications/new" in out
    assert "read:notifications" in out
    assert "Try again (2 of 3)" in out
    assert "verified: home is" in out
    assert "wrong-token" not in out
    config = resolve_paths().config_file.read_text()
    assert mastodon.url in config
    assert fake.token not in config


def test_three_wrong_tokens_save_nothing(
    mastodon: ServedFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(monkeypatch, typed=[], hidden=["a", "b", "c"])
    code = run(
        ["accounts", "add", "mastodon", "--name", "home", "--base-url", mastodon.url],
        open_app=no_app,
    )
    captured = capsys.readouterr()
    assert code == 1
    assert "Nothing was saved" in captured.err
    assert not resolve_paths().config_file.exists()


def test_an_unreachable_server_is_not_retried_with_new_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answer(monkeypatch, typed=[], hidden=["tok"])
    code = run(
        ["accounts", "add", "mastodon", "--name", "home", "--base-url", "http://127.0.0.1:9"],
        open_app=no_app,
    )
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in capsys.readouterr().err
