"""Snooze until…: four quick choices (keys 1-4) or a typed time."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.snooze_time import parse_snooze, quick_choices
from tui.text import local_time
from tui.widgets.safe_input import SafeInput


class SnoozeModal(ModalScreen[datetime | None]):
    """Returns when the items should come back (UTC), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="snooze.cancel", tooltip="Do not snooze"),
        Binding(
            "1",
            "quick(0)",
            "1 hour",
            id="snooze.quick_1",
            show=False,
            tooltip="Snooze for one hour",
        ),
        Binding(
            "2",
            "quick(1)",
            "3 hours",
            id="snooze.quick_2",
            show=False,
            tooltip="Snooze for three hours",
        ),
        Binding(
            "3",
            "quick(2)",
            "Tomorrow",
            id="snooze.quick_3",
            show=False,
            tooltip="Snooze until tomorrow at 9:00",
        ),
        Binding(
            "4",
            "quick(3)",
            "Next week",
            id="snooze.quick_4",
            show=False,
            tooltip="Snooze until next Monday at 9:00",
        ),
        Binding(
            "tab,slash",
            "type_time",
            "Type a time",
            id="snooze.type",
            show=False,
            tooltip="Type when to bring it back",
        ),
    ]

    def __init__(self, now: datetime, count: int) -> None:
        super().__init__()
        self.now = now
        self.count = count
        self.choices = quick_choices(now)

    def compose(self) -> ComposeResult:
        noun = "item" if self.count == 1 else f"{self.count} items"
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Snooze {noun} until…", classes="dialog-title")
            options = []
            for choice in self.choices:
                label = Text(f"{choice.key}  {choice.label}", end="")
                label.append(f"   {local_time(choice.until, self.now)}", style="dim")
                options.append(Option(label, id=choice.key))
            yield OptionList(*options, id="snooze-choices")
            yield SafeInput(
                placeholder="or type: 2h, 30m, 17:30, tomorrow 14:00, fri, next week",
                id="snooze-input",
            )
            yield Static(id="snooze-when", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_quick(self, index: int) -> None:
        self.dismiss(self.choices[index].until)

    def action_type_time(self) -> None:
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected, "#snooze-choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_quick(event.option_index)

    @on(Input.Changed, "#snooze-input")
    def _typed(self, event: Input.Changed) -> None:
        hint = self.query_one("#snooze-when", Static)
        if not event.value.strip():
            hint.update("")
            return
        try:
            until = parse_snooze(event.value, self.now)
        except ValueError as exc:
            hint.set_class(True, "-error")
            hint.update(Text(str(exc), end=""))
            return
        hint.set_class(False, "-error")
        hint.update(Text(f"until {local_time(until, self.now)} — Enter to snooze", end=""))

    @on(Input.Submitted, "#snooze-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            until = parse_snooze(event.value, self.now)
        except ValueError as exc:
            self.query_one("#snooze-when", Static).update(Text(str(exc), end=""))
            self.app.bell()
            return
        self.dismiss(until)
