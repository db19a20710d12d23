"""App-level messages: what the background sync worker reports (posted from its thread)."""

from __future__ import annotations

from textual.message import Message

from core.sync.progress import AccountProgress, SyncSummary


class SyncStarted(Message):
    pass


class SyncProgressed(Message):
    """One account's progress (a copy: the engine keeps mutating its own)."""

    def __init__(self, progress: AccountProgress) -> None:
        super().__init__()
        self.progress = progress


class SyncFinished(Message):
    """A round ended: with a summary, or skipped / failed with a note saying why."""

    def __init__(self, summary: SyncSummary | None, note: str = "") -> None:
        super().__init__()
        self.summary = summary
        self.note = note
