"""The undo stack: every triage action (bulk ones too) pushes what it replaced."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.store.repository import StateSnapshot

LIMIT = 500


@dataclass(frozen=True, slots=True)
class UndoEntry:
    """One action: a label for the notification, and the items as they were before it.

    An action that changes more than the items' triage state (a tone correction) brings its
    own `revert`, which undo runs instead of restoring the snapshots."""

    label: str
    snapshots: tuple[StateSnapshot, ...]
    revert: Callable[[], Awaitable[None]] | None = None

    @property
    def count(self) -> int:
        return len(self.snapshots)

    @property
    def item_ids(self) -> list[int]:
        return [s.item_id for s in self.snapshots]

    def describe(self) -> str:
        noun = "item" if self.count == 1 else "items"
        return f"{self.label} ({self.count} {noun})"


class UndoStack:
    def __init__(self, limit: int = LIMIT) -> None:
        self._entries: list[UndoEntry] = []
        self._limit = limit

    def push(
        self,
        label: str,
        snapshots: Sequence[StateSnapshot],
        revert: Callable[[], Awaitable[None]] | None = None,
    ) -> UndoEntry | None:
        if not snapshots:
            return None
        entry = UndoEntry(label, tuple(snapshots), revert)
        self._entries.append(entry)
        del self._entries[: -self._limit]
        return entry

    def pop(self) -> UndoEntry | None:
        return self._entries.pop() if self._entries else None

    def peek(self) -> UndoEntry | None:
        return self._entries[-1] if self._entries else None

    def __len__(self) -> int:
        return len(self._entries)
