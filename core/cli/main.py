"""The `rapport` command line: parse, dispatch, and turn every known error into one line.

The contract is in PRODUCT.md: exit 0 when all is well, 1 when some work failed (e.g. an account
could not sync), 2 for usage, config or input errors. Nothing here prints a traceback for a
user's mistake; unexpected errors are logged and summarised.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import core
from core.errors import RapportError, UsageError

OpenApp = Callable[[object], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line naming the command's --help, and exit 2.
    No abbreviations: `--token SECRET` must not quietly become `--token-stdin`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            # Never echo values back: one of them may be a secret typed in the wrong place.
            words = message.split()[2:]
            options = [word for word in words if word.startswith("-")]
            hidden = len(words) - len(options)
            message = "unrecognized arguments" + (f": {' '.join(options)}" if options else "")
            if hidden:
                message += (
                    f" and {hidden} value(s) not shown (a secret goes on standard input, never "
                    "on the command line)"
                )
        raise UsageError(f"{message} (see `{self.prog} --help`)")


class _Version(argparse.Action):
    """--version, reading the package metadata only when asked."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> None:
        print(f"rapport {core.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="rapport",
        description="One terminal inbox for your mentions, replies and comments, with a tone "
        "check before you reply. With no command, opens the app.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    from core.cli import (
        accounts,
        analysis,
        export,
        ledger_cmds,
        rules_cmd,
        sync_cmd,
        workspace_cmds,
    )

    workspace_cmds.register(commands)
    accounts.register(commands)
    sync_cmd.register(commands)
    analysis.register(commands)
    export.register(commands)
    ledger_cmds.register(commands)
    rules_cmd.register(commands)
    return parser


def _open(args: argparse.Namespace, open_app: OpenApp) -> int:
    from core.cli.workspace_cmds import open_configured

    return open_configured(args, open_app)


def run(argv: Sequence[str], open_app: OpenApp) -> int:
    try:
        if not argv:
            # Plain `rapport` opens the app: skip building every command's parser (and importing
            # what they need) before the first rows are on screen.
            return _open(argparse.Namespace(command=None), open_app)
        parser = build_parser()
        args = parser.parse_args(list(argv))
        handler = getattr(args, "handler", None)
        if handler is None:
            return _open(args, open_app)
        return int(handler(args, open_app) or 0)
    except RapportError as exc:
        print(f"rapport: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rapport: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
