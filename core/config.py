"""The TOML configuration: typed, validated, and edited in place without losing comments.

An invalid file is reported with its path, the line and the key, and what to do; a missing file
means the defaults. Writes go through tomlkit so the user's comments and layout survive.
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError
from core.models import ItemKind
from core.paths import Paths
from core.query import parse_query
from core.timeutil import parse_duration

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def _known_platform(value: str) -> str:
    """A platform the connector registry knows (the built-ins and installed plugins)."""
    from core.connectors.registry import known_platforms

    known = known_platforms()
    if value not in known:
        raise ValueError(f"unknown platform {value!r}: use one of {', '.join(known)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountConfig(_Strict):
    name: str
    platform: str
    base_url: str
    handle: str = ""
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "use letters, digits, '.', '_' or '-' (at most 64), e.g. work-mastodon"
            )
        return value

    @field_validator("platform")
    @classmethod
    def _valid_platform(cls, value: str) -> str:
        return _known_platform(value)

    @field_validator("base_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with https:// (or http:// for a local server)")
        return value.rstrip("/")


class GeneralConfig(_Strict):
    target_response: str = "4h"
    sync_interval: str = "10m"
    backfill_days: int = Field(default=90, ge=1, le=3650)
    business_hours: tuple[int, int] | None = None
    theme: str = "rapport-dark"
    notify_command: str = ""
    #: Processes `rapport sync` spreads its accounts over: 0 = one per core (and at most one
    #: per account), 1 = everything in the rapport process itself.
    sync_workers: int = Field(default=0, ge=0, le=64)

    @field_validator("target_response", "sync_interval")
    @classmethod
    def _valid_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("business_hours")
    @classmethod
    def _valid_hours(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not (0 <= value[0] < value[1] <= 24):
            raise ValueError("use [start, end] hours with 0 <= start < end <= 24, e.g. [9, 17]")
        return value

    @property
    def target_response_delta(self) -> timedelta:
        return parse_duration(self.target_response)

    @property
    def sync_interval_delta(self) -> timedelta:
        return parse_duration(self.sync_interval)


class ToneConfig(_Strict):
    sensitivity: Literal["strict", "normal", "relaxed"] = "normal"
    watch_words: list[str] = Field(default_factory=list)


class RuleConfig(_Strict):
    """One ingest rule (see core.rules)."""

    name: str
    platform: str | None = None
    account: str | None = None
    author: str | None = None
    #: A person (contacts linked with `rapport contacts link`), by name, any case.
    person: str | None = None
    words: list[str] = Field(default_factory=list)
    query: str | None = None
    kind: list[ItemKind] = Field(default_factory=list)
    tone: Literal["negative", "neutral", "positive"] | None = None
    conflict: bool | None = None
    tag: list[str] = Field(default_factory=list)
    done: bool = False
    mute: bool = False
    snooze: str | None = None
    important: bool = False

    @field_validator("platform")
    @classmethod
    def _valid_platform(cls, value: str | None) -> str | None:
        return None if value is None else _known_platform(value)

    @field_validator("person")
    @classmethod
    def _valid_person(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("give the person's name, as `rapport contacts --json` shows it")
        return value.strip() if value is not None else None

    @field_validator("snooze")
    @classmethod
    def _valid_snooze(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    @field_validator("query")
    @classmethod
    def _valid_query(cls, value: str | None) -> str | None:
        if value is not None:
            parse_query(value)
        return value


class DemoConfig(_Strict):
    """Present only in a demo workspace: how to regenerate the same platform data."""

    seed: int = 7
    items: int = Field(default=600, ge=10, le=5_000_000)
    #: The story's "now" (epoch seconds): the same anchor gives the same platform ids.
    anchor: float


class Config(_Strict):
    secrets_backend: Literal["auto", "keyring", "file"] = "auto"
    general: GeneralConfig = Field(default_factory=GeneralConfig)
    tone: ToneConfig = Field(default_factory=ToneConfig)
    accounts: list[AccountConfig] = Field(default_factory=list)
    keys: dict[str, str] = Field(default_factory=dict)
    snippets: dict[str, str] = Field(default_factory=dict)
    views: dict[str, str] = Field(default_factory=dict)
    rules: list[RuleConfig] = Field(default_factory=list)
    demo: DemoConfig | None = None

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, value: list[AccountConfig]) -> list[AccountConfig]:
        seen: set[str] = set()
        for account in value:
            if account.name in seen:
                raise ValueError(f"two accounts are named {account.name!r}: names must be unique")
            seen.add(account.name)
        return value

    @field_validator("keys", mode="before")
    @classmethod
    def _dotted_keys(cls, value: Any) -> Any:
        """`[keys] inbox.done = "d"` unquoted is a dotted key, which TOML reads as a nested
        table ({"inbox": {"done": "d"}}): it means the same as `"inbox.done" = "d"`."""
        if not isinstance(value, dict):
            return value
        flat: dict[str, Any] = {}

        def walk(prefix: str, table: dict[str, Any]) -> None:
            for name, entry in table.items():
                dotted = f"{prefix}.{name}" if prefix else str(name)
                if isinstance(entry, dict):
                    walk(dotted, entry)
                else:
                    flat[dotted] = entry

        walk("", value)
        return flat

    def account(self, name: str) -> AccountConfig | None:
        return next((a for a in self.accounts if a.name == name), None)


def load_config(paths: Paths) -> Config:
    """Read and validate the config file; a missing file gives the defaults."""
    path = paths.config_file
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return parse_config(text, path)


def parse_config(text: str, path: Path) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(toml_error(text, path, exc)) from None
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = find_line(text, loc)
        where = f"{path}, line {line}" if line else str(path)
        key = _dotted(loc)
        raise ConfigError(f"{where}: {key}: {_describe(first)}") from None
    _apply_env_overrides(config)
    return config


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


_BARE_VALUE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*=\s*([A-Za-z0-9][^\"'#\[\]{}]*?)\s*(#.*)?$")


def _is_toml_value(value: str) -> bool:
    try:
        tomllib.loads(f"x = {value}")
    except tomllib.TOMLDecodeError:
        return False
    return True


def toml_error(text: str, path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """Where the TOML is broken (file, line, column), the line itself, and what to do.

    Python 3.11's TOMLDecodeError has no lineno/colno (3.14 adds them): the position is read
    from its message, "... (at line 3, column 7)" or "... (at end of document)"."""
    message = str(exc)
    line = getattr(exc, "lineno", None)
    column = getattr(exc, "colno", None)
    at = _TOML_AT.search(message)
    at_end = _TOML_AT_END.search(message)
    if at is not None:
        line, column = line or int(at.group(1)), column or int(at.group(2))
        message = message[: at.start()]
    elif at_end is not None:
        message = message[: at_end.start()]
    lines = text.splitlines()
    hint = "fix that line, or move the file away to start from the defaults"
    if at_end is not None and line is None:
        # Something opened earlier is still open when the file ends.
        line = max(1, len(lines))
        column = len(lines[-1]) + 1 if lines else 1
        hint = (
            "the file ends while something is still open (a [ or { without its closing "
            "bracket, or a quote without its closing quote): close it, or move the file away "
            "to start from the defaults"
        )
    where = f"{path}, line {line}, column {column}" if line else str(path)
    shown = ""
    if line and 0 < line <= len(lines) and lines[line - 1].strip():
        excerpt = lines[line - 1].strip()
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        shown = f" (the line reads: {excerpt!r})"
        bare = _BARE_VALUE.match(lines[line - 1])
        if bare is not None and at_end is None and not _is_toml_value(bare.group(2)):
            value = bare.group(2).strip()
            hint = f'text goes in quotes: {bare.group(1)} = "{value}"'
    return f"{where}: not valid TOML: {message.strip()}{shown}; {hint}."


def _apply_env_overrides(config: Config) -> None:
    backend = os.environ.get("RAPPORT_SECRETS_BACKEND")
    if backend:
        if backend not in ("auto", "keyring", "file"):
            raise ConfigError(
                f"RAPPORT_SECRETS_BACKEND={backend!r}: use auto, keyring or file"
            ) from None
        object.__setattr__(config, "secrets_backend", backend)


def _describe(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown key: remove it or check its spelling against the README"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message


def _dotted(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part}]" if parts else f"[{part}]"
        else:
            parts.append(str(part))
    return ".".join(parts)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*\"?([A-Za-z0-9_\-]+)\"?\s*=")


def find_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort line number (1-based) of a validation error's location in the TOML text."""
    table: list[str] = []
    counters: dict[str, int] = {}
    wanted_table = [str(p) for p in loc[:-1] if not isinstance(p, int)]
    wanted_index = next((p for p in loc if isinstance(p, int)), None)
    key = str(loc[-1]) if loc and not isinstance(loc[-1], int) else None
    best: int | None = None
    index_here: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = [p.strip().strip('"') for p in header.group(2).split(".")]
            dotted = ".".join(table)
            if header.group(1) == "[[":
                counters[dotted] = counters.get(dotted, -1) + 1
                index_here = counters[dotted]
            else:
                index_here = None
            table_matches = table == wanted_table or (
                not key and table == [str(p) for p in loc[:1]]
            )
            if table_matches and (wanted_index is None or wanted_index == index_here):
                best = best or number
            continue
        match = _KEY.match(line)
        if not match:
            continue
        in_place = table == wanted_table and (wanted_index is None or wanted_index == index_here)
        if in_place and match.group(1) == key:
            return number
        if not table and key is None and loc and match.group(1) == str(loc[0]):
            return number
        if not table and len(loc) == 1 and match.group(1) == str(loc[0]):
            return number
    return best


