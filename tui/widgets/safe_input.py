"""A one-line input whose pasted text is made safe (no escape sequences or bidi overrides)."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from tui.text import safe


class SafeInput(Input):
    def _on_paste(self, event: events.Paste) -> None:
        # Text copied from a terminal or a web page can carry escapes that would reach the
        # screen when the input is drawn; the first line only, as Input does.
        event.prevent_default()
        event.stop()
        lines = safe(event.text).splitlines()
        if not lines:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(lines[0])
        else:
            self.replace(lines[0], *selection)
