"""Account credentials: the system keyring first, a 0600 JSON file where no keyring works.

A credential is a small mapping (`token`, or `client_id`/`client_secret`/`username`/`password`,
...) wrapped in `Credentials`, whose repr never shows a value, so it cannot leak through logs,
tracebacks with locals, or exceptions.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from core.errors import SecretsError
from core.paths import Paths

Backend = Literal["auto", "keyring", "file"]

#: Credential parts that name the user rather than prove who they are: shown in handles and
#: log lines, so never blanked out of them.
NOT_SECRET = frozenset({"identifier", "username", "handle"})
#: Shorter values are not blanked out of text (they would mangle ordinary words).
_MIN_REDACTED = 6
_MASK = "********"
#: Every secret value this process has held, longest first, for `redact`. Replaced, never
#: changed in place, so a thread reading it always sees a whole list.
_known: tuple[str, ...] = ()


def remember_secret(value: str) -> None:
    """Have `redact` blank `value` out of log lines and tracebacks (e.g. a session token a
    connector obtained at run time)."""
    global _known
    if len(value) >= _MIN_REDACTED and value not in _known:
        _known = tuple(sorted((*_known, value), key=len, reverse=True))


def redact(text: str) -> str:
    """`text` with every secret this process has loaded replaced by asterisks."""
    for value in _known:
        if value in text:
            text = text.replace(value, _MASK)
    return text


class Secret:
    """A string that will not print itself, and that `redact` blanks out of log lines."""

    __slots__ = ("_value",)

    def __init__(self, value: str, *, remember: bool = True) -> None:
        self._value = value
        if remember:  # blanked out of every log line from now on (see `redact`)
            remember_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


class Credentials(Mapping[str, Secret]):
    """The parts of one account's credentials, each a `Secret`."""

    def __init__(self, parts: Mapping[str, str]) -> None:
        self._parts = {
            key: Secret(value, remember=key not in NOT_SECRET) for key, value in parts.items()
        }

    def __getitem__(self, key: str) -> Secret:
        return self._parts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __repr__(self) -> str:
        return f"Credentials(keys={sorted(self._parts)})"

    def reveal_all(self) -> dict[str, str]:
        return {key: secret.reveal() for key, secret in self._parts.items()}


def parse_stdin_secret(text: str) -> dict[str, str]:
    """Standard input carries either a bare token or `key=value` lines."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise SecretsError("no secret on standard input: pipe the token (or key=value lines) in")
    if all("=" in line for line in lines):
        parts: dict[str, str] = {}
        for line in lines:
            key, _, value = line.partition("=")
            if not key.strip() or not value.strip():
                raise SecretsError(f"standard input: a line has an empty key or value ({key}=...)")
            parts[key.strip()] = value.strip()
        return parts
    if len(lines) == 1:
        return {"token": lines[0]}
    raise SecretsError("standard input: give one token, or key=value lines (one per line)")


class SecretStore:
    """Reads and writes credentials for the accounts of one workspace."""

    def __init__(self, paths: Paths, backend: Backend = "auto") -> None:
        self._paths = paths
        self._backend = backend
        self._keyring_ok: bool | None = None

    @property
    def service(self) -> str:
        # One keyring entry per workspace, so two RAPPORT_HOMEs never share a token.
        digest = hashlib.sha256(str(self._paths.config_dir).encode()).hexdigest()[:12]
        return f"rapport:{digest}"

    def check(self, *, writing: bool = False) -> None:
        """Raise SecretsError now, with its fix, if the secrets cannot be read (or, `writing`,
        stored) safely: a keyring asked for but missing, a secrets file other users can read or
        that is not valid JSON, a config folder that cannot be written. Commands call this
        before touching any account, so the problem is reported once, not per account."""
        uses_keyring = self._use_keyring()
        self._read_file()  # the file is read in every mode (the keyring falls back to it)
        if writing and not uses_keyring:
            folder = self._paths.config_dir
            existing = folder
            while not existing.exists() and existing != existing.parent:
                existing = existing.parent
            if not os.access(existing, os.W_OK | os.X_OK):
                raise SecretsError(
                    f"cannot write the secrets file in {folder}: the folder is not writable "
                    "by you; fix its permissions or set RAPPORT_HOME to a folder you own"
                )

    def where(self) -> str:
        return "system keyring" if self._use_keyring() else str(self._paths.secrets_file)

    def save(self, account: str, parts: Mapping[str, str]) -> None:
        payload = json.dumps(dict(parts), sort_keys=True)
        if self._use_keyring():
            import keyring

            try:
                keyring.set_password(self.service, account, payload)
                return
            except Exception as exc:  # keyring backends raise many types
                if self._backend == "keyring":
                    raise SecretsError(f"the system keyring refused the secret: {exc}") from None
                self._keyring_ok = False
        data = self._read_file()
        data[account] = dict(parts)
        self._write_file(data)

    def load(self, account: str) -> Credentials | None:
        if self._use_keyring():
            import keyring

            try:
                payload = keyring.get_password(self.service, account)
            except Exception:
                payload = None
            if payload:
                return Credentials(json.loads(payload))
        data = self._read_file()
        if account in data:
            return Credentials(data[account])
        return None

    def delete(self, account: str) -> None:
        if self._use_keyring():
            import keyring

            with contextlib.suppress(Exception):
                keyring.delete_password(self.service, account)
        data = self._read_file()
        if account in data:
            del data[account]
            self._write_file(data)

    # ---- the keyring -------------------------------------------------------------------------

    def _use_keyring(self) -> bool:
        if self._backend == "file":
            return False
        if self._keyring_ok is None:
            self._keyring_ok = _keyring_works()
            if self._backend == "keyring" and not self._keyring_ok:
                raise SecretsError(
                    "secrets_backend is 'keyring' but no system keyring works here: "
                    'set secrets_backend = "auto" or "file" in the config'
                )
        return self._keyring_ok

    # ---- the 0600 file -----------------------------------------------------------------------

    def _read_file(self) -> dict[str, dict[str, str]]:
        path = self._paths.secrets_file
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return {}
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretsError(
                f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
                f"fix it with: chmod 600 {path}"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SecretsError(f"{path} is not readable JSON ({exc.__class__.__name__})") from None
        if not isinstance(data, dict):
            raise SecretsError(f"{path} is not a JSON object: restore it or remove it")
        return data

    def _write_file(self, data: dict[str, dict[str, str]]) -> None:
        self._paths.ensure()
        path = self._paths.secrets_file
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


def _keyring_works() -> bool:
    """A keyring 'works' when its backend is a real one (not the fail or null backends)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception:
        return False
    if isinstance(backend, fail.Keyring):
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    if "null" in name.lower() or ("chainer" in name.lower() and not _chainer_has_backends(backend)):
        return False
    return getattr(backend, "priority", 1) > 0


def _chainer_has_backends(backend: object) -> bool:
    return bool(getattr(backend, "backends", []))


def secrets_file_path(paths: Paths) -> Path:
    return paths.secrets_file
