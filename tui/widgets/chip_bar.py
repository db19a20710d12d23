"""The filter chips: what is narrowing the list right now (the view and each search term)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from tui.text import one_line


class ChipBar(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "chip-bar--view",
        "chip-bar--chip",
        "chip-bar--negated",
        "chip-bar--hint",
    }

    def show(self, view: str, chips: list[str], hint: str = "") -> None:
        style = self.get_component_rich_style
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        text.append(f" {one_line(view)} ", style("chip-bar--view", partial=True))
        for chip in chips:
            text.append(" ")
            name = "chip-bar--negated" if chip.startswith("-") else "chip-bar--chip"
            text.append(f" {one_line(chip)} ", style(name, partial=True))
        if hint:
            text.append(f"  {hint}", style("chip-bar--hint", partial=True))
        self.update(text, layout=False)  # one line, always: no need to lay out again
