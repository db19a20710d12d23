"""Every action of the screen the palette was opened on, by its description."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode

from tui.commands.common import highlight, literal_help

#: Triage first, then moving around, then the rest: what people open the palette for.
_ORDER = {"inbox": 0, "composer": 0, "list": 1}


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    action: str
    node: DOMNode
    help: str
    id: str


class ActionsProvider(Provider):
    def _entries(self) -> list[_Entry]:
        entries: dict[str, _Entry] = {}
        for active in self.screen.active_bindings.values():
            binding = active.binding
            ident = binding.id
            # Bindings without an id are Textual's own (scrolling, focus): not ours to offer.
            if not binding.description or not ident or ident in entries or not active.enabled:
                continue
            if binding.action.endswith("command_palette"):
                continue
            keys = self.app.get_key_display(binding)
            entries[ident] = _Entry(
                binding.description,
                binding.action,
                active.node,
                literal_help(f"{keys} · {binding.tooltip}"),
                ident,
            )
        return sorted(entries.values(), key=lambda e: _ORDER.get(e.id.split(".")[0], 2))

    def _run(self, entry: _Entry) -> partial[Any]:
        return partial(self.app.run_action, entry.action, entry.node)

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(Content(entry.name), self._run(entry), entry.name, entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.name)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, entry.name),
                    self._run(entry),
                    entry.name,
                    entry.help,
                )
