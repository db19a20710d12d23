"""Drive the real app in tmux on a 100,000-item store, as a person would, and read the screen.

    .venv/bin/python -m bench.tmux_drive [--home DIR] [--keep]

Builds the store (or reuses DIR if it has one), adds one hostile message on top (Rich markup,
an OSC title change, a clear-screen CSI, a bidi override), starts `rapport` in a 160x45 tmux
session, waits for the first rows, then presses keys and checks what the screen shows after
each: moving, done and undo, the end and the top of the list, a search with chips, the help
screen, the composer and its conflict gate, quitting. Prints what it saw and the timings; exits
1 if a check failed. Needs tmux.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench.bench_tui import NEWEST, account_name, build_store

SESSION = "rapport-drive"
HOSTILE = "HOSTILE [bold red]x[/] \x1b]0;pwned\x07 \x1b[2J \u202eevil"


class Drive:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.failures: list[str] = []
        self.log: list[str] = []

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout

    def start(self) -> float:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        root = Path(__file__).resolve().parents[1]
        command = f"cd {root} && RAPPORT_HOME={self.home} {sys.executable} -m tui.main"
        began = time.perf_counter()
        self.tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "45", command)
        self.tmux("set-option", "-t", SESSION, "set-titles", "on")
        return began

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", SESSION)

    def title(self) -> str:
        return self.tmux("display-message", "-p", "-t", SESSION, "#{pane_title}").strip()

    def keys(self, *keys: str, literal: bool = False) -> None:
        if literal:
            self.tmux("send-keys", "-t", SESSION, "-l", *keys)
        else:
            self.tmux("send-keys", "-t", SESSION, *keys)

    def wait(self, what: str, ok: Callable[[str], bool], timeout: float = 10.0) -> float:
        """Seconds until the screen satisfies `ok` (records a failure on timeout)."""
        began = time.perf_counter()
        while time.perf_counter() - began < timeout:
            text = self.screen()
            if ok(text):
                elapsed = time.perf_counter() - began
                self.log.append(f"ok   {what} ({elapsed * 1000:.0f} ms)")
                return elapsed
            time.sleep(0.02)
        self.failures.append(what)
        self.log.append(f"FAIL {what}\n{self.screen()}")
        return timeout

    def check(self, what: str, condition: bool) -> None:
        self.log.append(("ok   " if condition else "FAIL ") + what)
        if not condition:
            self.failures.append(what)

    def stop(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)


async def add_hostile(database: Path) -> None:
    from core.models import Contact, Item, ItemKind
    from core.store.repository import Store

    store = await Store.open(database)
    try:
        await store.ingest(
            account_name("mastodon"),
            [
                Item(
                    account=account_name("mastodon"),
                    platform="mastodon",
                    remote_id="hostile-1",
                    kind=ItemKind.MENTION,
                    author=Contact("mastodon", "hostile", "@mallory", "Mallory"),
                    text=HOSTILE,
                    created_at=NEWEST + timedelta(minutes=1),
                )
            ],
        )
    finally:
        await store.close()


async def oldest_open_author(database: Path) -> str:
    from core.store.repository import Store

    store = await Store.open(database)
    try:
        row = await store._one(
            "SELECT contacts.display_name FROM items JOIN contacts ON contacts.id = "
            "items.author_id WHERE items.state = 'new' ORDER BY items.sort_key ASC LIMIT 1"
        )
        return str(row[0])
    finally:
        await store.close()


def first_list_line(screen: str) -> str:
    lines = screen.splitlines()
    return lines[1] if len(lines) > 1 else ""


def cursor_author(screen: str) -> str:
    """The preview's first line starts with the author of the item under the cursor."""
    line = first_list_line(screen)
    return line.split("▏")[-1].strip().split("  ")[0] if "▏" in line else ""


def drive(home: Path) -> Drive:
    oldest = asyncio.run(oldest_open_author(home / "data" / "rapport.db"))
    d = Drive(home)
    began = d.start()
    d.wait("first rows on screen", lambda s: "Mallory" in s and "Person" in s, timeout=15)
    launch = time.perf_counter() - began
    d.log.append(f"     launch to first rows, through tmux polling: {launch * 1000:.0f} ms")
    screen = d.screen()
    d.check("hostile markup shown literally", "[bold red]x[/]" in screen)
    d.check("the OSC did not retitle the terminal", "pwned" not in d.title())
    d.check("the OSC text is not on screen", "pwned" not in screen)
    d.check("the clear-screen CSI did not clear the screen", "1 Inbox" in screen)

    before = cursor_author(screen)
    d.keys("j")
    d.wait("j moves the cursor (preview follows)", lambda s: cursor_author(s) != before)
    moved_to = cursor_author(d.screen())
    d.keys("e")
    d.wait("e marks it done (it leaves the inbox)", lambda s: cursor_author(s) != moved_to)
    d.keys("u")
    d.wait("u brings it back under the cursor", lambda s: cursor_author(s) == moved_to)
    d.keys("G")
    d.wait(f"G jumps to the oldest open item ({oldest})", lambda s: cursor_author(s) == oldest)
    d.keys("g")
    d.wait("g jumps back to the top", lambda s: "Mallory" in first_list_line(s))
    d.keys("/")
    d.wait("/ opens the search box", lambda s: "Enter searches" in s)
    d.keys("tag:bug is:owed", literal=True)
    d.keys("Enter")
    d.wait(
        "search shows chips and only tagged rows",
        lambda s: "tag:bug" in s and "is:owed" in s and "#bug" in s and "Esc clears" in s,
    )
    d.keys("Escape")
    d.wait("Esc clears the search", lambda s: "Esc clears" not in s and "Mallory" in s)
    d.keys("?")
    d.wait("? lists the keys", lambda s: "inbox.done" in s and "list.down" in s)
    d.keys("Escape")
    d.wait("Esc closes the help", lambda s: "inbox.done" not in s)
    d.keys("j", "r")
    d.wait("r opens the composer with the parent", lambda s: "Reply to" in s)
    d.keys("Just google it, this is obvious. Nobody asked for your garbage.", literal=True)
    d.wait("the tone meter flags the draft", lambda s: "likely conflict" in s, timeout=15)
    d.keys("C-s")
    d.wait("Ctrl+S on a flagged draft asks for Ctrl+F", lambda s: "Ctrl+F" in s)
    d.keys("Enter", "Enter")
    time.sleep(0.3)
    d.check("Enter twice did not send (still in the composer)", "Reply to" in d.screen())
    d.keys("Escape")
    d.wait("Esc closes the composer, keeping the draft", lambda s: "Reply to" not in s)
    d.wait("the list marks the draft", lambda s: "✎" in s)
    d.keys("q")
    time.sleep(1.0)
    alive = subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True)
    d.check("q quits", alive.returncode != 0 or "Rapport" not in d.screen())
    d.stop()
    return d


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="RAPPORT_HOME to build in or reuse")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    home = args.home or Path(tempfile.mkdtemp(prefix="rapport-drive-"))
    database = home / "data" / "rapport.db"
    if not database.exists():
        print(f"building a 100,000-item store in {home} ...", flush=True)
        asyncio.run(build_store(database))
        asyncio.run(add_hostile(database))
    try:
        result = drive(home)
    finally:
        if not args.keep and args.home is None:
            shutil.rmtree(home, ignore_errors=True)
    print("\n".join(result.log))
    print(f"\n{len(result.failures)} check(s) failed" if result.failures else "\nall checks passed")
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
