"""`rapport` (open the app) and `rapport demo`."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from typing import Any

from core.cli.main import OpenApp
from core.cli.sync_display import PlainDisplay
from core.errors import UsageError
from core.workspace import Workspace


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="open the app on a generated demo workspace (no accounts or network needed)",
        description="Start local stand-ins for Mastodon, Bluesky, Reddit and GitHub, sync a "
        "generated history from them through the real connectors, and open the app.",
    )
    demo.add_argument(
        "--home",
        metavar="DIR",
        help="keep the demo workspace in DIR (reopen it later with RAPPORT_HOME=DIR rapport)",
    )
    demo.add_argument(
        "--items", type=int, default=None, metavar="N", help="about how many messages (600)"
    )
    demo.add_argument("--no-open", action="store_true", help="build the workspace and exit")
    demo.set_defaults(handler=run_demo)


def open_configured(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    if workspace.config.demo is None:
        return open_app(workspace)
    from core.demo.runtime import demo_fleet

    with demo_fleet(workspace):
        return open_app(workspace)


def run_demo(args: argparse.Namespace, open_app: OpenApp) -> int:
    from core.demo.runtime import adopt, demo_fleet, new_demo_config, sync_demo

    if args.items is not None and not 10 <= args.items <= 5_000_000:
        raise UsageError("--items must be between 10 and 5000000")
    home = args.home or tempfile.mkdtemp(prefix="rapport-demo-")
    workspace = Workspace.load(home)
    if workspace.config.demo is None:
        adopt(workspace, new_demo_config(args.items))
    elif args.items is not None and args.items != workspace.config.demo.items:
        raise UsageError(f"{home} holds a demo of {workspace.config.demo.items} items already")
    print(f"Building the demo workspace in {home} …", file=sys.stderr)
    with demo_fleet(workspace) as story:
        display = PlainDisplay(sys.stderr)
        summary = asyncio.run(sync_demo(workspace, display.update))
        display.finish(summary)
        if not summary.ok:
            return 1
        if args.no_open:
            print(
                f"demo workspace ready in {home}: {sum(story.incoming.values())} messages "
                f"from {story.people} people. Open it with: RAPPORT_HOME={home} rapport"
            )
            return 0
        return open_app(workspace)
