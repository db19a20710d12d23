"""`rapport rules test`: which stored items each configured rule would catch (changes nothing)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from core.cli.main import OpenApp
from core.cli.output import print_json, print_table
from core.errors import UsageError
from core.query import QueryContext
from core.rules import compile_rules
from core.timeutil import parse_date, utcnow
from core.workspace import Workspace


def register(commands: Any) -> None:
    rules = commands.add_parser("rules", help="check the ingest rules in the config")
    verbs = rules.add_subparsers(dest="verb", metavar="VERB", required=True)
    test = verbs.add_parser(
        "test",
        help="show which stored items each rule would match (nothing is changed)",
    )
    test.add_argument("--since", default="30d", metavar="DATE", help="look back to (default 30d)")
    test.add_argument("--examples", type=int, default=3, metavar="N", help="items shown per rule")
    test.add_argument("--json", action="store_true", help="print JSON")
    test.set_defaults(handler=cmd_test)


def cmd_test(args: argparse.Namespace, open_app: OpenApp) -> int:
    try:
        since = parse_date(args.since)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    workspace = Workspace.load()
    if not workspace.config.rules:
        print("no [[rules]] in the config file: see the README for examples")
        return 0
    results = asyncio.run(_test(workspace, since, args.examples))
    if args.json:
        print_json(results)
        return 0
    for result in results:
        print(f"{result['rule']}: {result['matches']} of {result['checked']} items")
        if result["unknown_person"]:
            print(
                f"  no person is named {result['unknown_person']!r}: link their contacts with "
                "`rapport contacts link` (see `rapport contacts suggest`)"
            )
        if result["examples"]:
            print_table(["id", "author", "text"], result["examples"])
    return 0


async def _test(workspace: Workspace, since: Any, examples: int) -> list[dict[str, Any]]:
    ruleset = compile_rules(workspace.config.rules)
    context = QueryContext(
        now=utcnow(), target_response=workspace.config.general.target_response_delta
    )
    counts = {rule.config.name: 0 for rule in ruleset.rules}
    shown: dict[str, list[tuple[Any, ...]]] = {name: [] for name in counts}
    checked = 0
    store = await workspace.open_store()
    try:
        unknown = set(await ruleset.load_persons(store))
        async for item in store.iter_items(since):
            checked += 1
            for rule in ruleset.rules:
                if rule.matches(item, context):
                    name = rule.config.name
                    counts[name] += 1
                    if len(shown[name]) < examples:
                        shown[name].append((item.id, item.author.handle, item.text[:60]))
    finally:
        await store.close()
    return [
        {
            "rule": rule.config.name,
            "matches": counts[rule.config.name],
            "checked": checked,
            "examples": shown[rule.config.name],
            "unknown_person": rule.config.person if rule.config.person in unknown else None,
        }
        for rule in ruleset.rules
    ]
