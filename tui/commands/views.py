"""Views (Inbox, Unread, Owed, Flagged, All) and the saved searches ([views] in the config)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.commands.common import find_inbox, highlight, literal_help


class ViewsProvider(Provider):
    def _entries(self) -> list[tuple[str, str, str]]:
        inbox = find_inbox(self.app)
        if inbox is None:
            return []
        entries = []
        for view in inbox.views:
            kind = "View" if view.key else "Saved search"
            key = f"{view.key} · " if view.key else ""
            help_text = literal_help(f"{key}{view.description}")
            entries.append((f"{kind}: {view.name}", view.id, help_text))
        return entries

    def _open(self, view_id: str) -> None:
        inbox = find_inbox(self.app)
        if inbox is not None:
            inbox.show_view(view_id)

    async def discover(self) -> Hits:
        for name, view_id, help_text in self._entries():
            yield DiscoveryHit(Content(name), partial(self._open, view_id), name, help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, view_id, help_text in self._entries():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, name), partial(self._open, view_id), name, help_text
                )
