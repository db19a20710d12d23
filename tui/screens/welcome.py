"""The first run: no accounts and nothing stored yet. Offers the demo right here (d), says how to
add an account, and where the config and data live."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from core.paths import Paths
from core.sync.progress import AccountProgress
from tui.text import one_line, safe


class WelcomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "d",
            "demo",
            "Try the demo",
            id="welcome.demo",
            tooltip="Build a demo workspace (generated history, no account or network) and open it",
        ),
        Binding(
            "r",
            "recheck",
            "Check again",
            id="welcome.recheck",
            tooltip="Read the config again (after `rapport accounts add`) and open the inbox",
        ),
        Binding("q", "app.quit", "Quit", id="welcome.quit", tooltip="Quit Rapport"),
    ]

    class Recheck(Message):
        """The user added an account in another terminal and wants the inbox."""

    class StartDemo(Message):
        """The user wants to try the demo."""

    def __init__(self, paths: Paths, demo_home: Path | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.demo_home = demo_home
        self._progress: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        text = Text(end="")
        text.append("Welcome to Rapport\n\n", style="bold")
        text.append(
            "One keyboard-driven inbox for your mentions, replies and comments on Mastodon, "
            "Bluesky, Reddit and GitHub, with a tone check before you reply.\n\n"
        )
        text.append("Try it first\n", style="bold")
        text.append("    press d", style="bold reverse")
        text.append("  to build a demo workspace and open it: no account or network needed\n")
        if self.demo_home is not None:
            text.append(f"    kept in {self.demo_home}\n")
        text.append("    (or, in a shell: rapport demo)\n\n")
        text.append("Add your accounts\n", style="bold")
        text.append(
            "    rapport accounts add mastodon --name work --base-url https://mastodon.social\n"
            "    rapport accounts add bluesky --name me --handle you.bsky.social\n"
            "    rapport accounts add reddit --name rd\n"
            "    rapport accounts add github --name oss\n",
            style="bold",
        )
        text.append(
            "    the secret is read from standard input or asked for, never from the command "
            "line; then press r here\n\n"
        )
        text.append("Where things live\n", style="bold")
        text.append(f"    config  {self.paths.config_file}\n")
        text.append(f"    data    {self.paths.database}\n")
        text.append("    (set RAPPORT_HOME to keep everything in one folder)\n")
        with Vertical(id="welcome"):
            yield Static(text, id="welcome-text")
            yield Static(id="welcome-status")
        yield Footer(show_command_palette=False)  # our own ctrl+p binding shows (remappable)

    def action_recheck(self) -> None:
        self.post_message(self.Recheck())

    def action_demo(self) -> None:
        self.post_message(self.StartDemo())

    # ---- the demo's progress (called by the app) ----------------------------------------------

    def show_status(self, line: str) -> None:
        self._progress.clear()
        self.query_one("#welcome-status", Static).update(Text(safe(line), end=""))

    def show_progress(self, heading: str, progress: AccountProgress) -> None:
        self._progress[progress.account] = f"{progress.phase.value}, {progress.new} new"
        text = Text(safe(heading), end="")
        for account, state in sorted(self._progress.items()):
            text.append(f"\n    {one_line(account)}  {state}")
        self.query_one("#welcome-status", Static).update(text)
