"""Helpers the palette providers share: fuzzy matches drawn as plain text, and the inbox.

Textual's `Matcher.highlight` parses its candidate as markup, and the palette parses a hit's
help string as markup too; entries here include names and queries from the config (saved
searches, accounts, themes) and key descriptions with square brackets, so they are drawn as
literal Content, and help strings go through `literal_help`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.command import Matcher
from textual.content import Content
from textual.markup import escape

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


def literal_help(text: str) -> str:
    """A palette help string that shows `text` as it is ("[views]" stays, never markup)."""
    return escape(text)


def find_inbox(app: Any) -> InboxScreen | None:
    """The inbox screen, wherever it is in the stack (the palette may sit on top of it)."""
    from tui.screens.inbox import InboxScreen

    for screen in reversed(app.screen_stack):
        if isinstance(screen, InboxScreen):
            return screen
    return None