# ---- editing the file in place -------------------------------------------------------------


def add_account(paths: Paths, account: AccountConfig) -> None:
    import tomlkit

    document = _load_document(paths)
    accounts = document.setdefault("accounts", tomlkit.aot())
    for existing in accounts:
        if existing.get("name") == account.name:
            raise ConfigError(
                f"an account named {account.name!r} exists already: pick another --name "
                f"or remove it with `rapport accounts remove {account.name}`"
            )
    entry = tomlkit.table()
    for key, value in account.model_dump(exclude_defaults=True).items():
        entry[key] = value
    entry["name"] = account.name
    entry["platform"] = account.platform
    entry["base_url"] = account.base_url
    accounts.append(entry)
    _save_document(paths, document)


def remove_account(paths: Paths, name: str) -> bool:
    document = _load_document(paths)
    accounts = document.get("accounts")
    if not accounts:
        return False
    kept = [a for a in accounts if a.get("name") != name]
    if len(kept) == len(accounts):
        return False
    import tomlkit

    replacement = tomlkit.aot()
    for entry in kept:
        replacement.append(entry)
    if kept:
        document["accounts"] = replacement
    else:
        del document["accounts"]
    _save_document(paths, document)
    return True


def set_account_url(paths: Paths, name: str, base_url: str) -> None:
    """Point an account at a new address (the demo's fakes get new ports each start)."""
    document = _load_document(paths)
    for entry in document.get("accounts", []):
        if entry.get("name") == name:
            entry["base_url"] = base_url
    _save_document(paths, document)


def set_top_level(paths: Paths, key: str, value: Any) -> None:
    """Set a top-level key or, with a dict, a whole [table] at once."""
    document = _load_document(paths)
    document[key] = value
    _save_document(paths, document)


def set_value(paths: Paths, section: str, key: str, value: Any) -> None:
    """Set one `[section] key = value`, keeping everything else as the user wrote it."""
    import tomlkit

    document = _load_document(paths)
    table = document.setdefault(section, tomlkit.table())
    table[key] = value
    _save_document(paths, document)


def _load_document(paths: Paths) -> Any:
    import tomlkit

    path = paths.config_file
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    parse_config(text, path)  # refuse to edit a file that is already broken
    return tomlkit.parse(text)


def _save_document(paths: Paths, document: Any) -> None:
    import tomlkit

    paths.ensure()
    text = tomlkit.dumps(document)
    parse_config(text, paths.config_file)
    tmp = paths.config_file.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, paths.config_file)
