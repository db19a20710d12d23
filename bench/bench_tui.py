"""The app's figures at 100,000 items: launch to first rows, key press to updated screen, memory.

The store is built with `Store.ingest` from generated items (four platforms, thousands of
authors, a realistic mix of states, tags, tones and a few conflicts), then:

- launch: the real `rapport` command starts on a pseudo-terminal; the clock stops when the
  newest item's author appears in the terminal output (the first rows are on screen);
- keys: a key byte is written to the same terminal and the clock stops when the app has finished
  writing the updated frame (the output goes quiet); move (j), done (e), undo (u);
- settled: until the follow-up frames of the key are out too (the tabs' counts, the
  scrollbar's length): reported without a target;
- memory: the resident set of the app process after the keys.

`python -m bench tui` prints the table; `--quick` uses fewer key presses.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Row, median, percentile
from core.models import Account, Contact, Item, ItemKind, ItemState, Tone

ITEMS = 100_000
BATCH = 2_000
PLATFORMS = ("mastodon", "bluesky", "reddit", "github")
#: The generated items end here (the newest item is this old when the app starts "now").
NEWEST = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TOPICS = [
    "the parser",
    "the new release",
    "the docs",
    "CI on main",
    "the sqlite backend",
    "keyboard shortcuts",
    "the dark theme",
    "memory use",
    "the plugin API",
    "rate limits",
    "the search box",
    "startup time",
]
OPENERS = [
    "Thanks for fixing",
    "Quick question about",
    "Any update on",
    "I love",
    "Is there a way to configure",
    "Found a bug in",
    "Could you look at",
    "Great talk about",
    "Why did you change",
    "Still broken:",
]
CLOSERS = [
    "",
    " Thanks!",
    " Happy to help test.",
    " Is this on the roadmap?",
    " This keeps happening.",
    " 🎉",
    " Cheers.",
]
HOSTILE = [
    ("Are you serious? Nobody asked for this garbage, read the issue.", ["insult"]),
    ("Just google it. This is obvious.", ["dismissive"]),
    ("WHY IS THIS STILL BROKEN", ["shouting"]),
]
TAGS = ["bug", "docs", "question", "later", "release", "thanks", "urgent"]
KINDS = {
    "mastodon": [ItemKind.MENTION, ItemKind.REPLY, ItemKind.QUOTE],
    "bluesky": [ItemKind.MENTION, ItemKind.REPLY, ItemKind.QUOTE],
    "reddit": [ItemKind.COMMENT, ItemKind.REPLY, ItemKind.DIRECT],
    "github": [ItemKind.COMMENT, ItemKind.MENTION, ItemKind.REVIEW],
}


def account_name(platform: str) -> str:
    return f"bench-{platform}"


def make_items(start: int, count: int, total: int, rng: random.Random) -> list[Item]:
    """Items `start`..`start+count` of `total` (item `total - 1` is the newest); the platforms
    interleave so every page of the list mixes them, as a real inbox does."""
    items = []
    for n in range(start, start + count):
        platform = PLATFORMS[n % len(PLATFORMS)]
        author_n = rng.randrange(3_000)
        flagged = rng.random() < 0.03
        if flagged:
            text, reasons = rng.choice(HOSTILE)
            polarity = -0.6
        else:
            text = f"{rng.choice(OPENERS)} {rng.choice(TOPICS)}.{rng.choice(CLOSERS)}"
            reasons = []
            polarity = round(rng.uniform(-0.4, 0.8), 2) if rng.random() < 0.6 else 0.0
        roll = rng.random()
        state = (
            ItemState.NEW
            if roll < 0.55
            else ItemState.DONE
            if roll < 0.93
            else ItemState.SNOOZED
            if roll < 0.97
            else ItemState.MUTED
        )
        created = NEWEST - timedelta(seconds=(total - n) * 157 + rng.randrange(60))
        items.append(
            Item(
                account=account_name(platform),
                platform=platform,
                remote_id=f"{platform}-{n}",
                kind=rng.choice(KINDS[platform]),
                author=Contact(
                    platform=platform,
                    remote_id=f"{platform}-user-{author_n}",
                    handle=f"@person{author_n}",
                    display_name=f"Person {author_n}",
                    profile_url=f"https://{platform}.example/@person{author_n}",
                ),
                text=text,
                created_at=created,
                url=f"https://{platform}.example/post/{n}",
                state=state,
                snoozed_until=created + timedelta(days=400) if state is ItemState.SNOOZED else None,
                tags=[rng.choice(TAGS)] if rng.random() < 0.1 else [],
                is_question="?" in text,
                tone=Tone(
                    polarity=polarity,
                    risk=0.8 if flagged else 0.1,
                    conflict=flagged,
                    reasons=reasons,
                ),
            )
        )
    return items


async def build_store(path: Path, count: int = ITEMS, seed: int = 7) -> None:
    """A store of `count` generated items over four accounts (ingested like a sync would)."""
    from core.store.repository import Store

    rng = random.Random(seed)
    store = await Store.open(path)
    try:
        for platform in PLATFORMS:
            await store.ensure_account(
                Account(account_name(platform), platform, f"https://{platform}.example")
            )
        for start in range(0, count, BATCH):
            by_platform: dict[str, list[Item]] = {}
            for item in make_items(start, min(BATCH, count - start), count, rng):
                by_platform.setdefault(item.platform, []).append(item)
            for platform, items in by_platform.items():
                await store.ingest(account_name(platform), items)
    finally:
        await store.close()


# ---- driving the real app on a pseudo-terminal ---------------------------------------------------

COLUMNS, LINES = 160, 45
QUIET = 0.03  # this much silence after a key: the screen has settled
FRAME_GAP = 0.008  # a frame is written in one go; frames come at most every 16 ms


class Terminal:
    """The `rapport` command on a pseudo-terminal of COLUMNS x LINES, read without blocking."""

    def __init__(self, home: Path) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {
            **os.environ,
            "RAPPORT_HOME": str(home),
            "TERM": "xterm-256color",
            "COLUMNS": str(COLUMNS),
            "LINES": str(LINES),
        }
        env.pop("TEXTUAL", None)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.main"],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        os.close(slave)
        self.output = bytearray()

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError:
            return b""
        self.output += chunk
        return chunk

    def wait_for(self, marker: bytes, timeout: float = 20.0) -> float:
        """Seconds from launch until `marker` has been written to the terminal."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.read(0.05) and marker in self.output:
                return time.perf_counter() - self.started
        raise TimeoutError(f"{marker!r} never appeared; the app wrote {len(self.output)} bytes")

    def settle(self, seconds: float = 0.5) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.read(0.02)

    def key(self, data: bytes) -> tuple[float, float]:
        """Seconds from writing `data` until (1) the first frame after it has been written
        completely and (2) the screen went quiet (follow-up frames: counts, scrollbar)."""
        while self.read(0.0):
            pass
        sent = time.perf_counter()
        os.write(self.master, data)
        frames: list[float] = []
        deadline = sent + 2.0
        while time.perf_counter() < deadline:
            # Textual paints at most 60 times a second: 8 ms without output ends a frame.
            if self.read(FRAME_GAP if frames else 1.0):
                frames.append(time.perf_counter())
            elif frames:
                first = frames[-1]
                # Then wait for the rest (the preview's details come ~120 ms later: not
                # counted, they are data arriving, not the key's own update).
                while time.perf_counter() < sent + 0.11:
                    if self.read(QUIET):
                        frames.append(time.perf_counter())
                    else:
                        break
                return first - sent, frames[-1] - sent
        raise TimeoutError(f"no update after {data!r}")

    def rss_mb(self) -> float:
        import psutil

        return float(psutil.Process(self.process.pid).memory_info().rss) / 1e6

    def close(self) -> None:
        if self.process.poll() is None:
            os.write(self.master, b"q")
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.master)


