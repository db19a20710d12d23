"""The app's inbox queries (part of the repository; see core.store.base)."""

from __future__ import annotations

from core.store.base import StoreBase


class InboxQueries(StoreBase):
    pass
