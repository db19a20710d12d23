"""The consistency ledger's queries (part of the repository; see core.store.base)."""

from __future__ import annotations

from core.store.base import StoreBase


class LedgerQueries(StoreBase):
    pass
