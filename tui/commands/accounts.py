"""Accounts: show only one account's items, or sync now."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.commands.common import find_inbox, highlight, literal_help


class AccountsProvider(Provider):
    async def startup(self) -> None:
        app = self.app
        services = getattr(app, "services", None)
        self._accounts = [] if services is None else await services.reader.accounts()

    def _entries(self) -> list[tuple[str, object, str]]:
        entries: list[tuple[str, object, str]] = []
        for account in self._accounts:
            label = f"Account: {account.name} ({account.platform})"
            search = f"account:{account.name}"
            entries.append(
                (label, partial(self._filter, search), literal_help(f"show only {search}"))
            )
        entries.append(("Sync now", self._sync, "fetch new items and send queued replies"))
        return entries

    def _filter(self, search: str) -> None:
        inbox = find_inbox(self.app)
        if inbox is not None:
            inbox.set_search(search)

    def _sync(self) -> None:
        if not self.app.request_sync():  # type: ignore[attr-defined]
            self.app.notify("A sync is already running (or no account is configured).")

    async def discover(self) -> Hits:
        for label, command, help_text in self._entries():
            yield DiscoveryHit(Content(label), command, label, help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, command, help_text in self._entries():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, highlight(matcher, label), command, label, help_text)  # type: ignore[arg-type]
