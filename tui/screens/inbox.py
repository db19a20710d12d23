"""The inbox screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from core.store.repository import Store


class InboxScreen(Screen[None]):
    DEFAULT_CSS = """
    InboxScreen #empty {
        padding: 2 4;
        color: $text-muted;
    }
    """

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="empty")
        yield Footer()

    async def on_mount(self) -> None:
        count = await self.store.count_items("state = 'new'")
        message = self.query_one("#empty", Static)
        if count:
            message.update(f"{count} items waiting.")
        else:
            message.update(
                "Nothing here yet.\n\nAdd an account with `rapport accounts add PLATFORM "
                "--name NAME`, then run `rapport sync`."
            )
