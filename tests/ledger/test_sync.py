"""The sync engine stores the user's own posts (replies made outside Rapport) for the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from core.clock import FakeClock
from core.connectors.base import AuthError, Page
from core.connectors.registry import connector_class
from core.fakes.github import GitHubFake
from core.fakes.harness import credentials_for, make_fake
from core.ledger import Ledger
from core.models import JSON, Account
from core.secrets import Credentials
from core.store.repository import Store
from core.sync.engine import SyncEngine
from tests.ledger.history import HOUR, MINUTE, at, incoming, own_post, person
from tests.sync.scripted import Script, ScriptedConnector

MARIA = person("109-maria", "@maria@fosstodon.org", "Maria")
ACCOUNT = Account(name="work", platform="mastodon", base_url="https://social.example")


class OwnPostsConnector(ScriptedConnector):
    """Two pages: the first carries a reply the user made on the platform before Rapport
    existed (older than the items it answers is impossible, so: answering m1), the second an
    own post answering m3 and one later in m2's thread."""

    streams: ClassVar[tuple[str, ...]] = ("notifications",)

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        position = int((cursor or {}).get("position", 0))
        pages = [
            Page(
                stream,
                [incoming("m1", MARIA, at()), incoming("m2", MARIA, at(hours=1), thread="t")],
                {"position": 1},
                own_posts=[own_post("o1", at(minutes=20), parent="m1")],
            ),
            Page(
                stream,
                [incoming("m3", MARIA, at(hours=2))],
                {"position": 2},
                own_posts=[
                    own_post("o3", at(hours=2, minutes=5), parent="m3"),
                    own_post("o-t", at(hours=4), parent="t"),
                ],
            ),
        ]
        for page in pages[position:]:
            self.script.tick()
            yield page


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "rapport.db")
    yield opened
    await opened.close()


def engine(store: Store, connector: type[ScriptedConnector], script: Script) -> SyncEngine:
    def factory(account: Account, credentials: Credentials, client: Any) -> ScriptedConnector:
        return connector(account, credentials, client, script)

    return SyncEngine(
        store,
        lambda name: Credentials({"token": "t"}),
        connector_factory=factory,
        clock=FakeClock(),
        client=httpx.AsyncClient(),
    )


async def test_own_posts_on_pages_are_stored_and_answer_their_items(store: Store) -> None:
    summary = await engine(store, OwnPostsConnector, Script()).run([ACCOUNT], send=False)
    assert summary.ok
    assert await store.own_post_count("work") == 3
    answers = {}
    for remote_id in ("m1", "m2", "m3"):
        item = await store.item_by_remote("work", remote_id)
        assert item is not None
        assert item.id is not None
        answers[remote_id] = await store.item_answer(item.id)
    assert answers == {
        "m1": (at(minutes=20).timestamp(), "platform"),
        "m2": (at(hours=4).timestamp(), "thread"),
        "m3": (at(hours=2, minutes=5).timestamp(), "platform"),
    }
    maria = (await Ledger(store, now=at(days=1), tz=UTC).contacts())[0]
    assert (maria.received, maria.answered, maria.streak) == (3, 3, 0)
    assert maria.median_reply == 20 * MINUTE
    assert maria.p90_reply == 3 * HOUR


async def test_a_rerun_after_an_interruption_stores_own_posts_once(store: Store) -> None:
    script = Script(failures={2: AuthError("token revoked mid-sync")})
    first = await engine(store, OwnPostsConnector, script).run([ACCOUNT], send=False)
    assert not first.ok
    assert await store.own_post_count("work") == 1  # the first page's, with its items
    for _ in range(2):
        again = await engine(store, OwnPostsConnector, Script()).run([ACCOUNT], send=False)
        assert again.ok
        assert await store.own_post_count("work") == 3


async def test_github_own_comments_answer_their_threads(store: Store) -> None:
    clock = FakeClock(start=datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    fake = make_fake("github", clock.time)
    assert isinstance(fake, GitHubFake)
    fake.populate(40, 4)
    hub = Account("hub", "github", "https://github.example")
    client = httpx.AsyncClient(transport=fake.transport())

    def factory(account: Account, credentials: Credentials, _: Any) -> Any:
        return connector_class("github")(account, credentials, client, clock=clock.time)  # type: ignore[call-arg]

    sync = SyncEngine(
        store,
        lambda name: Credentials(credentials_for(fake)),
        connector_factory=factory,
        clock=clock,
        client=httpx.AsyncClient(),
    )
    summary = await sync.run([hub], send=False)
    await client.aclose()
    assert summary.ok, summary.accounts[0].error

    mine = [
        c
        for comments in (*fake.issue_comments.values(), *fake.review_comments.values())
        for c in comments
        if c["author"] == fake.login
    ]
    assert mine, "the fake's data has comments of ours"
    assert await store.own_post_count("hub") == len(mine)
    # Every stored item older than one of our comments in its thread counts as answered.
    rows = await store._all(
        "SELECT items.id, EXISTS (SELECT 1 FROM own_posts o WHERE o.account_id = "
        "items.account_id AND o.thread_root_id = items.thread_root_id "
        "AND o.created_at > items.created_at) FROM items"
    )
    expected = {int(r[0]) for r in rows if r[1]}
    answered = {int(r[0]) for r in await store._all("SELECT item_id FROM item_answers")}
    assert expected
    assert answered == expected
