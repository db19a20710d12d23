"""The search box (/): the query language with completion of the word being typed, and the
problem with the query (if any) shown under it as you type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Static

from core.models import ItemKind
from core.query import FILTERS, IS_VALUES, TONES, QueryError, parse_query
from tui.text import safe
from tui.widgets.safe_input import SafeInput


class QuerySuggester(Suggester):
    """Completes the last word: a filter name, then its values (tags and accounts included)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.words: list[str] = []
        self.set_vocabulary((), ())

    def set_vocabulary(self, tags: Iterable[str], accounts: Iterable[str]) -> None:
        words = [f"{key}:" for key in FILTERS]
        words += [f"is:{v}" for v in IS_VALUES] + [f"tone:{v}" for v in TONES]
        words += [f"kind:{k.value}" for k in ItemKind]
        words += [f"platform:{p}" for p in ("mastodon", "bluesky", "reddit", "github")]
        words += [f"tag:{t}" for t in tags] + [f"account:{a}" for a in accounts]
        self.words = words

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(" ")
        negated = last.startswith("-")
        stem = last[1:] if negated else last
        if not stem:
            return None
        lowered = stem.lower()
        for word in self.words:
            if word.startswith(lowered) and word != lowered:
                completed = ("-" if negated else "") + word
                return f"{head} {completed}" if head else completed
        return None


class SearchBar(Vertical):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="search.cancel",
            tooltip="Close the search box and keep the current search",
        ),
    ]

    class Applied(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.suggester = QuerySuggester()

    def compose(self) -> ComposeResult:
        yield SafeInput(
            placeholder='search: words, "a phrase", from:maria platform:bluesky is:owed '
            "tone:negative tag:bug -word",
            suggester=self.suggester,
            id="search-input",
        )
        yield Static(id="search-problem")

    def open(self, text: str) -> None:
        self.display = True
        field = self.query_one(Input)
        field.value = text
        field.cursor_position = len(text)
        field.focus()
        self._check(text)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._check(event.value)

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._check(event.value):
            self.post_message(self.Applied(event.value.strip()))

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())

    def _check(self, text: str) -> bool:
        problem = self.query_one("#search-problem", Static)
        try:
            query = parse_query(text)
        except QueryError as exc:
            problem.update(Text(safe(str(exc)), end=""))
            problem.set_class(True, "-error")
            return False
        problem.set_class(False, "-error")
        chips = "  ".join(query.chips())
        hint = "Enter searches, Esc closes" + (f"   ·   {chips}" if chips else "")
        problem.update(Text(safe(hint), end=""))
        return True
