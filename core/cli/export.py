"""`rapport export`: every stored item as JSON lines or CSV (never a secret: none is stored)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
from typing import Any

from core.cli.main import OpenApp
from core.errors import UsageError
from core.models import Item
from core.timeutil import parse_date, to_iso
from core.workspace import Workspace

FIELDS = [
    "id",
    "account",
    "platform",
    "remote_id",
    "kind",
    "author_handle",
    "author_name",
    "author_url",
    "text",
    "url",
    "created_at",
    "thread_root_id",
    "parent_id",
    "state",
    "snoozed_until",
    "tags",
    "polarity",
    "risk",
    "conflict",
    "reasons",
]


def register(commands: Any) -> None:
    export = commands.add_parser(
        "export", help="export stored items", description="Write stored items to standard output."
    )
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--since", metavar="DATE", help="only items from DATE (or e.g. 7d) on")
    export.set_defaults(handler=cmd_export)


def item_record(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "account": item.account,
        "platform": item.platform,
        "remote_id": item.remote_id,
        "kind": item.kind.value,
        "author_handle": item.author.handle,
        "author_name": item.author.display_name,
        "author_url": item.author.profile_url,
        "text": item.text,
        "url": item.url,
        "created_at": to_iso(item.created_at),
        "thread_root_id": item.thread_root_id,
        "parent_id": item.parent_id,
        "state": item.state.value,
        "snoozed_until": to_iso(item.snoozed_until) if item.snoozed_until else None,
        "tags": item.tags,
        "polarity": round(item.tone.polarity, 4),
        "risk": round(item.tone.risk, 4),
        "conflict": item.tone.conflict,
        "reasons": item.tone.reasons,
    }


def _defuse(value: Any) -> Any:
    """Platform text opened in a spreadsheet must not run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def cmd_export(args: argparse.Namespace, open_app: OpenApp) -> int:
    since = None
    if args.since:
        try:
            since = parse_date(args.since)
        except ValueError as exc:
            raise UsageError(f"--since: {exc}") from None
    workspace = Workspace.load()
    return asyncio.run(_export(workspace, args.format, since))


async def _export(workspace: Workspace, fmt: str, since: Any) -> int:
    store = await workspace.open_store()
    out = sys.stdout
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
    try:
        async for item in store.iter_items(since):
            record = item_record(item)
            if writer is None:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                record["tags"] = " ".join(record["tags"])
                record["reasons"] = "; ".join(record["reasons"])
                writer.writerow({k: _defuse(v) for k, v in record.items()})
    finally:
        await store.close()
    return 0
