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


def test_check_reports_an_unusable_secrets_store_before_any_account_is_used(
    rapport_home: Path,
) -> None:
    paths = resolve_paths()
    SecretStore(paths, "file").check(writing=True)  # nothing stored yet: fine
    store = SecretStore(paths, "file")
    store.save("work", {"token": TOKEN})
    os.chmod(paths.secrets_file, 0o604)
    with pytest.raises(SecretsError, match=f"chmod 600 {paths.secrets_file}"):
        store.check()
    os.chmod(paths.secrets_file, 0o600)
    paths.secrets_file.write_text("{not json")
    with pytest.raises(SecretsError, match="not readable JSON"):
        store.check()
    with pytest.raises(SecretsError, match="no system keyring works"):
        SecretStore(paths, "keyring").check()


def test_check_for_writing_needs_a_writable_config_folder(
    rapport_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = resolve_paths()
    paths.ensure()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(SecretsError, match="not writable"):
        SecretStore(paths, "file").check(writing=True)
    SecretStore(paths, "file").check()  # reading needs no write access


def test_redact_blanks_out_every_loaded_secret_but_not_who_the_user_is() -> None:
    from core.secrets import Secret, redact

    password = "app-pass-REDACT-ME-42"
    Credentials({"identifier": "maria.bsky.social", "password": password})
    session = "eyJhbGciOi.session-token-from-a-refresh"
    Secret(session)
    text = f"login maria.bsky.social with {password}; header Bearer {session}"
    assert redact(text) == "login maria.bsky.social with ********; header Bearer ********"
    assert redact("nothing secret here") == "nothing secret here"
