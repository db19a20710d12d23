"""Helpers the palette providers share: fuzzy matches drawn as plain text, and the inbox.

Textual's `Matcher.highlight` parses its candidate as markup; entries here include names from
the config (saved searches, accounts, themes), so they are drawn as literal Content instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.command import Matcher
from textual.content import Content

if TYPE_CHECKING:
    from tui.screens.inbox import InboxScreen


def highlight(matcher: Matcher, candidate: str) -> Content:
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def find_inbox(app: Any) -> InboxScreen | None:
    """The inbox screen, wherever it is in the stack (the palette may sit on top of it)."""
    from tui.screens.inbox import InboxScreen

    for screen in reversed(app.screen_stack):
        if isinstance(screen, InboxScreen):
            return screen
    return None
