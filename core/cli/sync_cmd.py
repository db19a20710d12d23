"""`rapport sync`: headless, for cron and systemd timers, safe while the app is open.

Exit 0 when every account synced, 1 when some account failed (the others still synced), 2 for
usage or config errors (unreadable secrets included, reported once before any account is
touched), 3 when another sync holds the lock longer than --lock-wait (beyond PRODUCT.md's 0/1/2,
so scripts can tell "try later" from "broken"; documented in --help and the README).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

from core.cli.main import OpenApp
from core.cli.output import print_json
from core.cli.sync_display import FailuresDisplay, LiveDisplay, PlainDisplay, QuietDisplay
from core.errors import SecretsError, UsageError
from core.sync.lock import SyncLock, SyncLocked
from core.sync.notify import new_attention, run_notify
from core.sync.progress import SyncSummary
from core.sync.setup import build_sync, configure_logging
from core.timeutil import utcnow
from core.workspace import Workspace

log = logging.getLogger("rapport.sync")

EPILOG = """\
exit status:
  0  every account synced
  1  some account failed (the others still synced); the summary says why
  2  usage or configuration error (a bad option, config file or secrets file)
  3  another sync held the lock longer than --lock-wait seconds

With several accounts the sync runs them in worker processes, one per core
([general] sync_workers = 1 keeps everything in this process).

--watch runs [general] notify_command after a round that stored new items that
are flagged as likely conflicts or waiting for your reply (addressed to you,
still open, not answered yet), with RAPPORT_NEW_ITEMS, RAPPORT_NEW_FLAGGED and
RAPPORT_NEW_OWED in its environment. The log is logs/rapport.log under the data
folder.
"""


def register(commands: Any) -> None:
    sync = commands.add_parser(
        "sync",
        help="fetch everything new, analyse it, send queued replies",
        description="Headless sync: fetch everything new on every account, run the tone\n"
        "check and your rules, send queued replies and print a summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        "--watch",
        type=float,
        metavar="SECONDS",
        help="sync again every SECONDS until Ctrl-C (which finishes the page being stored)",
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
    try:
        # A configuration problem: said once, before any account is touched (exit 2).
        workspace.secrets.check()
    except SecretsError as exc:
        log.error("%s", exc)
        raise
    if workspace.config.demo is not None:
        from core.demo.runtime import demo_fleet

        with demo_fleet(workspace):
            return asyncio.run(_sync(workspace, workspace.accounts(names), args))
    return asyncio.run(_sync(workspace, accounts, args))


async def _sync(workspace: Workspace, accounts: list[Any], args: argparse.Namespace) -> int:
    display = _display(args)
    lock = SyncLock(workspace.paths.lock_file)
    await lock.acquire(args.lock_wait)
    try:
        store = await workspace.open_store()
    except BaseException:
        lock.release()
        raise
    engine = await build_sync(workspace, store, accounts, on_progress=display.update)
    _stop_on_signals(engine)
    exit_code = 0
    try:
        while True:
            await _wake_snoozed(store)
            summary = await engine.run(accounts, send=args.send)
            display.finish(summary)
            if args.json:
                print_json(summary.to_json())
                sys.stdout.flush()
            exit_code = summary.exit_code
            if args.watch is None:
                break
            await _notify(workspace, store, summary)
            if engine.stopping:
                break
            # Between rounds the lock is free, so the app's own sync (and its sending of
            # queued replies) is never shut out by a long-running --watch.
            lock.release()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(engine.wait_stopped(), timeout=args.watch)
            if engine.stopping:
                break
            if not await _relock(lock, args.lock_wait, engine):
                break
    finally:
        await engine.aclose()
        await store.close()
        lock.release()
    return exit_code


async def _wake_snoozed(store: Any) -> None:
    """Snoozed items whose time has come are new again, as the app's own sync does each
    round: a cron-only user sees them come back too (and `is:new`, rules, exports agree)."""
    woken = await store.wake_snoozed(utcnow())
    if woken:
        log.info("%d snoozed item%s back in the inbox", woken, "" if woken == 1 else "s")


async def _relock(lock: SyncLock, wait: float, engine: Any) -> bool:
    """Take the lock again for the next --watch round, waiting for another sync to finish."""
    while not engine.stopping:
        try:
            await lock.acquire(wait)
            return True
        except SyncLocked as exc:
            print(f"rapport: {exc} Waiting for the next round.", file=sys.stderr)
    return False


def _display(args: argparse.Namespace) -> Any:
    if args.json:
        return QuietDisplay()
    if args.quiet:
        return FailuresDisplay(sys.stderr)
    if sys.stderr.isatty() and not args.verbose:
        # (With -v the log lines go to stderr too: a display rewritten in place would mix
        # with them, so plain lines are used instead.)
        return LiveDisplay(sys.stderr)
    return PlainDisplay(sys.stderr)


def _stop_on_signals(engine: Any) -> None:
    """First Ctrl-C (or SIGTERM): finish the page being stored and stop. Second: abort."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if engine.stopping:
            raise KeyboardInterrupt
        print("\nstopping after the current page (Ctrl-C again to abort)", file=sys.stderr)
        log.info("interrupted: stopping after the current page")
        engine.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)


async def _notify(workspace: Workspace, store: Any, summary: SyncSummary) -> None:
    """Run the configured notify command when this round stored new flagged or owed items
    (see core.sync.notify for exactly which)."""
    command = workspace.config.general.notify_command
    new_ids = [i for a in summary.accounts for i in a.new_item_ids]
    if not command or not new_ids:
        return
    attention = await new_attention(store, new_ids, utcnow())
    if not attention.worth_telling:
        return
    problem = await run_notify(command, attention)
    if problem is not None:
        log.warning("%s", problem)
        print(f"rapport: {problem}", file=sys.stderr)
