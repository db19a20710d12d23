"""Secrets: a 0600 file when there is no keyring, refused when others can read it, never shown."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from core.errors import SecretsError
from core.paths import resolve_paths
from core.secrets import Credentials, SecretStore, parse_stdin_secret

TOKEN = "tok_SUPERSECRET_0123456789"


def test_the_secrets_file_is_created_0600_and_read_back(rapport_home: Path) -> None:
    store = SecretStore(resolve_paths(), "file")
    store.save("work", {"token": TOKEN})
    mode = stat.S_IMODE(resolve_paths().secrets_file.stat().st_mode)
    assert mode == 0o600
    loaded = store.load("work")
    assert loaded is not None
    assert loaded["token"].reveal() == TOKEN


def test_a_group_readable_secrets_file_is_refused_with_the_fix(rapport_home: Path) -> None:
    store = SecretStore(resolve_paths(), "file")
    store.save("work", {"token": TOKEN})
    path = resolve_paths().secrets_file
    os.chmod(path, 0o644)
    with pytest.raises(SecretsError) as caught:
        store.load("work")
    assert f"chmod 600 {path}" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_credentials_never_show_their_values() -> None:
    credentials = Credentials({"token": TOKEN, "password": "hunter2"})
    shown = [repr(credentials), str(credentials), repr(credentials["token"])]
    shown.append(f"{credentials['token']}")
    for text in shown:
        assert TOKEN not in text
        assert "hunter2" not in text


def test_auto_falls_back_to_the_file_when_no_keyring_works(rapport_home: Path) -> None:
    store = SecretStore(resolve_paths(), "auto")
    store.save("work", {"token": TOKEN})
    assert store.where() == str(resolve_paths().secrets_file)
    assert resolve_paths().secrets_file.exists()


def test_asking_for_the_keyring_where_none_works_is_a_clear_error(rapport_home: Path) -> None:
    store = SecretStore(resolve_paths(), "keyring")
    with pytest.raises(SecretsError, match="no system keyring works"):
        store.save("work", {"token": TOKEN})


def test_stdin_carries_a_token_or_key_value_lines() -> None:
    assert parse_stdin_secret(f"{TOKEN}\n") == {"token": TOKEN}
    parts = parse_stdin_secret("client_id=abc\nclient_secret=def\nusername=me\npassword=pw\n")
    assert parts == {
        "client_id": "abc",
        "client_secret": "def",
        "username": "me",
        "password": "pw",
    }
    with pytest.raises(SecretsError, match="no secret"):
        parse_stdin_secret("\n")
