from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.models import Account
from core.store.repository import Store
from tests.ledger.history import History, StoreClock


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "ledger.db")
    for name, platform in (("work", "mastodon"), ("sky", "bluesky"), ("hub", "github")):
        await opened.ensure_account(Account(name, platform, f"https://{platform}.example"))
    yield opened
    await opened.close()


@pytest.fixture
def history(store: Store, monkeypatch: pytest.MonkeyPatch) -> History:
    return History(store, StoreClock(monkeypatch))
