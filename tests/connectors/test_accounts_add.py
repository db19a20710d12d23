"""`rapport accounts add` against each platform's served fake: a wrong secret is refused with a
clear message and nothing is saved; --handle stands for the login where the platform has one."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterator

import pytest

from core.cli.main import run
from core.fakes.base import FakePlatform, ServedFake
from core.fakes.harness import PLATFORMS, credentials_for, make_fake
from core.paths import resolve_paths

WRONG = "wrong-secret-5f4e3d2c1b"
#: The part of each platform's credentials that is replaced by WRONG.
SECRET_PART = {"mastodon": "token", "bluesky": "password", "reddit": "password", "github": "token"}
#: Words of each platform's refusal, as the user reads it.
REFUSAL = {
    "mastodon": "refused the access token",
    "bluesky": "refused",
    "reddit": "refused",
    "github": "Bad credentials",
}


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[FakePlatform, str]]:
    fake = make_fake(request.param)
    server = ServedFake.start(fake)
    try:
        yield fake, server.url
    finally:
        server.stop()


def cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(args), open_app=lambda workspace: 0)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def lines(parts: dict[str, str]) -> str:
    return "\n".join(f"{key}={value}" for key, value in parts.items()) + "\n"


def saved_secrets() -> dict[str, dict[str, str]]:
    path = resolve_paths().secrets_file
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.mark.parametrize("served", PLATFORMS, indirect=True)
def test_a_wrong_secret_is_refused_clearly_and_nothing_is_saved(
    served: tuple[FakePlatform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    platform = next(p for p in PLATFORMS if type(fake) is type(make_fake(p)))
    parts = {**credentials_for(fake), SECRET_PART[platform]: WRONG}
    code, out, err = cli(
        capsys, "accounts", "add", platform, "--name", "mine", "--base-url", url,
        "--token-stdin", stdin=lines(parts),
    )  # fmt: skip
    assert code == 1
    assert err.startswith("rapport: mine: ")
    assert REFUSAL[platform] in err
    assert "Nothing was saved." in err
    assert ".." not in err
    assert err.count("\n") == 1
    assert WRONG not in err + out
    assert "Traceback" not in err
    assert "mine" not in cli(capsys, "accounts", "list")[1]
    assert "mine" not in saved_secrets()


@pytest.mark.parametrize("served", ["bluesky"], indirect=True)
def test_bluesky_takes_handle_as_the_identifier_and_a_bare_app_password(
    served: tuple[FakePlatform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    parts = credentials_for(fake)
    code, out, err = cli(
        capsys, "accounts", "add", "bluesky", "--name", "sky", "--base-url", url,
        "--handle", f"@{parts['identifier']}", "--token-stdin", stdin=parts["password"] + "\n",
    )  # fmt: skip
    assert code == 0, err
    assert f"verified: sky is @{parts['identifier']} on Bluesky" in out
    assert saved_secrets()["sky"] == parts


@pytest.mark.parametrize("served", ["bluesky"], indirect=True)
def test_bluesky_without_handle_says_how_to_give_the_identifier(
    served: tuple[FakePlatform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    code, _, err = cli(
        capsys, "accounts", "add", "bluesky", "--name", "sky", "--base-url", url,
        "--token-stdin", stdin=credentials_for(fake)["password"] + "\n",
    )  # fmt: skip
    assert code == 2
    assert "missing: identifier, password" in err
    assert "give --handle for the identifier and pipe the password alone" in err
    assert fake.received == []


@pytest.mark.parametrize("served", ["reddit"], indirect=True)
def test_reddit_takes_handle_as_the_username(
    served: tuple[FakePlatform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    parts = credentials_for(fake)
    piped = {k: v for k, v in parts.items() if k != "username"}
    code, out, err = cli(
        capsys, "accounts", "add", "reddit", "--name", "rd", "--base-url", url,
        "--handle", f"u/{parts['username']}", "--token-stdin", stdin=lines(piped),
    )  # fmt: skip
    assert code == 0, err
    assert "verified: rd is" in out
    assert saved_secrets()["rd"] == parts

    code, _, err = cli(
        capsys, "accounts", "add", "reddit", "--name", "rd2", "--base-url", url,
        "--handle", parts["username"], "--token-stdin", stdin=parts["password"] + "\n",
    )  # fmt: skip
    assert code == 2
    assert "missing: client_id, client_secret, password" in err
    assert "client_id=... client_secret=... password=..." in err


@pytest.mark.parametrize("served", ["mastodon", "github"], indirect=True)
def test_token_platforms_keep_the_verified_handle_and_say_when_handle_differs(
    served: tuple[FakePlatform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    platform = next(p for p in PLATFORMS if type(fake) is type(make_fake(p)))
    code, out, err = cli(
        capsys, "accounts", "add", platform, "--name", "acct", "--base-url", url,
        "--handle", "@somebody-else", "--token-stdin", stdin=credentials_for(fake)["token"],
    )  # fmt: skip
    assert code == 0, err
    verified = out.split("verified: acct is ", 1)[1].split(" on ", 1)[0]
    assert f"note: the credentials belong to {verified}, not @somebody-else" in out
    code, listed, _ = cli(capsys, "accounts", "list", "--json")
    assert json.loads(listed)[0]["handle"] == verified
