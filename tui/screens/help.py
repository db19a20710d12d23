"""The help screen (?): every key of the screen underneath, as currently mapped (a remapped
key shows its new key), with what it does and its id for [keys] in the config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class HelpRow:
    keys: str
    description: str
    tooltip: str
    id: str


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q", "close", "Close", id="help.close", tooltip="Back to the inbox"
        ),
    ]

    def __init__(self, rows: Sequence[HelpRow], config_file: str) -> None:
        super().__init__()
        self.rows = list(rows)
        self.config_file = config_file

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
        # Headers as Text: a plain string header would be read as Rich markup ("[keys]").
        table.add_column(Text("key"), no_wrap=True, style="bold")
        table.add_column(Text("action"), no_wrap=True)
        table.add_column(Text("what it does"), ratio=1)
        table.add_column(Text("id (for [keys])"), no_wrap=True, style="dim")
        for row in self.rows:
            table.add_row(Text(row.keys), Text(row.description), Text(row.tooltip), Text(row.id))
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(table)
            hint = Text(
                f'Remap keys in {self.config_file} under [keys], e.g.  inbox.done = "d"\n'
                "Ctrl+P opens the command palette: every action, view, saved search, theme and "
                "account.   Esc closes.",
                style="dim",
                end="",
            )
            yield Static(hint, classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
