"""Switch theme from the palette (the app remembers the choice in the config)."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.commands.common import highlight


class ThemesProvider(Provider):
    def _entries(self) -> list[tuple[str, str]]:
        names = sorted(self.app.available_themes)
        # Ours first: they carry the app's colours (conflict, owed, platforms).
        names.sort(key=lambda n: not n.startswith("rapport"))
        return [(f"Theme: {name}", name) for name in names]

    def _use(self, name: str) -> None:
        self.app.theme = name

    async def discover(self) -> Hits:
        for label, name in self._entries():
            if name.startswith("rapport"):
                yield DiscoveryHit(
                    Content(label), partial(self._use, name), label, "switch and remember"
                )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, name in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, label),
                    partial(self._use, name),
                    label,
                    "switch and remember",
                )
