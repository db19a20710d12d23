"""The composer's text area: pasted text is made safe, and the words the tone check flagged
are highlighted in place."""

from __future__ import annotations

from bisect import bisect_right

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widgets import TextArea

from tui.text import safe


class DraftArea(TextArea):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            # The cursor line's own style would hide the flagged words on the line being typed.
            highlight_cursor_line=False,
        )
        self._marks: list[tuple[int, int]] = []
        self._mark_style = Style()
        self._line_starts: list[int] = [0]

    def set_marks(self, text: str, spans: list[tuple[int, int]], style: Style) -> None:
        """Highlight `spans` (offsets into `text`) while the draft is still exactly `text`."""
        if text != self.text:
            spans = []
        self._marks = sorted(spans)
        self._mark_style = style
        starts = [0]
        for line in text.split("\n")[:-1]:
            starts.append(starts[-1] + len(line) + 1)
        self._line_starts = starts
        self._forget_rendered_lines()

    def clear_marks(self) -> None:
        if self._marks:
            self._marks = []
            self._forget_rendered_lines()

    def _forget_rendered_lines(self) -> None:
        # TextArea caches rendered lines by what it knows changes them; highlights are not
        # among those, so the cache is dropped when they change.
        cache = getattr(self, "_line_cache", None)
        if cache is not None:
            cache.clear()
        self.refresh()

    def get_line(self, line_index: int) -> Text:
        line = super().get_line(line_index)
        if not self._marks or line_index >= len(self._line_starts):
            return line
        start = self._line_starts[line_index]
        end = start + len(line.plain)
        first = max(0, bisect_right(self._marks, (start, start)) - 1)
        for mark_start, mark_end in self._marks[first:]:
            if mark_start >= end:
                break
            if mark_end <= start:
                continue
            line.stylize(
                self._mark_style, max(mark_start, start) - start, min(mark_end, end) - start
            )
        return line

    async def _on_paste(self, event: events.Paste) -> None:
        # Pasted text may carry escape sequences or bidi overrides (copied from anywhere):
        # they would reach the terminal when drawn, and the platform when sent.
        event.prevent_default()
        event.stop()
        if self.read_only:
            return
        result = self.replace(safe(event.text), *self.selection)
        self.move_cursor(result.end_location)
