"""The demo workspace: built through the real path, with something in every view."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.cli.main import run
from core.models import ReplyState
from core.query import QueryContext, parse_query, to_sql
from core.store.repository import Store
from core.timeutil import utcnow
from core.workspace import Workspace

pytestmark = pytest.mark.slow


def build(home: Path, capsys: pytest.CaptureFixture[str]) -> Workspace:
    return build_with_output(home, capsys)[0]


def build_with_output(home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Workspace, str, str]:
    code = run(["demo", "--home", str(home), "--no-open"], open_app=_no_app)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "demo workspace ready" in out
    return Workspace.load(str(home)), out, err


def cli_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path, *args: str
) -> Any:
    """A headless command on the demo workspace, as a user would run it, its JSON parsed."""
    monkeypatch.setenv("RAPPORT_HOME", str(home))
    code = run(list(args), open_app=_no_app)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _no_app(workspace: object) -> int:
    raise AssertionError("--no-open must not open the app")


async def count(store: Store, query: str) -> int:
    context = QueryContext(now=utcnow(), target_response=timedelta(hours=4))
    return len(await store.query_items(to_sql(parse_query(query), context), limit=10_000))


def test_the_demo_has_content_for_every_view(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "demo"
    workspace, out, err = build_with_output(home, capsys)
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

    # `rapport contacts`: the ledger behind it, neglected people included.
    contacts = cli_json(capsys, monkeypatch, home, "contacts", "--json")
    assert len(contacts) >= 200
    kinds = {flag["kind"] for c in contacts for flag in c["flags"]}
    assert {"owed", "neglected", "waiting"} <= kinds, kinds
    assert any(c["reply_rate"] and c["median_reply_seconds"] for c in contacts)
    assert {p for c in contacts for p in c["platforms"]} == set(PLATFORMS)

    # `rapport contacts suggest`: people with accounts on two platforms, with the evidence.
    suggestions = cli_json(capsys, monkeypatch, home, "contacts", "suggest", "--json")
    cross = [
        s
        for s in suggestions
        if s["label_a"].rsplit("(", 1)[-1] != s["label_b"].rsplit("(", 1)[-1] and s["evidence"]
    ]
    assert cross, suggestions[:3]
    assert all(isinstance(why, str) and why for s in cross for why in s["evidence"])

    # `rapport stats`: volume and reply times, and a spike or someone worth thanking.
    stats = cli_json(capsys, monkeypatch, home, "stats", "--json")
    assert stats["overall"]["items"] == found["all"]
    assert stats["overall"]["reply_rate"]
    assert stats["overall"]["median_reply_seconds"]
    assert stats["spikes"] or stats["celebrate"]
    assert len([d for d in stats["daily"] if d["items"]]) >= 28  # weeks of history

    # Threads: replies have the posts above them, fetched from the platforms as the app does,
    # the user's own posts among them marked as the user's.
    threads = asyncio.run(thread_context(workspace))
    for platform in PLATFORMS:
        assert threads[platform][0] > 0, f"no {platform} reply has a thread above it"
    assert all(threads[p][1] > 0 for p in ("mastodon", "bluesky", "reddit")), threads

    # The summary says what was stored: the store's counts, people = `rapport contacts`.
    ready = re.search(r"ready in .*?: (\d+) messages from (\d+) contacts \(([^)]*)\)", out)
    assert ready is not None, out
    assert int(ready.group(1)) == found["all"]
    assert int(ready.group(2)) == len(contacts)
    for part in ready.group(3).split(", "):
        platform, number = part.split(" ")
        assert int(number) == found[platform], part
    synced = re.search(r"synced 4 accounts in [\d.]+ s: (\d+) new", err)
    assert synced is not None, err
    assert int(synced.group(1)) == found["all"]
    # Whatever was skipped says why.
    for line in err.splitlines():
        if " skipped" in line:
            assert re.search(r"\d+ skipped: not ", line), line


PLATFORMS = ("mastodon", "bluesky", "reddit", "github")


async def thread_context(workspace: Workspace) -> dict[str, tuple[int, int]]:
    """Per platform: how many stored replies have posts above them (up to 5 are fetched), and
    how many of those posts are the user's own."""
    from core.connectors.registry import connector_class
    from core.demo.runtime import demo_fleet
    from core.http_client import make_client

    found: dict[str, tuple[int, int]] = {}
    with demo_fleet(workspace):
        workspace.reload()
        store = await workspace.open_store()
        try:
            async with make_client() as client:
                for account in workspace.accounts():
                    credentials = workspace.secrets.load(account.name)
                    assert credentials is not None
                    connector = connector_class(account.platform)(account, credentials, client)
                    replies = await store.items_page(
                        "accounts.name = ? AND items.kind IN ('reply', 'comment', 'review')",
                        (account.name,),
                        limit=20,
                    )
                    with_thread = own = 0
                    for reply in replies:
                        if reply.platform_data.get("comment_kind") == "opening":
                            continue  # a new issue: nothing above it
                        posts = await connector.fetch_context(reply)
                        with_thread += bool(posts)
                        own += sum(p.is_own for p in posts)
                        if with_thread == 5:
                            break
                    found[account.platform] = (with_thread, own)
        finally:
            await store.close()
    return found


def test_without_home_the_demo_workspace_is_kept_and_old_ones_are_cleaned_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile
    import time

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    week = 7 * 86_400

    def demo_folder(name: str, age: float, demo: bool = True) -> Path:
        folder = tmp_path / name
        (folder / "config").mkdir(parents=True)
        text = "[demo]\nitems = 10\nanchor = 1.0\n" if demo else "[general]\n"
        (folder / "config" / "config.toml").write_text(text)
        then = time.time() - age
        for path in (folder / "config" / "config.toml", folder / "config", folder):
            os.utime(path, (then, then))
        return folder

    old = demo_folder("rapport-demo-old", week + 3600)
    recent = demo_folder("rapport-demo-recent", week - 3600)
    not_a_demo = demo_folder("rapport-demo-mine", 2 * week, demo=False)

    opened: list[Path] = []

    def app(workspace: object) -> int:
        assert isinstance(workspace, Workspace)
        opened.append(workspace.paths.config_dir.parent)
        return 0

    code = run(["demo", "--items", "10"], open_app=app)
    _, err = capsys.readouterr()
    assert code == 0, err
    assert not old.exists()
    assert recent.exists()
    assert not_a_demo.exists()
    assert f"Removed 1 demo workspace older than a week from {tmp_path}." in err
    [home] = opened
    assert home.parent == tmp_path
    assert home.name.startswith("rapport-demo-")
    assert home.exists()
    # Said after the app has closed, last, so it is what the user sees on the terminal.
    assert err.rstrip().splitlines()[-1] == (
        f"Demo workspace kept in {home} (a later `rapport demo` removes it once unused for a "
        f"week). Reopen it with: RAPPORT_HOME={home} rapport"
    )


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
