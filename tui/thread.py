"""Which cached posts sit above an item in its thread (the cache is keyed by thread root)."""

from __future__ import annotations

from collections.abc import Sequence

from core.models import ContextPost, Item, ItemKind

#: Kinds that answer something: there is a conversation above them to show.
_ANSWERS = (ItemKind.REPLY, ItemKind.COMMENT, ItemKind.REVIEW, ItemKind.QUOTE)


def wants_thread(item: Item) -> bool:
    return bool(item.parent_id) or item.kind in _ANSWERS


def thread_root(item: Item) -> str:
    """The key its thread is cached under (the same for every item of the thread)."""
    return item.thread_root_id or item.parent_id or item.remote_id


def thread_above(item: Item, posts: Sequence[ContextPost]) -> list[ContextPost]:
    """The posts above `item`, root first.

    With a parent, follow parent links up from it (a cached thread may hold other branches).
    Without one (a GitHub comment: the issue and the comments before it are its context),
    everything of the thread older than the item."""
    if item.parent_id:
        by_id = {p.remote_id: p for p in posts}
        chain: list[ContextPost] = []
        current = item.parent_id
        while current in by_id and len(chain) < 50:
            post = by_id[current]
            if post in chain:
                break
            chain.append(post)
            current = post.parent_id
        return list(reversed(chain))
    earlier = [
        p for p in posts if p.remote_id != item.remote_id and p.created_at <= item.created_at
    ]
    return sorted(earlier, key=lambda p: p.created_at)
