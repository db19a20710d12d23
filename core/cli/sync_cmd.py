"""`rapport sync`: headless, for cron and systemd timers, safe while the app is open.

Exit 0 when every account synced, 1 when some account failed (the others still synced), 2 for
usage or config errors, 3 when another sync holds the lock longer than --lock-wait.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import signal
import sys
from typing import Any

from core.cli.main import OpenApp
from core.cli.output import print_json
from core.cli.sync_display import LiveDisplay, PlainDisplay, QuietDisplay
from core.errors import UsageError
from core.sync.lock import SyncLock
from core.sync.progress import SyncSummary
from core.sync.setup import build_engine, configure_logging, load_analyzer
from core.workspace import Workspace


def register(commands: Any) -> None:
    sync = commands.add_parser(
        "sync",
        help="fetch everything new, analyse it, send queued replies",
        description="Headless sync. Exit 0: all accounts fine; 1: some account failed "
        "(others still synced); 2: usage or config error; 3: another sync is running.",
    )
    sync.add_argument(
        "--account", action="append", metavar="NAME", help="only this account (repeatable)"
    )
    sync.add_argument(
        "--send",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send queued replies and push read-state (default: --send)",
    )
    sync.add_argument("--json", action="store_true", help="print one JSON summary on stdout")
    sync.add_argument(
        "--watch", type=float, metavar="SECONDS", help="sync again every SECONDS until Ctrl-C"
    )
    sync.add_argument("--quiet", action="store_true", help="print nothing unless it fails")
    sync.add_argument("-v", "--verbose", action="store_true", help="log to stderr too")
    sync.add_argument(
        "--lock-wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for another running sync (default 30)",
    )
    sync.set_defaults(handler=cmd_sync)


def cmd_sync(args: argparse.Namespace, open_app: OpenApp) -> int:
    if args.watch is not None and args.watch <= 0:
        raise UsageError("--watch needs a number of seconds above 0")
    workspace = Workspace.load()
    names = args.account or None
    accounts = workspace.accounts(names)
    if names:
        unknown = sorted(set(names) - {a.name for a in accounts})
        if unknown:
            raise UsageError(
                f"no enabled account named {', '.join(unknown)} (see `rapport accounts list`)"
            )
    if not accounts:
        raise UsageError("no accounts to sync: add one with `rapport accounts add`")
    configure_logging(workspace, args.verbose)
    if workspace.config.demo is not None:
        from core.demo.runtime import demo_fleet

        with demo_fleet(workspace):
            return asyncio.run(_sync(workspace, workspace.accounts(names), args))
    return asyncio.run(_sync(workspace, accounts, args))


async def _sync(workspace: Workspace, accounts: list[Any], args: argparse.Namespace) -> int:
    display = _display(args)
    lock = SyncLock(workspace.paths.lock_file)
    await lock.acquire(args.lock_wait)
    store = await workspace.open_store()
    analyzer = await load_analyzer(workspace, store)
    engine = build_engine(workspace, store, on_progress=display.update, analyzer=analyzer)
    _stop_on_signals(engine)
    exit_code = 0
    try:
        while True:
            summary = await engine.run(accounts, send=args.send)
            display.finish(summary)
            if args.json:
                print_json(summary.to_json())
            exit_code = summary.exit_code
            await _notify(workspace, store, summary)
            if args.watch is None or engine.stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(engine.wait_stopped(), timeout=args.watch)
            if engine.stopping:
                break
    finally:
        await engine.aclose()
        await store.close()
        lock.release()
    return exit_code


def _display(args: argparse.Namespace) -> Any:
    if args.quiet or args.json:
        return QuietDisplay()
    if sys.stderr.isatty():
        return LiveDisplay(sys.stderr)
    return PlainDisplay(sys.stderr)


def _stop_on_signals(engine: Any) -> None:
    """First Ctrl-C (or SIGTERM): finish the page being stored and stop. Second: abort."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if engine.stopping:
            raise KeyboardInterrupt
        print("\nstopping after the current page (Ctrl-C again to abort)", file=sys.stderr)
        engine.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)


async def _notify(workspace: Workspace, store: Any, summary: SyncSummary) -> None:
    """Run the configured notify command when new items are flagged or are questions."""
    command = workspace.config.general.notify_command
    if not command:
        return
    new_ids = [i for a in summary.accounts for i in a.new_item_ids]
    if not new_ids:
        return
    flagged = questions = 0
    for item_id in new_ids:
        item = await store.item(item_id)
        if item is None:
            continue
        flagged += int(item.tone.conflict)
        questions += int(item.is_question)
    if not (flagged or questions):
        return
    env = dict(
        os.environ,
        RAPPORT_NEW_ITEMS=str(len(new_ids)),
        RAPPORT_NEW_FLAGGED=str(flagged),
        RAPPORT_NEW_QUESTIONS=str(questions),
    )
    try:
        process = await asyncio.create_subprocess_exec(*shlex.split(command), env=env)
        await asyncio.wait_for(process.wait(), timeout=30)
    except (OSError, TimeoutError, ValueError) as exc:
        print(f"rapport: notify_command failed: {exc}", file=sys.stderr)
