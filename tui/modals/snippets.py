"""Insert a saved reply ([snippets] in the config) into the draft, by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.text import safe
from tui.widgets.safe_input import SafeInput


class SnippetModal(ModalScreen[str | None]):
    """Returns the chosen snippet's text, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="snippets.cancel", tooltip="Insert nothing"),
        Binding(
            "down",
            "focus_list",
            "Choose",
            id="snippets.list",
            show=False,
            tooltip="Move into the list of snippets",
        ),
    ]

    def __init__(self, snippets: Mapping[str, str]) -> None:
        super().__init__()
        self.snippets = dict(snippets)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static("Insert a snippet", classes="dialog-title")
            yield SafeInput(placeholder="snippet name", id="snippet-filter")
            yield OptionList(*self._options(""), id="snippet-choices")
            yield Static(id="snippet-preview", classes="dialog-hint")
            if not self.snippets:
                # Text, not a string: a string is read as markup and "[snippets]" would vanish.
                yield Static(
                    Text(
                        "No snippets yet: add them to the config file under [snippets], e.g.\n"
                        'thanks = "Thank you {name}, glad it helped!"',
                        end="",
                    ),
                    classes="dialog-hint",
                    id="snippet-none",
                )

    def _options(self, stem: str) -> list[Option]:
        return [
            Option(Text(safe(name), end=""), id=name)
            for name in sorted(self.snippets)
            if stem.lower() in name.lower()
        ]

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Changed, "#snippet-filter")
    def _typed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(event.value.strip()))
        if choices.option_count:
            choices.highlighted = 0

    @on(Input.Submitted, "#snippet-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        choices = self.query_one(OptionList)
        if choices.option_count == 0:
            self.app.bell()
            return
        option = choices.get_option_at_index(choices.highlighted or 0)
        self.dismiss(self.snippets.get(option.id or ""))

    @on(OptionList.OptionHighlighted, "#snippet-choices")
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        text = self.snippets.get(event.option.id or "", "")
        self.query_one("#snippet-preview", Static).update(Text(safe(text), end=""))

    @on(OptionList.OptionSelected, "#snippet-choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.snippets.get(event.option.id or ""))
