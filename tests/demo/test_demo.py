"""The demo workspace: built through the real path, with something in every view."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from core.cli.main import run
from core.models import ReplyState
from core.query import QueryContext, parse_query, to_sql
from core.store.repository import Store
from core.timeutil import utcnow
from core.workspace import Workspace

pytestmark = pytest.mark.slow


def build(home: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    code = run(["demo", "--home", str(home), "--no-open"], open_app=_no_app)
    out = capsys.readouterr().out
    assert code == 0
    assert "demo workspace ready" in out
    return Workspace.load(str(home))


def _no_app(workspace: object) -> int:
    raise AssertionError("--no-open must not open the app")


async def count(store: Store, query: str) -> int:
    context = QueryContext(now=utcnow(), target_response=timedelta(hours=4))
    return len(await store.query_items(to_sql(parse_query(query), context), limit=10_000))


def test_the_demo_has_content_for_every_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = build(tmp_path / "demo", capsys)
    assert {a.platform for a in workspace.config.accounts} == {
        "mastodon",
        "bluesky",
        "reddit",
        "github",
    }

    async def views() -> dict[str, int]:
        store = await workspace.open_store()
        try:
            found = {
                name: await count(store, query)
                for name, query in {
                    "all": "",
                    "owed": "is:owed",
                    "flagged": "is:flagged",
                    "questions": "is:question",
                    "negative": "tone:negative",
                    "positive": "tone:positive",
                    "search": "plugin",
                    "mastodon": "platform:mastodon",
                    "bluesky": "platform:bluesky",
                    "reddit": "platform:reddit",
                    "github": "platform:github",
                    "dm": "kind:direct",
                }.items()
            }
            found["contacts"] = int((await store._one("SELECT count(*) FROM contacts"))[0])
            return found
        finally:
            await store.close()

    found = asyncio.run(views())
    assert found["all"] >= 500
    for name, value in found.items():
        assert value > 0, f"the demo has nothing for {name}"
    assert found["contacts"] >= 200
    assert found["flagged"] < found["all"] / 3  # flags must stay meaningful


def test_reopening_a_demo_adds_nothing_and_a_reply_reaches_the_fakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "demo"
    workspace = build(home, capsys)
    seen: dict[str, object] = {}

    def app(opened: object) -> int:
        assert isinstance(opened, Workspace)
        seen["urls"] = [a.base_url for a in opened.config.accounts]

        async def reply() -> None:
            store = await opened.open_store()
            [item] = await store.items_page("accounts.platform = 'mastodon'", (), limit=1)
            assert item.id is not None
            await store.queue_reply(item.id, item.account, "Thanks, looking into it!", None, False)
            seen["item"] = item.id
            await store.close()

        asyncio.run(reply())
        # The app's own sync would send it; here the headless one does, fakes still running.
        return run(["sync", "--json"], open_app=_no_app)

    monkeypatch.setenv("RAPPORT_HOME", str(home))
    code = run([], open_app=app)
    assert code == 0
    summary = capsys.readouterr().out
    assert '"new": 0' in summary
    assert '"sent": 1' in summary

    async def sent() -> list[ReplyState]:
        store = await workspace.open_store()
        item_id = seen["item"]
        assert isinstance(item_id, int)
        replies = await store.replies_for(item_id)
        await store.close()
        return [r.state for r in replies]

    assert asyncio.run(sent()) == [ReplyState.SENT]


def test_a_real_workspace_is_never_turned_into_a_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.config import AccountConfig, add_account
    from core.paths import resolve_paths

    home = tmp_path / "real"
    paths = resolve_paths(home)
    add_account(paths, AccountConfig(name="me", platform="github", base_url="https://x.example"))
    before = paths.config_file.read_text()
    code = run(["demo", "--home", str(home), "--no-open"], open_app=_no_app)
    assert code == 2
    assert "already holds a real workspace" in capsys.readouterr().err
    assert paths.config_file.read_text() == before