async def newest_author(database: Path) -> str:
    """The author shown on the first row of the inbox (what to wait for on screen)."""
    from core.store.repository import Store

    store = await Store.open(database)
    try:
        row = await store._one(
            "SELECT contacts.display_name FROM items JOIN contacts ON contacts.id = "
            "items.author_id WHERE items.state = 'new' ORDER BY items.sort_key DESC LIMIT 1"
        )
        return str(row[0])
    finally:
        await store.close()


def terminal_figures(home: Path, presses: int) -> list[Row]:
    marker = asyncio.run(newest_author(home / "data" / "rapport.db")).encode()
    launches = []
    for _ in range(3):
        terminal = Terminal(home)
        try:
            launches.append(terminal.wait_for(marker) * 1000)
        finally:
            terminal.close()
    terminal = Terminal(home)
    try:
        terminal.wait_for(marker)
        terminal.settle(1.5)
        first: dict[str, list[float]] = {"move (j/k)": [], "done (e)": [], "undo (u)": []}
        settled: dict[str, list[float]] = {name: [] for name in first}

        def press(name: str, data: bytes) -> None:
            frame, quiet = terminal.key(data)
            first[name].append(frame * 1000)
            settled[name].append(quiet * 1000)

        for n in range(presses):
            press("move (j/k)", b"j" if n % 4 < 2 else b"k")
            terminal.settle(0.05)
        terminal.settle(0.5)
        for _ in range(max(5, presses // 4)):
            press("done (e)", b"e")
            terminal.settle(0.25)
            press("undo (u)", b"u")
            terminal.settle(0.25)
        for _ in range(3):
            terminal.key(b"G")
            terminal.settle(0.3)
            terminal.key(b"g")
            terminal.settle(0.3)
        rss = terminal.rss_mb()
    finally:
        terminal.close()
    rows = [Row("tui: launch to first rows (100k items, pty)", median(launches), "ms", "< 1000")]
    for name, values in first.items():
        rows.append(
            Row(f"tui: key to updated frame, {name}, p95", percentile(values, 0.95), "ms", "< 50")
        )
        rows.append(Row(f"tui: key to updated frame, {name}, median", median(values), "ms"))
    for name, values in settled.items():
        rows.append(Row(f"tui: key to screen settled, {name}, p95", percentile(values, 0.95), "ms"))
    rows.append(Row("tui: resident memory after keys (100k items)", rss, "MB", "< 250"))
    return rows


def run(quick: bool) -> list[Row]:
    presses = 40 if quick else 200
    with tempfile.TemporaryDirectory(prefix="rapport-bench-tui-") as folder:
        home = Path(folder)
        began = time.perf_counter()
        asyncio.run(build_store(home / "data" / "rapport.db"))
        built = time.perf_counter() - began
        rows = [Row("tui: build the 100k-item store (Store.ingest)", built, "s")]
        rows += terminal_figures(home, presses)
    return rows
