"""The tone check at sync, as `build_engine` wires it for `rapport sync` and the app: each new
item is checked with its thread so far (a thread that keeps getting angrier is flagged as it
arrives), and the user's own posts on the platform are scored, so the ledger's "tone you gave"
and the composer's "colder than usual" count replies made outside Rapport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
import pytest

from core.analysis import ToneAnalyzer
from core.clock import FakeClock
from core.connectors.base import Connector, Identity, Page, PostedReply
from core.ledger import Ledger
from core.models import JSON, Account, Contact, ContextPost, Item, ItemKind
from core.outbox import queue_reply
from core.paths import resolve_paths
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from core.sync.setup import build_engine
from core.workspace import Workspace

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONFIG = """\
[[accounts]]
name = "alpha"
platform = "mastodon"
base_url = "https://a.example"
"""
ME = Contact("mastodon", "me", "@me@a.example", "Me")
MARIA = Contact("mastodon", "maria", "@maria@a.example", "Maria López")
KEN = Contact("mastodon", "ken", "@ken@a.example", "Ken Adams")
NEWCOMER = Contact("mastodon", "new", "@new@a.example", "Nia New")

#: A thread turning sour turn by turn; the third alone reads as disappointed, not a fight.
ANGRIER = [
    "Thanks for the release, the new parser looks great!",
    "Hmm, the parser now fails on my files. Any idea?",
    "I'm really disappointed. This release broke everything for us.",
]
ESCALATING = "thread is escalating"


def turn(n: int, text: str, *, author: Contact = KEN, thread: str = "t-1", minutes: int) -> Item:
    return Item(
        account="alpha",
        platform="mastodon",
        remote_id=f"s-{n}",
        kind=ItemKind.REPLY,
        author=author,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        thread_root_id=thread,
        parent_id=thread,
    )


def own(n: int, parent: str, text: str, *, minutes: int) -> ContextPost:
    return ContextPost(
        remote_id=f"own-{n}",
        author=ME,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        parent_id=parent,
        is_own=True,
    )


class PagesConnector(Connector):
    """Hands out the pages it is given, one run after another (the cursor counts pages)."""

    platform: ClassVar[str] = "mastodon"
    streams: ClassVar[tuple[str, ...]] = ("notifications",)
    pages: ClassVar[list[Page]] = []

    async def verify(self) -> Identity:
        return Identity(remote_id="me", handle="@me@a.example")

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        position = int((cursor or {}).get("position", 0))
        while position < len(self.pages):
            page = self.pages[position]
            position += 1
            yield Page(stream, list(page.items), {"position": position}, 0, {}, page.own_posts)

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        return []

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        raise AssertionError("nothing is sent here")


@pytest.fixture
def workspace() -> Workspace:
    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text(CONFIG)
    loaded = Workspace.load()
    loaded.secrets.save("alpha", {"token": "token-of-alpha"})
    return loaded


@pytest.fixture(scope="module")
def analyzer() -> ToneAnalyzer:
    return ToneAnalyzer()  # loaded once for the module: the models take a moment


def engine(workspace: Workspace, store: Store, analyzer: ToneAnalyzer) -> SyncEngine:
    def factory(account: Account, credentials: Credentials, client: httpx.AsyncClient) -> Any:
        return PagesConnector(account, credentials, client)

    return build_engine(
        workspace,
        store,
        analyzer=analyzer,
        connector_factory=factory,
        clock=FakeClock(),
        client=httpx.AsyncClient(),
    )


async def sync(workspace: Workspace, analyzer: ToneAnalyzer, *pages: Page) -> Store:
    PagesConnector.pages = list(pages)
    store = await workspace.open_store()
    runner = engine(workspace, store, analyzer)
    summary = await runner.run(workspace.accounts(), send=False)
    await runner.aclose()
    assert summary.ok, [a.error for a in summary.accounts]
    return store


def page(*items: Item, own_posts: Sequence[ContextPost] = ()) -> Page:
    return Page("notifications", list(items), {}, own_posts=list(own_posts))


async def reasons_of(store: Store, remote_id: str) -> tuple[bool, list[str]]:
    item = await store.item_by_remote("alpha", remote_id)
    assert item is not None
    return item.tone.conflict, item.tone.reasons


# ---- escalation at ingest --------------------------------------------------------------------


async def test_the_third_sour_turn_is_flagged_as_escalating_in_one_page(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    # Streams list newest first: the page holds the thread's turns in reverse.
    turns = [turn(n, text, minutes=10 * n) for n, text in enumerate(ANGRIER, start=1)]
    store = await sync(workspace, analyzer, page(*reversed(turns)))
    try:
        conflict, reasons = await reasons_of(store, "s-3")
        assert conflict
        assert any(ESCALATING in r for r in reasons), reasons
        # Alone, the same message is not a conflict: the thread is what flags it.
        assert not analyzer.check(ANGRIER[2], role="incoming").conflict
        for earlier in ("s-1", "s-2"):
            assert (await reasons_of(store, earlier))[0] is False
    finally:
        await store.close()


async def test_the_third_sour_turn_is_flagged_when_the_first_two_were_stored_before(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    first, second, third = (turn(n, t, minutes=10 * n) for n, t in enumerate(ANGRIER, start=1))
    # Another thread of the same account, and one with the same root on another author's
    # side, must not leak in: only account + thread root make a thread.
    other = turn(9, "Thanks, all good here!", thread="t-2", minutes=5)
    store = await sync(workspace, analyzer, page(second, first, other), page(third))
    try:
        conflict, reasons = await reasons_of(store, "s-3")
        assert conflict
        assert any(ESCALATING in r and "over 3 posts" in r for r in reasons), reasons
    finally:
        await store.close()


async def test_a_calm_answer_in_a_sour_thread_is_not_escalation(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    turns = [turn(n, text, minutes=10 * n) for n, text in enumerate(ANGRIER, start=1)]
    calm = turn(4, "Found it: my config was stale. Works now, thanks!", minutes=40)
    store = await sync(workspace, analyzer, page(*reversed(turns)), page(calm))
    try:
        conflict, reasons = await reasons_of(store, "s-4")
        assert not conflict
        assert not any(ESCALATING in r for r in reasons)
    finally:
        await store.close()


async def test_the_thread_so_far_is_the_last_five_earlier_turns_oldest_first(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    stored = [turn(n, f"turn {n}", minutes=10 * n) for n in (1, 2, 3, 5, 7)]
    store = await sync(workspace, analyzer, page(*stored))
    try:
        # Not stored yet: 4, 6 and 8, interleaved in time with the stored ones; a repeat of 8.
        fresh = [turn(n, f"turn {n}", minutes=10 * n) for n in (8, 6, 4)]
        lone = turn(20, "no thread", thread="", minutes=1)
        threads = await store.thread_so_far([*fresh, fresh[0], lone])
        assert threads == [
            ["turn 3", "turn 4", "turn 5", "turn 6", "turn 7"],
            ["turn 1", "turn 2", "turn 3", "turn 4", "turn 5"],
            ["turn 1", "turn 2", "turn 3"],
            ["turn 3", "turn 4", "turn 5", "turn 6", "turn 7"],
            [],
        ]
    finally:
        await store.close()


async def test_the_thread_so_far_costs_one_store_query_per_commit(
    workspace: Workspace, analyzer: ToneAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    original = Store.thread_texts

    async def counted(self: Store, account: str, questions: Any) -> Any:
        asked.append(len(questions))
        return await original(self, account, questions)

    monkeypatch.setattr(Store, "thread_texts", counted)
    pages = [
        page(*(turn(10 * p + n, f"page {p} turn {n}", minutes=10 * p + n) for n in range(8)))
        for p in range(3)
    ]
    store = await sync(workspace, analyzer, *pages)
    await store.close()
    # One question per item, asked once for the pages committed together (read quickly, the
    # three usually go in one transaction), never one query per item.
    assert sum(asked) == 24
    assert all(n % 8 == 0 for n in asked), asked


# ---- own posts: the tone the user gave on the platform ---------------------------------------

WARM = [
    "Thank you so much Maria, this is wonderful work, really appreciate it!",
    "Great catch, thanks a lot! Merged, you're brilliant.",
    "Lovely, thank you! Happy to help any time :)",
]


def maria_history() -> list[Page]:
    """Maria writes three times; the user answered each warmly on the platform. The page
    carries the own posts before the items they answer (as stored: own posts first)."""
    questions = [
        turn(n, f"Question {n} about the parser?", author=MARIA, thread=f"m-{n}", minutes=60 * n)
        for n in (1, 2, 3)
    ]
    answers = [
        own(n, f"s-{n}", text, minutes=60 * n + 5) for n, text in zip((1, 2, 3), WARM, strict=True)
    ]
    return [page(*questions[:2], own_posts=answers), page(questions[2])]


async def test_own_posts_are_scored_at_sync_and_count_as_tone_given(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    store = await sync(workspace, analyzer, *maria_history())
    try:
        rows = await store._all("SELECT remote_id, polarity FROM own_posts ORDER BY remote_id")
        expected = [round(analyzer.polarity(text), 4) for text in WARM]
        assert [r[0] for r in rows] == ["own-1", "own-2", "own-3"]
        assert [r[1] for r in rows] == pytest.approx(expected)
        maria = await store.item_by_remote("alpha", "s-1")
        assert maria is not None
        assert maria.author.id is not None
        summary = await Ledger(store, now=T0 + timedelta(days=1)).contact_summary(maria.author.id)
        assert summary.tone_given is not None
        assert summary.tone_given == pytest.approx(sum(expected) / 3)
        assert summary.tone_given > 0.3
    finally:
        await store.close()


async def test_a_curt_draft_to_someone_answered_warmly_on_the_platform_is_colder_than_usual(
    workspace: Workspace, analyzer: ToneAnalyzer
) -> None:
    newcomer = turn(7, "Question about the parser?", author=NEWCOMER, thread="n-1", minutes=500)
    store = await sync(workspace, analyzer, *maria_history(), page(newcomer))
    try:
        curt = "Stop asking about this."
        maria = await store.item_by_remote("alpha", "s-3")
        assert maria is not None
        assert maria.id is not None
        refused = await queue_reply(store, analyzer, maria.id, curt)
        assert refused.refused
        assert any(
            "colder than usual with Maria López" in label for label in refused.verdict.labels
        ), refused.verdict.labels
        # Someone the user never answered: no usual tone to compare with, and it goes out.
        new = await store.item_by_remote("alpha", "s-7")
        assert new is not None
        assert new.id is not None
        queued = await queue_reply(store, analyzer, new.id, curt)
        assert not queued.refused
        assert not any("colder" in label for label in queued.verdict.labels)
    finally:
        await store.close()
