"""`rapport accounts add|list|remove|test`: set up accounts, with secrets kept out of argv."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

from core.cli.main import OpenApp
from core.cli.output import print_json, print_table
from core.config import AccountConfig, add_account, remove_account
from core.connectors.base import AuthError, Connector, ConnectorError, Identity, NetworkError
from core.connectors.registry import available, connector_class
from core.errors import ConfigError, RapportError, UsageError
from core.http_client import make_client
from core.models import Account
from core.secrets import Credentials, parse_stdin_secret
from core.workspace import Workspace


def register(commands: Any) -> None:
    accounts = commands.add_parser(
        "accounts", help="add, list, test or remove accounts", description="Manage accounts."
    )
    verbs = accounts.add_subparsers(dest="verb", metavar="VERB", required=True)

    add = verbs.add_parser(
        "add",
        help="connect an account",
        description="Connect an account. The secret is read from standard input "
        "(--token-stdin) or asked for at a prompt; never give it as an argument.",
    )
    add.add_argument("platform", help=f"one of: {', '.join(sorted(available()))}")
    add.add_argument("--name", required=True, help="a short name for the account, e.g. work")
    add.add_argument("--base-url", help="the instance or API URL (defaults per platform)")
    add.add_argument(
        "--handle",
        default="",
        help="your handle there (found when verifying); on Bluesky it is the login "
        "identifier and on Reddit the username, so standard input can carry the password alone",
    )
    add.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the token (or key=value lines) from standard input",
    )
    add.add_argument(
        "--no-verify", action="store_true", help="save without checking the credentials"
    )
    add.set_defaults(handler=cmd_add)

    listing = verbs.add_parser("list", help="list accounts")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_list)

    remove = verbs.add_parser("remove", help="remove an account and its secret")
    remove.add_argument("name")
    remove.add_argument("--purge", action="store_true", help="also delete everything synced for it")
    remove.set_defaults(handler=cmd_remove)

    test = verbs.add_parser("test", help="check that accounts' credentials work")
    test.add_argument("names", nargs="*", metavar="NAME", help="accounts to test (default all)")
    test.set_defaults(handler=cmd_test)


# ---- add -----------------------------------------------------------------------------------------


def cmd_add(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    cls = connector_class(args.platform)
    if workspace.config.account(args.name):
        raise ConfigError(
            f"an account named {args.name!r} exists already: pick another --name "
            f"or remove it with `rapport accounts remove {args.name}`"
        )
    interactive = not args.token_stdin and sys.stdin.isatty()
    if not args.token_stdin and not interactive:
        raise UsageError("no terminal to ask for the secret: pipe it in and add --token-stdin")
    # Somewhere safe to keep the secret, before the server is asked anything (exit 2 if not).
    workspace.secrets.check(writing=True)
    base_url = _base_url(cls, args.base_url, interactive)
    try:
        entry = AccountConfig(
            name=args.name, platform=args.platform, base_url=base_url, handle=args.handle
        )
    except ValueError as exc:
        raise UsageError(_first_validation_message(exc)) from None
    if interactive:
        _explain(cls, entry.base_url)
    parts, handle = _credentials_that_work(cls, entry, args, interactive)
    if handle != entry.handle:
        entry = entry.model_copy(update={"handle": handle})
    workspace.secrets.save(args.name, parts)
    try:
        add_account(workspace.paths, entry)
    except RapportError:
        workspace.secrets.delete(args.name)
        raise
    print(f"added {args.name} ({args.platform}); secret kept in the {workspace.secrets.where()}")
    if interactive:
        print("Next: `rapport sync` fetches your mentions, `rapport` opens the inbox.")
    return 0


ATTEMPTS = 3


class Unreachable(RapportError):
    """The server did not answer: asking for the token again would not help."""


def _credentials_that_work(
    cls: type[Connector], entry: AccountConfig, args: argparse.Namespace, interactive: bool
) -> tuple[dict[str, str], str]:
    """Read the credentials and check them; at a terminal, let the user try again."""
    account = Account(name=entry.name, platform=entry.platform, base_url=entry.base_url)
    identity_key = _identity_key(cls)
    login = _login(entry.handle) if identity_key else ""
    for attempt in range(1, ATTEMPTS + 1):
        if interactive:
            parts = _prompt(cls, {identity_key: login} if identity_key and login else {})
        else:
            parts = _with_handle(cls, parse_stdin_secret(sys.stdin.read()), login)
        missing = [key for key in cls.credential_keys if key not in parts]
        if missing:
            raise UsageError(_missing_message(cls, missing, identity_key, login))
        if args.no_verify:
            return parts, entry.handle
        try:
            identity = asyncio.run(_verify(account, Credentials(parts), " Nothing was saved."))
        except RapportError as exc:
            if not interactive or attempt == ATTEMPTS or isinstance(exc, Unreachable):
                raise
            print(f"{exc}\nTry again ({attempt + 1} of {ATTEMPTS}), or press Ctrl-C to stop.")
            continue
        print(f"verified: {entry.name} is {identity.handle} on {cls.title or entry.platform}")
        if entry.handle and not _same_handle(entry.handle, identity.handle):
            print(
                f"note: the credentials belong to {identity.handle}, not {entry.handle}; "
                f"saved as {identity.handle}"
            )
        # What the platform says is kept: connectors use it to recognise the user's own posts.
        return parts, identity.handle or entry.handle
    raise AssertionError("unreachable")


def _base_url(cls: type[Connector], given: str | None, interactive: bool) -> str:
    if given:
        return given.rstrip("/")
    if interactive and cls.asks_for_server:
        default = cls.default_base_url
        answer = input(f"Your {cls.title or cls.platform} server [{default}]: ").strip()
        chosen = answer or default
        return (chosen if "://" in chosen else f"https://{chosen}").rstrip("/")
    if not cls.default_base_url:
        raise UsageError(f"{cls.platform} needs --base-url (your server's address)")
    return cls.default_base_url.rstrip("/")


def _explain(cls: type[Connector], base_url: str) -> None:
    print(f"Connecting a {cls.title or cls.platform} account at {base_url}.")
    if cls.credential_url:
        print(f"Create the credential here: {cls.credential_url.format(base_url=base_url)}")
    if cls.credential_help:
        print(cls.credential_help)


#: Credential parts that say who the user is, which --handle can stand for.
_IDENTITY_KEYS = ("identifier", "username")


def _identity_key(cls: type[Connector]) -> str | None:
    return next((key for key in cls.credential_keys if key in _IDENTITY_KEYS), None)


def _login(handle: str) -> str:
    """A handle as a login: without the leading @ (Bluesky) or u/ (Reddit)."""
    text = handle.strip()
    for prefix in ("@", "/u/", "u/"):
        text = text.removeprefix(prefix)
    return text


def _same_handle(given: str, verified: str) -> bool:
    mine, theirs = _login(given).lower(), _login(verified).lower()
    return mine == theirs or mine == theirs.partition("@")[0]


def _with_handle(cls: type[Connector], parts: dict[str, str], login: str) -> dict[str, str]:
    """Let --handle stand for the identity part of the credentials (Bluesky's identifier,
    Reddit's username), so that standard input can carry a bare secret: the app password,
    when that is the only other part."""
    key = _identity_key(cls)
    if key is None or not login or key in parts:
        return parts
    parts = dict(parts)
    if set(parts) == {"token"} and "token" not in cls.credential_keys:
        rest = [k for k in cls.credential_keys if k != key]
        if len(rest) == 1:
            parts = {rest[0]: parts["token"]}
    parts[key] = login
    return parts


def _missing_message(
    cls: type[Connector], missing: list[str], identity_key: str | None, login: str
) -> str:
    keys = cls.credential_keys
    lines = " ".join(f"{key}=..." for key in keys if key != identity_key or not login)
    message = (
        f"{cls.platform} needs {', '.join(keys)}; missing: {', '.join(missing)}. Pipe them in "
        f"as key=value lines ({lines})"
    )
    if identity_key and not login:
        others = [key for key in keys if key != identity_key]
        alone = f"the {others[0]} alone" if len(others) == 1 else "the other parts"
        message += f", or give --handle for the {identity_key} and pipe {alone}"
    return message


def _prompt(cls: type[Connector], known: dict[str, str] | None = None) -> dict[str, str]:
    parts = dict(known or {})
    for key in cls.credential_keys:
        if key in parts:
            continue
        secret_like = key in ("token", "password", "client_secret")
        label = key.replace("_", " ")
        value = getpass.getpass(f"{label} (hidden): ") if secret_like else input(f"{label}: ")
        if not value.strip():
            raise UsageError(f"no {label} given; nothing was saved")
        parts[key] = value.strip()
    return parts


def _first_validation_message(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"--{field.replace('_', '-')}: {message}"
    return str(exc)


async def _verify(account: Account, credentials: Credentials, suffix: str = "") -> Identity:
    cls = connector_class(account.platform)
    async with make_client() as client:
        connector = cls(account, credentials, client)
        try:
            return await connector.verify()
        except AuthError as exc:
            raise RapportError(f"{account.name}: {_sentence(exc)}{suffix}") from None
        except NetworkError as exc:
            raise Unreachable(
                f"{account.name}: cannot reach {account.base_url} ({exc}). Check the base URL "
                f"and your connection.{suffix}"
            ) from None
        except ConnectorError as exc:
            raise RapportError(f"{account.name}: {_sentence(exc)}{suffix}") from None


def _sentence(exc: Exception) -> str:
    """The error's message ending with one full stop."""
    return str(exc).rstrip().rstrip(".") + "."


# ---- list, remove, test --------------------------------------------------------------------------


def cmd_list(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    accounts = workspace.config.accounts
    if args.json:
        print_json(
            [
                {
                    "name": a.name,
                    "platform": a.platform,
                    "base_url": a.base_url,
                    "handle": a.handle,
                    "enabled": a.enabled,
                }
                for a in accounts
            ]
        )
        return 0
    if not accounts:
        print("no accounts yet: add one with `rapport accounts add PLATFORM --name NAME`")
        return 0
    print_table(
        ["name", "platform", "handle", "base url", "enabled"],
        [
            (a.name, a.platform, a.handle, a.base_url, "yes" if a.enabled else "no")
            for a in accounts
        ],
    )
    return 0


def cmd_remove(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    if not remove_account(workspace.paths, args.name):
        raise UsageError(f"no account named {args.name!r} (see `rapport accounts list`)")
    workspace.secrets.delete(args.name)
    purged = 0
    if args.purge and workspace.paths.database.exists():
        purged = asyncio.run(_purge(workspace, args.name))
    suffix = f" and {purged} stored items" if args.purge else "; its stored items are kept"
    print(f"removed {args.name} and its secret{suffix}")
    return 0


async def _purge(workspace: Workspace, name: str) -> int:
    store = await workspace.open_store()
    try:
        return await store.delete_account(name)
    finally:
        await store.close()


def cmd_test(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    accounts = workspace.accounts(args.names or None)
    unknown = set(args.names) - {a.name for a in accounts}
    if unknown:
        raise UsageError(f"no account named {', '.join(sorted(unknown))} (see `accounts list`)")
    if not accounts:
        print("no accounts to test: add one with `rapport accounts add`")
        return 0
    failed = 0
    for account in accounts:
        credentials = workspace.secrets.load(account.name)
        if credentials is None:
            print(f"{account.name}: FAILED: no secret stored; add the account again")
            failed += 1
            continue
        try:
            identity = asyncio.run(_verify(account, credentials))
        except RapportError as exc:
            print(f"{account.name}: FAILED: {str(exc).removeprefix(account.name + ': ')}")
            failed += 1
            continue
        print(f"{account.name}: ok ({identity.handle} on {account.platform})")
    return 1 if failed else 0
