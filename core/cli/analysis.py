"""`rapport check` (the tone verdict for a text) and `rapport reply` (queue a reply, gated)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from core.cli.main import OpenApp
from core.cli.output import print_json
from core.errors import RapportError, UsageError
from core.store.tone_sql import StoredCorrection
from core.workspace import Workspace

ROLES = ("incoming", "draft")


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="tone and conflict verdict for a text",
        description="Print the tone verdict (JSON) for TEXT, or for JSON lines "
        '{"text": ..., "role": ..., "context": [...]} on standard input with --jsonl.',
    )
    check.add_argument("text", nargs="?", help="the text to check")
    check.add_argument("--role", choices=ROLES, default="draft")
    check.add_argument("--jsonl", action="store_true", help="read JSON lines on standard input")
    check.set_defaults(handler=cmd_check)

    reply = commands.add_parser(
        "reply",
        help="queue a reply to an item (refused with reasons when it reads as a conflict)",
        description="Queue a reply; `rapport sync --send` or the app sends it.",
    )
    reply.add_argument("item_id", type=int, metavar="ITEM_ID")
    reply.add_argument("--text", required=True, help="the reply")
    reply.add_argument("--force", action="store_true", help="queue it even when flagged")
    reply.set_defaults(handler=cmd_reply)

    correct = commands.add_parser(
        "correct",
        help="tell the tone check it was wrong about an item or a draft",
        description="Store a correction: later verdicts on similar text follow it, and their "
        "reasons say so. Correct a message you received by its ITEM_ID, or any text (a draft "
        "that `rapport reply` refused, say) with --text and --role.",
    )
    correct.add_argument("item_id", type=int, nargs="?", metavar="ITEM_ID")
    correct.add_argument("--text", help="the text to correct, instead of an item")
    correct.add_argument(
        "--role",
        choices=ROLES,
        help="whose text it is (default: incoming for an item, draft for --text)",
    )
    verdict = correct.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--not-conflict", action="store_true", help="it was flagged wrongly")
    verdict.add_argument("--conflict", action="store_true", help="it should have been flagged")
    correct.set_defaults(handler=cmd_correct)


def _analyzer(workspace: Workspace) -> Any:
    """The analyser with the user's settings and the corrections stored in their workspace."""
    from core.sync.setup import tone_analyzer

    corrections = []
    if workspace.paths.database.exists():
        corrections = asyncio.run(_corrections(workspace))
    return tone_analyzer(workspace, corrections)


async def _corrections(workspace: Workspace) -> list[StoredCorrection]:
    store = await workspace.open_store()
    try:
        return await store.corrections()
    finally:
        await store.close()


def cmd_check(args: argparse.Namespace, open_app: OpenApp) -> int:
    from core.analysis import ToneContext

    workspace = Workspace.load()
    analyzer = _analyzer(workspace)
    if not args.jsonl:
        if args.text is None:
            raise UsageError("give TEXT to check, or --jsonl with JSON lines on standard input")
        print_json(analyzer.check(args.text, role=args.role).to_json())
        return 0
    if args.text is not None:
        raise UsageError("give either TEXT or --jsonl, not both")
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        text, role, context = _parse_line(line, number, args.role)
        verdict = analyzer.check(text, role=role, context=ToneContext(thread=context))
        print_json(verdict.to_json())
    return 0


def _parse_line(line: str, number: int, default_role: str) -> tuple[str, str, list[str]]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UsageError(f"standard input line {number}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise UsageError(f'standard input line {number}: expected {{"text": "..."}}')
    role = data.get("role", default_role)
    if role not in ROLES:
        raise UsageError(f"standard input line {number}: role must be incoming or draft")
    context = data.get("context", [])
    if not isinstance(context, list) or not all(isinstance(c, str) for c in context):
        raise UsageError(f"standard input line {number}: context must be a list of strings")
    return data["text"], role, context


def cmd_reply(args: argparse.Namespace, open_app: OpenApp) -> int:
    if not args.text.strip():
        raise UsageError("--text is empty: write the reply")
    workspace = Workspace.load()
    return asyncio.run(_queue_reply(workspace, args.item_id, args.text, args.force))


async def _queue_reply(workspace: Workspace, item_id: int, text: str, force: bool) -> int:
    from core.outbox import queue_reply
    from core.sync.setup import load_analyzer

    store = await workspace.open_store()
    try:
        analyzer = await load_analyzer(workspace, store)
        outcome = await queue_reply(store, analyzer, item_id, text, force=force)
    finally:
        await store.close()
    if outcome.refused:
        print("rapport: not queued: this reply reads as a likely conflict:", file=sys.stderr)
        for reason in outcome.verdict.reasons:
            print(f"  - {reason.label}", file=sys.stderr)
        print(
            "Rewrite it, send it anyway with --force, or, if it is not a conflict, teach the "
            "check: rapport correct --text TEXT --role draft --not-conflict",
            file=sys.stderr,
        )
        return 1
    if outcome.reply is None:
        raise RapportError("the reply could not be queued")
    print(f"queued reply {outcome.reply.id} to item {item_id}; `rapport sync` sends it")
    return 0


def cmd_correct(args: argparse.Namespace, open_app: OpenApp) -> int:
    verdict = bool(args.conflict)
    if (args.item_id is None) == (args.text is None):
        raise UsageError("give either ITEM_ID or --text TEXT to correct")
    if args.text is not None and not args.text.strip():
        raise UsageError("--text is empty: give the text to correct")
    if args.item_id is not None and args.role == "draft":
        raise UsageError("an item is a message you received: correct a draft with --text TEXT")
    workspace = Workspace.load()
    if args.item_id is not None:
        return asyncio.run(_correct_item(workspace, args.item_id, verdict=verdict))
    role = args.role or "draft"
    asyncio.run(_save(workspace, StoredCorrection(text=args.text, role=role, verdict=verdict)))
    said = "a conflict" if verdict else "not a conflict"
    whose = "draft" if role == "draft" else "message"
    print(f"noted: this {whose} is {said}; similar {whose}s will be judged the same way")
    verdict_now = _analyzer(workspace).check(args.text, role=role)
    print(
        f"it now reads: {'conflict' if verdict_now.conflict else 'no conflict'} "
        f"(risk {verdict_now.risk:.2f})"
    )
    return 0


async def _save(workspace: Workspace, correction: StoredCorrection) -> None:
    store = await workspace.open_store()
    try:
        await store.save_correction(correction)
    finally:
        await store.close()


async def _correct_item(workspace: Workspace, item_id: int, *, verdict: bool) -> int:
    """As the app's `c` does: the correction is stored (replacing the item's earlier one) and
    the item's stored verdict is checked again with it learned."""
    from core.sync.setup import load_analyzer
    from core.tone_correction import ItemNotFound, correct_item

    store = await workspace.open_store()
    try:
        try:
            corrected = await correct_item(
                store, item_id, lambda: load_analyzer(workspace, store), conflict=verdict
            )
        except ItemNotFound:
            raise UsageError(
                f"no item with id {item_id} (ids are shown by `rapport export`)"
            ) from None
    finally:
        await store.close()
    print(corrected.summary())
    return 0
