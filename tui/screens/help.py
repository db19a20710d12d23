"""The help screen (?): every key of every screen (the inbox, the search box, the composer, the
snooze, tag and snippet dialogs...), as currently mapped (a remapped key shows its new key),
with what it does and its id for [keys] in the config. The same list, in the same order, as
README's key table (scripts/keys_table.py prints that one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.keymap import every_binding

#: The example of a remap the hint shows: a quoted key (a bare dotted one is a TOML table).
REMAP_EXAMPLE = '"inbox.done" = "d"'


@dataclass(frozen=True, slots=True)
class HelpRow:
    keys: str
    description: str
    tooltip: str
    id: str
    #: Where the key works: "everywhere", "inbox", "composer", "snooze"...
    where: str = ""


def help_rows(app: Any, keymap: Mapping[str, str] | None = None) -> list[HelpRow]:
    """Every binding of every screen, with the keys it has now (`keymap`: the user's [keys]
    as applied, by binding id), drawn the way the footer draws them."""
    rows = []
    for where, binding in every_binding():
        assert binding.id is not None
        keys = (keymap or {}).get(binding.id, binding.key)
        shown = [
            app.get_key_display(dataclasses.replace(binding, key=key.strip(), key_display=None))
            for key in keys.split(",")
            if key.strip()
        ]
        rows.append(
            HelpRow(
                ", ".join(dict.fromkeys(shown)),
                binding.description,
                binding.tooltip,
                binding.id,
                where,
            )
        )
    return rows


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
        where = None
        for row in self.rows:
            if row.where != where:
                where = row.where
                if table.row_count:
                    table.add_row()
                table.add_row(Text(where.capitalize(), style="bold underline"))
            table.add_row(Text(row.keys), Text(row.description), Text(row.tooltip), Text(row.id))
        #: The whole table (the screen shows what fits; the rest scrolls).
        self.table = table
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(table)
            hint = Text(
                f"Remap keys in {self.config_file} under [keys], e.g.  {REMAP_EXAMPLE}\n"
                "Ctrl+P opens the command palette: every action, view, saved search, theme and "
                "account.   Esc closes; ↓ and PgDn scroll.",
                style="dim",
                end="",
            )
            yield Static(hint, classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
