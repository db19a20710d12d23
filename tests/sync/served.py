"""The four fakes served on 127.0.0.1, for the tests that sync from real processes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core.fakes.harness import FakeFleet

#: Each fake's listing of notifications: where a test slows a platform down or breaks it.
LISTING = {
    "mastodon": "/api/v1/notifications",
    "bluesky": "listNotifications",
    "reddit": "/message/inbox",
    "github": "/notifications",
}


@contextmanager
def served_fleet(
    mastodon: int, bluesky: int, reddit: int, github_threads: int
) -> Iterator[FakeFleet]:
    """The fakes with that many mentions each (GitHub: threads of two comments)."""
    with FakeFleet.start() as started:
        started.fakes["mastodon"].populate(mastodon)  # type: ignore[attr-defined]
        started.fakes["bluesky"].populate(bluesky)  # type: ignore[attr-defined]
        started.fakes["reddit"].populate(reddit)  # type: ignore[attr-defined]
        started.fakes["github"].populate(github_threads, 2)  # type: ignore[attr-defined]
        yield started
