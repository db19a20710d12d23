"""One compact line about background sync: per account, syncing / ok / rate-limited until /
failed and why, or that a sync is running elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from core.sync.progress import AccountProgress, Phase
from core.timeutil import from_epoch
from tui.text import local_time, one_line

_ICONS = {
    Phase.WAITING: "·",
    Phase.SYNCING: "⟳",
    Phase.RETRYING: "⟳",
    Phase.SENDING: "⇡",
    Phase.RATE_LIMITED: "⏸",
    Phase.OK: "✓",
    Phase.FAILED: "✗",
}


class SyncStatus(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "sync-status--ok",
        "sync-status--busy",
        "sync-status--limited",
        "sync-status--failed",
        "sync-status--note",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._accounts: dict[str, AccountProgress] = {}
        self._note = ""
        self._now: datetime | None = None

    def show(self, accounts: Mapping[str, AccountProgress], note: str, now: datetime) -> None:
        self._accounts = dict(accounts)
        self._note = note
        self._now = now
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if not self.is_mounted or self._now is None:
            return
        style = self.get_component_rich_style
        text = Text(end="", no_wrap=True, overflow="ellipsis", justify="right")
        for name, progress in sorted(self._accounts.items()):
            phase = progress.phase
            if phase is Phase.OK:
                part_style = style("sync-status--ok", partial=True)
                detail = ""
            elif phase is Phase.FAILED:
                part_style = style("sync-status--failed", partial=True)
                detail = f" failed: {one_line(progress.error)[:60]}"
            elif phase is Phase.RATE_LIMITED:
                part_style = style("sync-status--limited", partial=True)
                until = progress.wait_until
                detail = (
                    f" rate-limited until {local_time(from_epoch(until), self._now)}"
                    if until
                    else " rate-limited"
                )
            else:
                part_style = style("sync-status--busy", partial=True)
                detail = f" {phase.value}"
            text.append(f" {_ICONS.get(phase, '·')} ", part_style)
            text.append(one_line(name))
            if detail:
                text.append(detail, part_style)
        if self._note:
            text.append(f"  {one_line(self._note)}", style("sync-status--note", partial=True))
        text.append(" ")
        self.update(text)
