"""`rapport` (open the app) and `rapport demo`."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.cli.main import OpenApp
from core.cli.sync_display import PlainDisplay
from core.errors import UsageError
from core.ledger.wording import count
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


#: `rapport demo` without --home makes its workspace in the temporary folder under this prefix
#: and keeps it (the user may want it back); the next `rapport demo` removes those older than
#: TEMP_DEMO_MAX_AGE.
TEMP_DEMO_PREFIX = "rapport-demo-"
TEMP_DEMO_MAX_AGE = 7 * 86_400.0


def run_demo(args: argparse.Namespace, open_app: OpenApp) -> int:
    from core.demo.runtime import adopt, demo_fleet, new_demo_config, sync_demo

    if args.items is not None and not 10 <= args.items <= 5_000_000:
        raise UsageError("--items must be between 10 and 5000000")
    if args.home:
        home = args.home
    else:
        removed = remove_old_demos(Path(tempfile.gettempdir()))
        if removed:
            print(
                f"Removed {count(len(removed), 'demo workspace')} older than a week from "
                f"{tempfile.gettempdir()}.",
                file=sys.stderr,
            )
        home = tempfile.mkdtemp(prefix=TEMP_DEMO_PREFIX)
    workspace = Workspace.load(home)
    if workspace.config.demo is None:
        adopt(workspace, new_demo_config(args.items))
    elif args.items is not None and args.items != workspace.config.demo.items:
        raise UsageError(f"{home} holds a demo of {workspace.config.demo.items} items already")
    print(f"Building the demo workspace in {home} …", file=sys.stderr)
    with demo_fleet(workspace):
        display = PlainDisplay(sys.stderr)
        summary = asyncio.run(sync_demo(workspace, display.update))
        display.finish(summary)
        if not summary.ok:
            return 1
        stored = asyncio.run(demo_contents(workspace))
        if args.no_open:
            print(f"demo workspace ready in {home}: {stored}. {reopen_hint(home)}")
            return 0
        print(f"demo workspace ready: {stored}.", file=sys.stderr)
        try:
            return open_app(workspace)
        finally:
            # The app has left the terminal: say where the workspace is, and how to get back.
            kept = f"Demo workspace kept in {home}"
            if not args.home:
                kept += " (a later `rapport demo` removes it once unused for a week)"
            print(f"{kept}. {reopen_hint(home)}", file=sys.stderr)


def reopen_hint(home: str | Path) -> str:
    return f"Reopen it with: RAPPORT_HOME={home} rapport"


async def demo_contents(workspace: Workspace) -> str:
    """What the demo's sync stored, counted in the store (so the numbers agree with the app,
    `rapport contacts` and `rapport stats`), e.g. "612 messages from 264 contacts (mastodon
    242, bluesky 147, ...)"."""
    store = await workspace.open_store()
    try:
        per_platform = []
        for platform in ("mastodon", "bluesky", "reddit", "github"):
            where = "account_id IN (SELECT id FROM accounts WHERE platform = ?)"
            per_platform.append((platform, await store.count_items(where, (platform,))))
        total = await store.count_items()
        # The contacts `rapport contacts` lists: everyone something was received from.
        await store.ledger_prepare()
        contacts = len(await store.ledger_rows())
    finally:
        await store.close()
    platforms = ", ".join(f"{name} {number}" for name, number in per_platform if number)
    return (
        f"{count(total, 'message')} from {count(contacts, 'contact')} "
        f"({platforms}) stored through the real sync"
    )


def remove_old_demos(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the demo workspaces `rapport demo` left in `folder` that nobody has used for
    TEMP_DEMO_MAX_AGE. Only folders of ours: the right prefix, owned by this user, and holding
    a demo config; anything else (or anything that cannot be read) is left alone."""
    now = time.time() if now is None else now
    removed = []
    for candidate in sorted(folder.glob(f"{TEMP_DEMO_PREFIX}*")):
        try:
            if candidate.is_symlink() or not candidate.is_dir():
                continue
            if hasattr(os, "getuid") and candidate.stat().st_uid != os.getuid():
                continue
            if not _is_demo_workspace(candidate):
                continue
            if now - _last_used(candidate) < TEMP_DEMO_MAX_AGE:
                continue
            shutil.rmtree(candidate)
        except OSError:
            continue
        removed.append(candidate)
    return removed


def _is_demo_workspace(home: Path) -> bool:
    from core.config import load_config
    from core.errors import RapportError
    from core.paths import resolve_paths

    paths = resolve_paths(home)
    if not paths.config_file.is_file():
        return False
    try:
        return load_config(paths).demo is not None
    except RapportError:
        return False


def _last_used(home: Path) -> float:
    """The newest modification under the workspace (a reopened demo writes its database)."""
    latest = home.stat().st_mtime
    for path in home.rglob("*"):
        try:
            latest = max(latest, path.lstat().st_mtime)
        except OSError:
            continue
    return latest
