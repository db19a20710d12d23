"""When the sync engine commits the pages it has read.

A page and its cursor always land in one transaction, but one transaction may hold several
pages of a stream. Each commit writes every database page it changed (the items' indexes, the
full-text index, the ledger's rows), and consecutive pages of a backfill change many of the same
ones; so a stream read faster than it is stored (a first sync, a fast server) commits its pages
in groups, which costs about a third less than one commit per page. A slow stream still commits
every page as it arrives: pages are held only while the last commit is recent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from core.connectors.base import Page

#: A page read within this many seconds of the last commit waits for the next one.
COMMIT_EVERY = 0.25
#: ...unless this many items are already waiting (the transaction, and the memory, stay small).
MAX_WAITING_ITEMS = 1000


@dataclass(slots=True)
class WaitingPages:
    """The pages of one stream read since the last commit, oldest first."""

    clock: Callable[[], float] = time.monotonic
    every: float = COMMIT_EVERY
    max_items: int = MAX_WAITING_ITEMS
    pages: list[Page] = field(default_factory=list)
    items: int = 0
    last_commit: float = 0.0

    def __post_init__(self) -> None:
        self.last_commit = self.clock()

    def add(self, page: Page) -> None:
        self.pages.append(page)
        self.items += len(page.items)

    def due(self) -> bool:
        """Whether the waiting pages should be committed now."""
        if not self.pages:
            return False
        return self.items >= self.max_items or self.clock() - self.last_commit >= self.every

    def take(self) -> list[Page]:
        """The waiting pages, to commit; the wait starts again."""
        pages, self.pages, self.items = self.pages, [], 0
        self.last_commit = self.clock()
        return pages
