"""The first run: no accounts and nothing stored yet. Says how to try the demo or add an
account, and where the config and data live."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from core.paths import Paths


class WelcomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
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

    def __init__(self, paths: Paths) -> None:
        super().__init__()
        self.paths = paths

    def compose(self) -> ComposeResult:
        text = Text(end="")
        text.append("Welcome to Rapport\n\n", style="bold")
        text.append(
            "One keyboard-driven inbox for your mentions, replies and comments on Mastodon, "
            "Bluesky, Reddit and GitHub, with a tone check before you reply.\n\n"
        )
        text.append("Try it first\n", style="bold")
        text.append("    rapport demo\n", style="bold reverse")
        text.append("    opens a generated demo workspace; no account or network needed\n\n")
        text.append("Add your accounts\n", style="bold")
        text.append(
            "    rapport accounts add mastodon --name work --base-url https://mastodon.social\n"
            "    rapport accounts add bluesky --name me --handle you.bsky.social\n"
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
        yield Footer(show_command_palette=False)  # our own ctrl+p binding shows (remappable)

    def action_recheck(self) -> None:
        self.post_message(self.Recheck())
