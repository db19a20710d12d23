"""The preview's thread (cached, fetched, failing inline), the sync status line, and what the
app does not load at start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

from core.models import Contact, ContextPost
from core.sync.progress import AccountProgress, Phase, SyncSummary
from core.timeutil import to_epoch
from core.workspace import Workspace
from tests.tui.conftest import (
    NOW,
    SIZE,
    StubAnalyzer,
    item,
    make_app,
    screen_text,
    seed,
    settle,
    until,
)
from tui.messages import SyncFinished, SyncProgressed
from tui.screens.inbox import InboxScreen
from tui.services import Services
from tui.widgets.preview import PreviewPane
from tui.widgets.sync_status import SyncStatus


def reply_item():  # type: ignore[no-untyped-def]
    return item(1, text="I disagree with your last point", parent_id="p-2",
                thread_root_id="p-1")  # fmt: skip


def older_item():  # type: ignore[no-untyped-def]
    """Somewhere to move to and back from (j, k): on a list of one item they go nowhere."""
    return item(2, text="An older message, not in a thread")


def post(remote_id: str, parent: str, text: str) -> ContextPost:
    return ContextPost(
        remote_id=remote_id,
        author=Contact("mastodon", "you", "@me", "Me"),
        text=text,
        created_at=NOW - timedelta(hours=2),
        parent_id=parent,
        is_own=remote_id == "p-2",
    )


async def test_cached_thread_is_shown_above_the_message() -> None:
    await seed([reply_item(), older_item()])
    store_posts = [post("p-1", "", "The original question"), post("p-2", "p-1", "My answer")]
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.services.store.save_context("work", "p-1", store_posts)  # type: ignore[union-attr]
        await pilot.press("j", "k")  # come back: the details load again
        preview = app.screen.query_one(PreviewPane)
        await until(pilot, lambda: "My answer" in preview.text_of("thread"), "the thread to show")
        await settle(pilot)
        thread = preview.text_of("thread")
        assert "The original question" in thread
        assert "My answer" in thread
        assert thread.index("The original question") < thread.index("My answer")
        assert "you" in thread  # our own post is marked as ours


async def test_thread_fetch_failure_is_shown_inline(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[str] = []

    async def refuse(self: Services, entry):  # type: ignore[no-untyped-def]
        calls.append(entry.remote_id)
        raise RuntimeError("thread context: not found on the platform (HTTP 404)")

    monkeypatch.setattr(Services, "can_fetch", lambda self, account: True)
    monkeypatch.setattr(Services, "fetch_context", refuse)
    await seed([reply_item(), older_item()])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "thread unavailable: thread context: not found" in screen_text(app)
        assert calls == ["mastodon-1"]
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        first = screen.details_for
        assert first is not None
        await pilot.press("j")
        await until(
            pilot, lambda: screen.details_for not in (None, first), "the next item's details"
        )
        await pilot.press("k")  # the failure is remembered: no second request
        await until(pilot, lambda: screen.details_for == first, "the details to load again")
        await settle(pilot)
        assert "thread unavailable: thread context: not found" in screen_text(app)
        assert calls == ["mastodon-1"]


async def test_thread_of_an_unconfigured_account_says_so() -> None:
    await seed([reply_item()])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the preview has the item's details
        assert "thread not cached" in screen_text(app)


async def test_sync_status_line_per_account() -> None:
    await seed([item(1)])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        limited_until = to_epoch(NOW + timedelta(minutes=15))
        progress = [
            AccountProgress("work", "mastodon", phase=Phase.SYNCING),
            AccountProgress("sky", "bluesky", phase=Phase.RATE_LIMITED,
                            wait_until=limited_until),
            AccountProgress("oss", "github", phase=Phase.FAILED,
                            error="the platform refused the credentials (HTTP 401)"),
        ]  # fmt: skip
        for entry in progress:
            app.post_message(SyncProgressed(entry))
        status_line = app.screen.query_one(SyncStatus)
        await until(pilot, lambda: "oss" in str(status_line.render()), "the last progress shown")
        status = str(status_line.render())
        assert "work syncing" in status
        assert "sky rate-limited until 12:15" in status
        assert "oss failed: the platform refused the credentials" in status
        progress[0].phase = Phase.OK
        app.post_message(SyncFinished(SyncSummary(accounts=[progress[0]])))
        await until(pilot, lambda: app.sync_rounds == 1, "the finished round to be handled")
        assert "✓ work" in str(app.screen.query_one(SyncStatus).render())
        app.post_message(SyncFinished(None, "sync running elsewhere"))
        await until(pilot, lambda: app.sync_rounds == 2, "the skipped round to be handled")
        assert "sync running elsewhere" in str(app.screen.query_one(SyncStatus).render())


def test_the_analyser_and_connectors_are_not_loaded_at_start() -> None:
    """Start-up time: the tone analyser loads on first use, connectors on the first fetch."""
    home = Workspace.load().paths.config_dir.parent
    script = textwrap.dedent(
        f"""
        import asyncio, os, sys
        os.environ["RAPPORT_HOME"] = {str(home)!r}
        from core.workspace import Workspace
        from tests.tui.waits import settle
        from tui.app import RapportApp

        async def main():
            app = RapportApp(Workspace.load(), background_sync=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)  # started: the list, the preview's details, the counts
                assert app.screen.details_for is not None, "no item's details were shown"
            heavy = [m for m in ("core.analysis.analyzer", "core.connectors.mastodon",
                                 "core.sync.engine", "httpx") if m in sys.modules]
            print("LOADED", heavy)

        asyncio.run(main())
        """
    )
    import asyncio

    asyncio.run(seed([item(1), item(2)]))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


async def test_times_a_moment_ago_read_just_now() -> None:
    from core.models import Reply, ReplyState

    await seed([item(1, text="Sent a moment ago", minutes_ago=0.2), older_item()])
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        preview = app.screen.query_one(PreviewPane)
        assert "(just now)" in preview.text_of("head")
        row = preview.row
        assert row is not None
        assert row.item.id is not None
        moment = NOW - timedelta(seconds=10)
        sent = Reply(row.item.id, "work", "Thanks!", ReplyState.SENT, sent_at=moment)
        forced = Reply(row.item.id, "work", "Fine.", ReplyState.QUEUED, forced=True)
        forced.created_at = moment
        preview.show_replies(row.item.id, [sent, forced], NOW)
        replies = preview.text_of("replies")
        assert "sent just now" in replies
        assert "queued just now" in replies
        assert "queued despite a conflict flag" in replies  # not sent yet: never "sent despite"
        assert "sent despite" not in replies
        assert "now ago" not in screen_text(app)
        posts = [
            ContextPost("p-1", Contact("mastodon", "x", "@x", "X"), "Above", moment, is_own=False)
        ]
        preview.show_thread(row.item.id, posts, "", NOW)
        assert "X  just now" in preview.text_of("thread")
