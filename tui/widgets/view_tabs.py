"""The numbered views across the top (1 Inbox, 2 Unread, 3 Owed, ...), with their counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from tui.views import View


class ViewTabs(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "view-tabs--active",
        "view-tabs--key",
        "view-tabs--count",
        "view-tabs--title",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._views: list[View] = []
        self._active = ""
        self._counts: dict[str, int] = {}

    def set_views(self, views: Sequence[View], active: str) -> None:
        self._views = list(views)
        self._active = active
        self._draw()

    def set_counts(self, counts: dict[str, int]) -> None:
        self._counts = dict(counts)
        self._draw()

    def set_count(self, view_id: str, count: int) -> None:
        self._counts[view_id] = count
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        style = self.get_component_rich_style
        text = Text(end="", no_wrap=True, overflow="ellipsis")
        text.append(" Rapport ", style("view-tabs--title", partial=True))
        for view in self._views:
            if not view.key and view.id != self._active:
                continue  # saved searches appear only while active (the palette lists them)
            active = view.id == self._active
            chunk = Text(end="")
            chunk.append(f" {view.key}" if view.key else " ", style("view-tabs--key", partial=True))
            chunk.append(f" {view.name}")
            count = self._counts.get(view.id)
            if count is not None:
                chunk.append(f" {count:,}", style("view-tabs--count", partial=True))
            chunk.append(" ")
            if active:
                chunk.stylize(style("view-tabs--active", partial=True))
            text.append_text(chunk)
        self.update(text, layout=False)  # one line, always: no need to lay out again
