"""`rapport contacts` and `rapport stats` (the consistency ledger)."""

from __future__ import annotations

import argparse
from typing import Any

from core.cli.main import OpenApp
from core.errors import RapportError


def register(commands: Any) -> None:
    contacts = commands.add_parser("contacts", help="how consistently you answer each contact")
    contacts.add_argument("--json", action="store_true", help="print JSON")
    contacts.set_defaults(handler=_not_yet)
    stats = commands.add_parser("stats", help="engagement statistics")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--since", metavar="DATE")
    stats.set_defaults(handler=_not_yet)


def _not_yet(args: argparse.Namespace, open_app: OpenApp) -> int:
    raise RapportError(f"`rapport {args.command}` is not built yet in this version")
