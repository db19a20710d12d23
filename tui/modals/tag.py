"""Tag…: type tags to add (and -tag to remove), with completion from the tags in use."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.text import one_line
from tui.widgets.safe_input import SafeInput

_TAG = re.compile(r"^[\w][\w.\-/]{0,39}$")


@dataclass(frozen=True, slots=True)
class TagChange:
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)


def parse_tags(text: str) -> TagChange:
    """'bug urgent -later #docs' -> add bug, urgent, docs; remove later."""
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        target = remove if word.startswith("-") else add
        tag = word.lstrip("-").lstrip("#").lower()
        if not tag:
            continue
        if not _TAG.match(tag):
            raise ValueError(f"{tag!r} is not a tag: use letters, digits, '-', '_', '.' or '/'")
        if tag not in target:
            target.append(tag)
    return TagChange(add=add, remove=remove)


class _LastWord(Suggester):
    def __init__(self, tags: Sequence[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.tags = list(tags)

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(" ")
        prefix = "-" if last.startswith("-") else ""
        stem = last.lstrip("-#").lower()
        if not stem:
            return None
        for tag in self.tags:
            if tag.startswith(stem) and tag != stem:
                word = prefix + tag
                return f"{head} {word}" if head else word
        return None


class TagModal(ModalScreen[TagChange | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="tag.cancel", tooltip="Leave the tags as they are"
        ),
        Binding(
            "down",
            "focus_list",
            "Tags in use",
            id="tag.list",
            show=False,
            tooltip="Pick from the tags in use",
        ),
    ]

    def __init__(self, count: int, current: Sequence[str], in_use: Sequence[tuple[str, int]]):
        super().__init__()
        self.count = count
        self.current = list(current)
        self.in_use = list(in_use)

    def compose(self) -> ComposeResult:
        noun = "item" if self.count == 1 else f"{self.count} items"
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Tag {noun}", classes="dialog-title")
            now = Text("now: ", style="dim", end="")
            now.append(" ".join(f"#{one_line(t)}" for t in self.current) or "no tags")
            yield Static(now, classes="dialog-hint")
            yield SafeInput(
                placeholder="tags to add; -tag removes (e.g. bug urgent -later)",
                suggester=_LastWord([t for t, _ in self.in_use]),
                id="tag-input",
            )
            yield OptionList(*self._options(""), id="tag-choices")
            yield Static(id="tag-problem", classes="dialog-hint")

    def _options(self, stem: str) -> list[Option]:
        options: list[Option] = []
        for tag, count in self.in_use:
            if stem and stem not in tag:
                continue
            label = Text(f"#{one_line(tag)}", end="")
            label.append(f"  {count:,}", style="dim")
            if tag in self.current:
                label.append("  (on it: -" + one_line(tag) + " removes)", style="dim")
            options.append(Option(label, id=f"tag-{len(options)}"))
            if len(options) >= 50:
                break
        return options

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_focus_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(Input.Changed, "#tag-input")
    def _typed(self, event: Input.Changed) -> None:
        stem = event.value.rpartition(" ")[2].lstrip("-#").lower()
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(stem))
        problem = self.query_one("#tag-problem", Static)
        try:
            parse_tags(event.value)
            problem.update("")
        except ValueError as exc:
            problem.update(Text(str(exc), end=""))

    @on(OptionList.OptionSelected, "#tag-choices")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        tag = event.option.prompt
        word = str(tag.plain if isinstance(tag, Text) else tag).split()[0].lstrip("#")
        field = self.query_one(Input)
        words = field.value.split()
        if words and not field.value.endswith(" "):
            words.pop()  # replace the word being typed
        words.append(word)
        field.value = " ".join(words) + " "
        field.cursor_position = len(field.value)
        field.focus()

    @on(Input.Submitted, "#tag-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            change = parse_tags(event.value)
        except ValueError as exc:
            self.query_one("#tag-problem", Static).update(Text(str(exc), end=""))
            self.app.bell()
            return
        self.dismiss(change if change.add or change.remove else None)
