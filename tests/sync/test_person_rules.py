"""A `person` rule: items from any contact linked to that person are caught at sync, and
`rapport rules test` counts them among stored items."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import httpx
import pytest

from core.cli.main import run
from core.clock import FakeClock
from core.models import Account
from core.paths import resolve_paths
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.setup import build_engine
from core.workspace import Workspace
from tests.sync.scripted import Script, ScriptedConnector

CONFIG = """\
[[accounts]]
name = "alpha"
platform = "mastodon"
base_url = "https://a.example"

[[rules]]
name = "maria first"
person = "maria lópez"
tag = ["maria"]
important = true

[[rules]]
name = "ghost"
person = "Nobody Known"
tag = ["ghost"]
"""


def engine(workspace: Workspace, store: Store, script: Script) -> SyncEngine:
    def factory(account: Account, credentials: Credentials, client: httpx.AsyncClient) -> object:
        return ScriptedConnector(account, credentials, client, script)

    return build_engine(
        workspace,
        store,
        analyze=None,
        connector_factory=factory,
        clock=FakeClock(),
        client=httpx.AsyncClient(),
    )


async def link_maria(store: Store) -> None:
    """Link the authors of status-1 (acct-1) and status-2 (acct-2) as one person."""
    first = await store.item_by_remote("alpha", "status-1")
    second = await store.item_by_remote("alpha", "status-2")
    assert first is not None
    assert second is not None
    assert first.author.id is not None
    assert second.author.id is not None
    await store.link_contacts(first.author.id, second.author.id, "Maria López")


async def sync_link_sync(workspace: Workspace) -> dict[str, tuple[list[str], bool, list[str]]]:
    store = await workspace.open_store()
    try:
        script = Script(total=14)
        sync = engine(workspace, store, script)
        await sync.run(workspace.accounts(), send=False)
        await link_maria(store)
        script.total = 28
        await sync.run(workspace.accounts(), send=False)  # the same engine: links re-read
        await sync.aclose()
        seen = {}
        for n in range(1, 29):
            item = await store.item_by_remote("alpha", f"status-{n}")
            assert item is not None
            assert item.id is not None
            history = [
                detail for _, action, detail in await store.history(item.id) if action == "rule"
            ]
            seen[item.author.remote_id + f"/{n}"] = (item.tags, item.important, history)
        return seen
    finally:
        await store.close()


def test_a_person_rule_catches_every_linked_contact_from_the_next_sync_on(
    rapport_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text(CONFIG)
    workspace = Workspace.load()
    workspace.secrets.save("alpha", {"token": "token-of-alpha"})
    seen = asyncio.run(sync_link_sync(workspace))

    caught = sorted(key for key, (tags, _, _) in seen.items() if "maria" in tags)
    # Items 15..28 arrived after the link; those by acct-1 or acct-2 are Maria's.
    assert caught == ["acct-1/15", "acct-1/22", "acct-2/16", "acct-2/23"]
    assert all(seen[key][1] for key in caught)
    assert all(seen[key][2] == ["maria first"] for key in caught)
    # Before the link nothing was caught; nobody is caught by the rule on an unknown person.
    assert seen["acct-1/1"] == ([], False, [])
    assert not any("ghost" in tags for tags, _, _ in seen.values())

    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        code = run(["rules", "test", "--since", "2026-10-01"], open_app=lambda w: 0)
    finally:
        sys.stdin = old
    out = capsys.readouterr().out
    assert code == 0
    # Stored items by either contact, before and after the link: 1, 2, 8, 9, 15, 16, 22, 23.
    assert "maria first: 8 of 28 items" in out
    assert "ghost: 0 of 28 items" in out
    assert "no person is named 'Nobody Known'" in out
