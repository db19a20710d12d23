"""`rapport` (open the app) and `rapport demo`."""

from __future__ import annotations

import argparse
import tempfile
from typing import Any

from core.cli.main import OpenApp
from core.workspace import Workspace


def register(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="open the app on a generated demo workspace (no accounts or network needed)",
        description="Build a demo workspace and open the app on it.",
    )
    demo.add_argument("--home", metavar="DIR", help="keep the demo workspace in DIR")
    demo.add_argument(
        "--items", type=int, default=0, metavar="N", help="how many items to generate"
    )
    demo.add_argument("--no-open", action="store_true", help="build the workspace and exit")
    demo.set_defaults(handler=run_demo)


def open_configured(args: argparse.Namespace, open_app: OpenApp) -> int:
    workspace = Workspace.load()
    return open_app(workspace)


def run_demo(args: argparse.Namespace, open_app: OpenApp) -> int:
    home = args.home or tempfile.mkdtemp(prefix="rapport-demo-")
    workspace = Workspace.load(home)
    workspace.paths.ensure()
    if args.no_open:
        print(f"demo workspace ready in {home}")
        return 0
    return open_app(workspace)
