"""The "own" stream of the Mastodon, Bluesky and Reddit connectors, against their fakes.

The consistency ledger counts replies the user made outside Rapport (before the first sync, or
on the platform since). Each connector reports them on pages of its "own" stream: no items,
only `own_posts`, each one of the user's replies with `parent_id` in the same id scheme as the
inbox items' `remote_id`, so the ledger can match the two. The shared tests run once per
platform through a small rig; the platform sections after them check what only one has.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core.connectors.base import BadResponse, Connector, Page, RateLimited
from core.connectors.bluesky import BlueskyConnector
from core.connectors.mastodon import MastodonConnector
from core.connectors.reddit import RedditConnector
from core.fakes.base import FakePlatform, Fault
from core.fakes.bluesky import BlueskyFake
from core.fakes.mastodon import MastodonFake
from core.fakes.reddit import RedditFake
from core.models import JSON, Account, ContextPost, Item
from core.secrets import Credentials

START = 1_780_000_000.0
DAY = 86_400.0
HORIZON = datetime.fromtimestamp(START - 7 * DAY, UTC)
#: Well before the horizon.
OLD = START - 30 * DAY


class Clock:
    """A clock the test moves by hand: nothing ever sleeps."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# ---- one rig per platform ------------------------------------------------------------------------


class Rig:
    """A platform's fake and connector, and the few things the shared tests make on it."""

    platform: str
    #: The connector's inbox stream.
    main_stream: str
    #: The own listing's page size as the connector asks for it.
    page_size: int
    fake: FakePlatform
    connector: Connector

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def connect(self, client: httpx.AsyncClient) -> None:
        raise NotImplementedError

    @property
    def own_paths(self) -> tuple[str, ...]:
        """The path of each listing the own stream reads."""
        raise NotImplementedError

    def incoming(self, count: int, at: float | None = None) -> list[str]:
        """`count` conversations addressed to us; their inbox remote ids, oldest first."""
        raise NotImplementedError

    def answer(self, target: str, text: str, at: float | None = None) -> str:
        """Our reply to `target`, made on the platform (not through Rapport); its id."""
        raise NotImplementedError

    def say(self, text: str) -> None:
        """Posts of ours that answer nobody."""
        raise NotImplementedError

    def share(self, target: str) -> None:
        """Repost or boost `target`, where the platform has that."""

    def corrupt(self, own_id: str) -> None:
        """Make the platform serve our post `own_id` with a field we need broken."""
        raise NotImplementedError


class MastodonRig(Rig):
    platform = "mastodon"
    main_stream = "notifications"
    page_size = 40

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.fake: MastodonFake = MastodonFake(clock=clock)
        self.fake.add_account("alice", "other.example")

    def connect(self, client: httpx.AsyncClient) -> None:
        account = Account(name="masto", platform="mastodon", base_url="https://mastodon.example")
        credentials = Credentials({"token": self.fake.token})
        self.connector = MastodonConnector(account, credentials, client, clock=self.clock)

    @property
    def own_paths(self) -> tuple[str, ...]:
        return (f"/api/v1/accounts/{self.fake.me['id']}/statuses",)

    def incoming(self, count: int, at: float | None = None) -> list[str]:
        return [
            self.fake.add_mention("alice@other.example", f"question {n}?", at=at)["status"]["id"]
            for n in range(count)
        ]

    def answer(self, target: str, text: str, at: float | None = None) -> str:
        status = self.fake.add_status(
            self.fake.me, f"@alice@other.example {text}", in_reply_to=target, at=at
        )
        return str(status["id"])

    def say(self, text: str) -> None:
        self.fake.add_status(self.fake.me, text)

    def share(self, target: str) -> None:
        self.fake.add_boost(self.fake.me, target)

    def corrupt(self, own_id: str) -> None:
        del self.fake.statuses[own_id]["created_at"]


class BlueskyRig(Rig):
    platform = "bluesky"
    main_stream = "notifications"
    page_size = 100

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.fake: BlueskyFake = BlueskyFake(clock=clock)

    def connect(self, client: httpx.AsyncClient) -> None:
        account = Account(name="sky", platform="bluesky", base_url="https://bsky.social")
        credentials = Credentials(
            {"identifier": self.fake.handle, "password": self.fake.app_password}
        )
        self.connector = BlueskyConnector(account, credentials, client, clock=self.clock)

    @property
    def own_paths(self) -> tuple[str, ...]:
        return ("/xrpc/app.bsky.feed.getAuthorFeed",)

    def incoming(self, count: int, at: float | None = None) -> list[str]:
        return [
            str(self.fake.add_mention("alice.bsky.social", f"question {n}?", at=at)["uri"])
            for n in range(count)
        ]

    def answer(self, target: str, text: str, at: float | None = None) -> str:
        return self.fake.add_post(self.fake.me, text, reply_to=target, at=at)

    def say(self, text: str) -> None:
        self.fake.add_post(self.fake.me, text)

    def share(self, target: str) -> None:
        self.fake.repost(self.fake.me, target)

    def corrupt(self, own_id: str) -> None:
        self.fake.posts[own_id]["indexedAt"] = "sometime yesterday"


class RedditRig(Rig):
    platform = "reddit"
    main_stream = "inbox"
    page_size = 100

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.fake: RedditFake = RedditFake(clock=clock)

    def connect(self, client: httpx.AsyncClient) -> None:
        fake = self.fake
        account = Account(name="reddit-main", platform="reddit", base_url="http://reddit.test")
        credentials = Credentials(
            {
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "username": fake.username,
                "password": fake.password,
            }
        )
        self.connector = RedditConnector(account, credentials, client, clock=self.clock)

    @property
    def own_paths(self) -> tuple[str, ...]:
        return (f"/user/{self.fake.username}/comments", "/message/sent")

    def incoming(self, count: int, at: float | None = None) -> list[str]:
        return [
            self.fake.add_mention(f"asker_{n % 7}", f"question {n}?", created=at)
            for n in range(count)
        ]

    def answer(self, target: str, text: str, at: float | None = None) -> str:
        return self.fake.add_comment(self.fake.username, target, text, created=at)

    def say(self, text: str) -> None:
        self.fake.add_post(self.fake.username, text, selftext="a post of ours")
        self.fake.add_message(self.fake.username, text, to="someone_else")

    def corrupt(self, own_id: str) -> None:
        self.fake.drop_field(own_id, "created_utc")


RIGS: dict[str, type[Rig]] = {"mastodon": MastodonRig, "bluesky": BlueskyRig, "reddit": RedditRig}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=list(RIGS))
async def rig(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[Rig]:
    made = RIGS[request.param](clock)
    async with httpx.AsyncClient(transport=made.fake.transport()) as client:
        made.connect(client)
        yield made


async def own(
    rig: Rig,
    cursor: JSON | None = None,
    horizon: datetime = HORIZON,
    stop_after: int | None = None,
    into: list[Page] | None = None,
) -> list[Page]:
    """The pages of one fetch of the own stream (`into` receives them as they come)."""
    pages: list[Page] = [] if into is None else into
    async for page in rig.connector.fetch("own", cursor, horizon):
        pages.append(page)
        if stop_after is not None and len(pages) == stop_after:
            break
    return pages


async def inbox(rig: Rig) -> dict[str, Item]:
    """The inbox items of a first sync of the main stream, by remote id."""
    found: dict[str, Item] = {}
    async for page in rig.connector.fetch(rig.main_stream, None, HORIZON):
        found.update((item.remote_id, item) for item in page.items)
    return found


def posts(pages: list[Page]) -> list[ContextPost]:
    return [post for page in pages for post in page.own_posts]


def ids(pages: list[Page]) -> list[str]:
    return [post.remote_id for post in posts(pages)]


def stored(cursor: JSON) -> JSON:
    """The cursor as the store gives it back: through JSON."""
    return dict(json.loads(json.dumps(cursor)))


def own_requests(rig: Rig) -> list[Any]:
    return [r for r in rig.fake.received if r.path in rig.own_paths]


def answer_each(rig: Rig, targets: list[str], at: float | None = None) -> list[str]:
    return [rig.answer(target, f"answer {n}", at) for n, target in enumerate(targets)]


# ---- shared behaviour ----------------------------------------------------------------------------


async def test_own_replies_name_the_inbox_items_they_answer(rig: Rig) -> None:
    targets = rig.incoming(4)
    items = await inbox(rig)
    assert set(targets) <= set(items)
    mine = [rig.answer(targets[0], "first answer"), rig.answer(targets[2], "second answer")]
    identity = await rig.connector.verify()

    pages = await own(rig)

    found = posts(pages)
    # Newest first, each naming the inbox item it answers by that item's own remote id.
    assert [(p.remote_id, p.parent_id) for p in found] == [
        (mine[1], targets[2]),
        (mine[0], targets[0]),
    ]
    assert all(p.parent_id in items for p in found)
    assert found[0].text.endswith("second answer")
    assert found[1].text.endswith("first answer")
    for post in found:
        assert post.is_own
        assert post.author.remote_id == identity.remote_id
        assert post.author.handle == identity.handle
        assert post.url.startswith("https://")
        assert post.created_at.tzinfo is not None
    assert all(page.stream == "own" and page.items == [] for page in pages)
    assert rig.connector.streams == (rig.main_stream, "own")


async def test_posts_that_answer_nobody_and_reposts_are_passed_over(rig: Rig) -> None:
    [target] = rig.incoming(1)
    rig.say("just a thought")
    rig.share(target)
    reply = rig.answer(target, "the only answer")
    rig.share(reply)  # a repost of our own reply must not count it twice
    rig.say("another thought")

    pages = await own(rig)

    assert [(p.remote_id, p.parent_id) for p in posts(pages)] == [(reply, target)]
    assert sum(page.skipped for page in pages) == 0  # not inbox items: nothing "skipped"


@pytest.mark.parametrize("stop_after", [None, 1, 2])
async def test_a_backfill_pages_to_the_end_and_an_interrupted_one_resumes_with_the_rest(
    rig: Rig, stop_after: int | None
) -> None:
    mine = answer_each(rig, rig.incoming(2 * rig.page_size + 15))

    first = await own(rig, stop_after=stop_after)
    rest = await own(rig, stored(first[-1].cursor)) if stop_after else []

    seen = ids(first) + ids(rest)
    assert seen == list(reversed(mine))  # all of them, newest first, none twice
    pages = first + rest
    assert len(pages) >= 3
    # One request per page: a resumed run did not start again from the top.
    assert len(own_requests(rig)) == len(pages)


async def test_incremental_after_a_backfill_fetches_only_what_is_new(
    rig: Rig, clock: Clock
) -> None:
    answer_each(rig, rig.incoming(3))
    cursor = (await own(rig))[-1].cursor
    clock.now += 60
    rig.say("not an answer")
    new = answer_each(rig, rig.incoming(2))

    pages = await own(rig, stored(cursor))

    assert ids(pages) == list(reversed(new))
    again = await own(rig, stored(pages[-1].cursor))
    assert posts(again) == []


async def test_an_interrupted_incremental_run_leaves_no_gap_and_repeats_nothing(
    rig: Rig, clock: Clock
) -> None:
    answer_each(rig, rig.incoming(5))
    cursor = (await own(rig))[-1].cursor
    clock.now += 60
    new = answer_each(rig, rig.incoming(2 * rig.page_size + 15))

    first = await own(rig, stored(cursor), stop_after=1)
    clock.now += 60
    newer = answer_each(rig, rig.incoming(3))
    rest = await own(rig, stored(first[-1].cursor))

    seen = ids(first) + ids(rest)
    assert sorted(seen) == sorted(new + newer)
    assert len(seen) == len(set(seen))
    assert posts(await own(rig, stored(rest[-1].cursor))) == []


async def test_the_first_sync_stops_at_the_horizon(rig: Rig) -> None:
    old_targets = rig.incoming(2 * rig.page_size, at=OLD)
    answer_each(rig, old_targets, at=OLD + 60)
    recent = answer_each(rig, rig.incoming(5))

    pages = await own(rig)

    assert ids(pages) == list(reversed(recent))
    # One request per listing: the first page already reached the horizon.
    assert len(own_requests(rig)) == len(rig.own_paths)
    # Incremental from here on: the old replies never come.
    assert posts(await own(rig, stored(pages[-1].cursor))) == []


async def test_a_reply_sent_through_rapport_shows_in_the_next_own_fetch(
    rig: Rig, clock: Clock
) -> None:
    targets = rig.incoming(2)
    items = await inbox(rig)
    cursor = (await own(rig))[-1].cursor
    clock.now += 60

    posted = await rig.connector.post_reply(items[targets[1]], "Fixed in 2.1, thanks!", "key-1")

    pages = await own(rig, stored(cursor))
    [post] = posts(pages)
    assert (post.remote_id, post.parent_id) == (posted.remote_id, targets[1])
    assert post.text.endswith("Fixed in 2.1, thanks!")
    assert post.is_own


async def test_a_rate_limit_on_the_own_listing_says_how_long_to_wait(rig: Rig) -> None:
    answer_each(rig, rig.incoming(2))
    await rig.connector.verify()
    rig.fake.inject(Fault("rate_limit", path=rig.own_paths[0], seconds=120))

    with pytest.raises(RateLimited) as caught:
        await own(rig)

    assert caught.value.retry_after == pytest.approx(120, abs=1)


async def test_malformed_json_yields_no_page(rig: Rig) -> None:
    answer_each(rig, rig.incoming(2))
    rig.fake.inject(Fault("malformed", path=rig.own_paths[0]))
    pages: list[Page] = []

    with pytest.raises(BadResponse, match="malformed JSON"):
        await own(rig, into=pages)

    assert pages == []


async def test_a_broken_own_post_fails_its_whole_page_not_half_of_it(rig: Rig) -> None:
    mine = answer_each(rig, rig.incoming(3))
    rig.corrupt(mine[1])
    pages: list[Page] = []

    with pytest.raises(BadResponse):
        await own(rig, into=pages)

    assert pages == []


async def test_an_unknown_stream_is_refused(rig: Rig) -> None:
    with pytest.raises(Exception, match="no stream 'mine'"):
        async for _ in rig.connector.fetch("mine", None, HORIZON):
            pass


# ---- Mastodon ------------------------------------------------------------------------------------


@pytest.fixture
async def mastodon(clock: Clock) -> AsyncIterator[MastodonRig]:
    made = MastodonRig(clock)
    async with httpx.AsyncClient(transport=made.fake.transport()) as client:
        made.connect(client)
        yield made


async def test_mastodon_reads_our_statuses_without_boosts_following_the_link(
    mastodon: MastodonRig,
) -> None:
    answer_each(mastodon, mastodon.incoming(95))

    pages = await own(mastodon)

    assert [len(p.own_posts) for p in pages] == [40, 40, 15]
    requests = own_requests(mastodon)
    assert [r.param("exclude_reblogs") for r in requests] == ["true"] * 3
    assert [r.param("limit") for r in requests] == ["40"] * 3
    assert requests[0].param("max_id") is None
    assert (
        requests[1].param("max_id") == pages[0].cursor["older"] == pages[0].own_posts[-1].remote_id
    )
    assert requests[0].headers["authorization"] == f"Bearer {mastodon.fake.token}"
    # A short page has no rel="next" on Mastodon's account listing: that is the end.
    assert pages[-1].cursor == {"mode": "incremental", "newest": pages[0].own_posts[0].remote_id}


async def test_mastodon_incremental_pages_forward_with_min_id(
    mastodon: MastodonRig, clock: Clock
) -> None:
    answer_each(mastodon, mastodon.incoming(2))
    cursor = (await own(mastodon))[-1].cursor
    new = answer_each(mastodon, mastodon.incoming(45))
    before = len(own_requests(mastodon))

    pages = await own(mastodon, stored(cursor))

    asked = own_requests(mastodon)[before:]
    assert asked[0].param("min_id") == cursor["newest"]
    assert asked[1].param("min_id") == pages[0].cursor["newest"]
    assert [len(p.own_posts) for p in pages] == [40, 5]
    assert sorted(ids(pages)) == sorted(new)


async def test_mastodon_counts_direct_and_private_replies_that_only_we_can_list(
    mastodon: MastodonRig,
) -> None:
    fake = mastodon.fake
    direct = fake.add_direct("alice@other.example", "a private question?")["status"]["id"]
    private = fake.add_mention("alice@other.example", "followers only", visibility="private")
    mine_direct = fake.add_status(
        fake.me, "@alice@other.example sure", in_reply_to=direct, visibility="direct"
    )["id"]
    mine_private = fake.add_status(
        fake.me,
        "@alice@other.example yes",
        in_reply_to=private["status"]["id"],
        visibility="private",
    )["id"]
    public = mastodon.answer(fake.add_mention("alice@other.example", "hi")["status"]["id"], "hi")

    assert ids(await own(mastodon)) == [public, mine_private, mine_direct]
    assert posts(await own(mastodon))[2].parent_id == direct

    # The same listing without a token (or for anyone else) shows public and unlisted only.
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        url = f"https://mastodon.example{mastodon.own_paths[0]}"
        anonymous = await client.get(url)
        refused = await client.get(url, headers={"Authorization": "Bearer not-a-token"})
        unknown = await client.get(
            "https://mastodon.example/api/v1/accounts/999/statuses",
            headers={"Authorization": f"Bearer {fake.token}"},
        )
    assert [s["id"] for s in anonymous.json()] == [public]
    assert anonymous.headers["X-RateLimit-Limit"] == "300"
    assert (refused.status_code, refused.json()) == (401, {"error": "The access token is invalid"})
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Record not found"})


async def test_mastodon_fake_pages_the_account_listing_like_mastodon(
    mastodon: MastodonRig,
) -> None:
    fake = mastodon.fake
    made = [fake.add_status(fake.me, f"post {n}")["id"] for n in range(45)]
    thread = fake.add_status(fake.me, "1/2 a thread")
    own_reply = fake.add_status(fake.me, "2/2 the rest", in_reply_to=thread)["id"]
    other = fake.add_status("alice@other.example", "hello")
    reply_to_other = fake.add_status(fake.me, "@alice@other.example hi", in_reply_to=other)["id"]
    boost = fake.add_boost(fake.me, other)
    url = f"https://mastodon.example{mastodon.own_paths[0]}"
    auth = {"Authorization": f"Bearer {fake.token}"}

    async with httpx.AsyncClient(transport=fake.transport()) as client:
        default = await client.get(url, headers=auth)
        capped = await client.get(url, headers=auth, params={"limit": "100"})
        short = await client.get(
            url, headers=auth, params={"limit": "10", "max_id": made[5], "exclude_reblogs": "1"}
        )
        no_replies = await client.get(
            url, headers=auth, params={"exclude_replies": "true", "limit": "3"}
        )
        everything = await client.get(url, headers=auth, params={"limit": "1"})

    assert len(default.json()) == 20  # Mastodon's default for this listing
    assert len(capped.json()) == 40  # and twice that at most
    assert 'rel="next"' in default.headers["Link"]
    assert [s["id"] for s in short.json()] == list(reversed(made[:5]))
    assert 'rel="next"' not in short.headers["Link"]  # a short page: nothing older
    assert f"min_id={made[4]}" in short.headers["Link"]
    # exclude_replies leaves out answers to others but keeps a thread of our own.
    assert [s["id"] for s in no_replies.json()] == [boost["id"], own_reply, thread["id"]]
    assert reply_to_other not in {s["id"] for s in no_replies.json()}
    [newest] = everything.json()
    assert newest["id"] == boost["id"]
    assert newest["content"] == ""
    assert newest["reblog"]["id"] == other["id"]
    assert newest["reblog"]["account"]["acct"] == "alice@other.example"
    assert newest["account"]["id"] == fake.me["id"]


async def test_mastodon_passes_over_a_boost_even_from_a_server_that_ignores_exclude_reblogs(
    mastodon: MastodonRig,
) -> None:
    fake = mastodon.fake
    [target] = mastodon.incoming(1)
    reply = fake.statuses[mastodon.answer(target, "an answer")]
    boost = fake.add_boost(fake.me, reply)  # a boost of our own reply, as the server sends it
    connector = mastodon.connector
    assert isinstance(connector, MastodonConnector)

    page = connector.parse_own_statuses([boost, fake.render_status(reply)], fake.me["id"], HORIZON)

    assert [(p.remote_id, p.parent_id) for p in page.own_posts] == [(reply["id"], target)]
    assert page.count == 2
    assert page.newest == boost["id"]


# ---- Bluesky -------------------------------------------------------------------------------------


@pytest.fixture
async def bluesky(clock: Clock) -> AsyncIterator[BlueskyRig]:
    made = BlueskyRig(clock)
    async with httpx.AsyncClient(transport=made.fake.transport()) as client:
        made.connect(client)
        yield made


async def test_bluesky_reads_our_author_feed_with_replies(bluesky: BlueskyRig) -> None:
    answer_each(bluesky, bluesky.incoming(150))

    pages = await own(bluesky)

    assert [len(p.own_posts) for p in pages] == [100, 50, 0]
    requests = own_requests(bluesky)
    assert [r.param("actor") for r in requests] == [bluesky.fake.me] * 3
    assert [r.param("filter") for r in requests] == ["posts_with_replies"] * 3
    assert [r.param("limit") for r in requests] == ["100"] * 3
    assert requests[0].param("cursor") is None
    assert requests[1].param("cursor") == pages[0].cursor["older"]
    assert requests[0].headers["authorization"].startswith("Bearer ")
    top = pages[0].own_posts[0]
    assert pages[-1].cursor == {
        "mode": "incremental",
        "newest": {"at": top.created_at.isoformat(), "uri": top.remote_id},
    }


async def test_bluesky_fake_serves_feed_items_shaped_like_the_appview(
    bluesky: BlueskyRig,
) -> None:
    fake = bluesky.fake
    [target] = bluesky.incoming(1)
    plain = fake.add_post(fake.me, "a thought")
    reply = bluesky.answer(target, "an answer")
    repost = fake.repost(fake.me, target)
    gone = fake.add_post("bob.bsky.social", "soon deleted")
    orphan = bluesky.answer(gone, "to a post that is gone")
    del fake.posts[gone]
    url = "https://bsky.social/xrpc/app.bsky.feed.getAuthorFeed"

    async with httpx.AsyncClient(transport=fake.transport()) as client:
        anonymous = await client.get(url, params={"actor": fake.handle})
        no_replies = await client.get(url, params={"actor": fake.me, "filter": "posts_no_replies"})
        too_many = await client.get(url, params={"actor": fake.me, "limit": "101"})
        nobody = await client.get(url, params={"actor": "nobody.bsky.social"})
        refused = await client.get(
            url, params={"actor": fake.me}, headers={"Authorization": "Bearer forged"}
        )

    assert anonymous.status_code == 200  # the AppView serves author feeds without a session
    assert "RateLimit-Remaining" in anonymous.headers
    feed = anonymous.json()["feed"]
    assert [entry["post"]["uri"] for entry in feed] == [orphan, target, reply, plain]
    assert "reason" not in feed[0]
    assert "reason" not in feed[2]
    assert feed[0]["reply"]["parent"] == {
        "$type": "app.bsky.feed.defs#notFoundPost",
        "uri": gone,
        "notFound": True,
    }
    assert feed[2]["reply"]["parent"]["$type"] == "app.bsky.feed.defs#postView"
    assert feed[2]["reply"]["parent"]["uri"] == target
    reason = feed[1]["reason"]
    assert reason["$type"] == "app.bsky.feed.defs#reasonRepost"
    assert reason["by"]["did"] == fake.me
    assert reason["uri"] == repost
    assert reason["indexedAt"] == fake.posts[repost]["indexedAt"]
    assert feed[1]["post"]["author"]["handle"] == "alice.bsky.social"
    assert anonymous.json()["cursor"].endswith(fake.posts[plain]["cid"])
    assert [e["post"]["uri"] for e in no_replies.json()["feed"]] == [target, plain]
    assert (too_many.status_code, too_many.json()["error"]) == (400, "InvalidRequest")
    assert nobody.json() == {"error": "InvalidRequest", "message": "Profile not found"}
    assert (refused.status_code, refused.json()["error"]) == (401, "InvalidToken")

    # A reply whose parent is gone still names it: the record keeps the parent's uri.
    assert [(p.remote_id, p.parent_id) for p in posts(await own(bluesky))] == [
        (orphan, gone),
        (reply, target),
    ]


async def test_bluesky_a_pinned_post_is_passed_over_not_taken_for_the_newest(
    bluesky: BlueskyRig,
) -> None:
    fake = bluesky.fake
    [old_target] = bluesky.incoming(1, at=OLD)
    pinned = bluesky.answer(old_target, "my best answer", at=OLD + 60)
    fake.pin(pinned)
    recent = answer_each(bluesky, bluesky.incoming(3))
    body = fake.author_feed(fake.me, 100, None, "posts_with_replies", include_pins=True)
    assert body["feed"][0]["reason"] == {"$type": "app.bsky.feed.defs#reasonPin"}
    assert body["feed"][0]["post"]["uri"] == pinned
    later = fake.author_feed(fake.me, 100, body["cursor"], include_pins=True)
    assert later["feed"] == []  # the pin comes on the first page only

    connector = bluesky.connector
    assert isinstance(connector, BlueskyConnector)
    page = connector.parse_author_feed(body, fake.me, None, HORIZON)

    # The pin (old, first) neither ends the walk at the horizon nor becomes the top.
    assert [p.remote_id for p in page.own_posts] == list(reversed(recent))
    assert page.top is not None
    assert page.top.uri == recent[-1]
    assert page.reached_end


async def test_bluesky_reposting_the_newest_post_seen_does_not_hide_what_came_before_it(
    bluesky: BlueskyRig,
) -> None:
    [target] = bluesky.incoming(1)
    mark = bluesky.answer(target, "the newest answer seen")
    cursor = (await own(bluesky))[-1].cursor
    assert cursor["newest"]["uri"] == mark
    new = answer_each(bluesky, bluesky.incoming(2))
    bluesky.share(mark)  # now at the top of the feed: the same post, reposted later

    pages = await own(bluesky, stored(cursor))

    # The repost is an entry of its own (its record's uri), not the post the mark names.
    assert ids(pages) == list(reversed(new))
    assert pages[-1].cursor["newest"]["uri"].split("/")[3] == "app.bsky.feed.repost"


async def test_bluesky_an_interrupted_incremental_walk_finishes_before_moving_the_mark(
    bluesky: BlueskyRig, clock: Clock
) -> None:
    answer_each(bluesky, bluesky.incoming(2))
    cursor = (await own(bluesky))[-1].cursor
    new = answer_each(bluesky, bluesky.incoming(150))

    [first] = await own(bluesky, stored(cursor), stop_after=1)

    # The walk from the top is not done: the mark stays, the walk is kept as pending.
    assert first.cursor["newest"] == cursor["newest"]
    assert first.cursor["pending"]["older"]
    rest = await own(bluesky, stored(first.cursor))
    assert sorted(ids([first, *rest])) == sorted(new)
    assert "pending" not in rest[-1].cursor


# ---- Reddit --------------------------------------------------------------------------------------


@pytest.fixture
async def reddit(clock: Clock) -> AsyncIterator[RedditRig]:
    made = RedditRig(clock)
    async with httpx.AsyncClient(transport=made.fake.transport()) as client:
        made.connect(client)
        yield made


def dm_to_us(fake: RedditFake, author: str = "pen_pal") -> str:
    return fake.add_message(author, "can I ask you something in private?", subject="a question")


async def test_reddit_reads_our_comments_then_our_sent_messages(reddit: RedditRig) -> None:
    fake = reddit.fake
    [mention] = reddit.incoming(1)
    comment = reddit.answer(mention, "answered in public")
    dm = dm_to_us(fake)
    message = fake.add_message(fake.username, "answered in private", reply_to=dm, to="pen_pal")
    items = await inbox(reddit)

    pages = await own(reddit)

    found = posts(pages)
    assert [(p.remote_id, p.parent_id) for p in found] == [(comment, mention), (message, dm)]
    assert {p.parent_id for p in found} <= set(items)
    assert found[1].url == f"https://www.reddit.com/message/messages/{message[3:]}"
    assert found[1].text == "answered in private"
    assert found[0].url.startswith("https://www.reddit.com/r/")
    paths = [r.path for r in own_requests(reddit)]
    assert paths == list(reddit.own_paths)
    comments, sent = own_requests(reddit)
    assert dict(comments.query) == {"limit": "100", "raw_json": "1", "sort": "new"}
    assert dict(sent.query) == {"limit": "100", "raw_json": "1"}
    assert comments.headers["user-agent"].startswith("python:rapport-tui:")
    assert set(pages[-1].cursor) == {"comments", "sent"}
    assert pages[-1].cursor["comments"]["newest"] == comment
    assert pages[-1].cursor["sent"]["newest"] == message


async def test_reddit_a_reply_to_a_private_message_sent_through_rapport_names_it(
    reddit: RedditRig,
) -> None:
    fake = reddit.fake
    dm = dm_to_us(fake)
    fake.add_message(fake.username, "a new conversation of ours", to="someone_else")
    items = await inbox(reddit)
    cursor = (await own(reddit))[-1].cursor
    assert posts(await own(reddit)) == []  # starting a conversation answers nobody

    posted = await reddit.connector.post_reply(items[dm], "happy to help", "k")

    [post] = posts(await own(reddit, stored(cursor)))
    assert (post.remote_id, post.parent_id) == (posted.remote_id, dm)
    assert post.remote_id.startswith("t4_")


async def test_reddit_an_interruption_between_the_two_listings_resumes_with_the_messages(
    reddit: RedditRig,
) -> None:
    fake = reddit.fake
    comments = answer_each(reddit, reddit.incoming(150))
    dm = dm_to_us(fake)
    message = fake.add_message(fake.username, "sure", reply_to=dm, to="pen_pal")

    first = await own(reddit, stop_after=2)  # both pages of comments, no messages yet
    assert first[-1].cursor["comments"]["mode"] == "incremental"
    assert "sent" not in first[-1].cursor
    before = len(own_requests(reddit))
    rest = await own(reddit, stored(first[-1].cursor))

    assert ids(first) + ids(rest) == [*reversed(comments), message]
    asked = own_requests(reddit)[before:]
    # The comments are only asked for what is newer than their mark, never read again.
    assert asked[0].param("before") == comments[-1]
    assert "after" not in dict(asked[0].query)
    assert asked[-1].path == "/message/sent"


async def test_reddit_a_deleted_newest_comment_of_ours_hides_nothing_newer(
    reddit: RedditRig, clock: Clock
) -> None:
    mine = answer_each(reddit, reddit.incoming(3))
    cursor = (await own(reddit))[-1].cursor
    reddit.fake.delete(mine[-1])  # the mark's anchor: `before=` on it is now empty
    clock.now += 60
    new = answer_each(reddit, reddit.incoming(2))

    pages = await own(reddit, stored(cursor))

    assert ids(pages) == list(reversed(new))


async def test_reddit_fake_serves_our_comments_with_the_post_they_are_under(
    reddit: RedditRig,
) -> None:
    fake = reddit.fake
    [mention] = reddit.incoming(1)
    comment = reddit.answer(mention, "a & b <c>")
    agent = {"User-Agent": "test:rapport-tests:1 (by /u/rapport_user)"}
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        granted = await client.post(
            "http://reddit.test/api/v1/access_token",
            auth=(fake.client_id, fake.client_secret),
            data={"grant_type": "password", "username": fake.username, "password": fake.password},
            headers=agent,
        )
        headers = {"Authorization": f"bearer {granted.json()['access_token']}", **agent}
        raw = await client.get(
            f"http://reddit.test/user/{fake.username}/comments",
            params={"raw_json": "1"},
            headers=headers,
        )
        escaped = await client.get(
            f"http://reddit.test/user/{fake.username}/comments", headers=headers
        )
        missing = await client.get("http://reddit.test/user/nobody_here/comments", headers=headers)
    [child] = raw.json()["data"]["children"]
    data = child["data"]
    post = fake.things[fake.things[mention]["link_id"]]
    assert child["kind"] == "t1"
    assert data["name"] == comment
    assert data["parent_id"] == mention
    assert data["link_id"] == post["name"]
    assert data["link_title"] == post["title"]
    assert data["link_author"] == post["author"]
    assert data["link_permalink"].endswith(post["permalink"])
    assert data["body"] == "a & b <c>"
    assert escaped.json()["data"]["children"][0]["data"]["body"] == "a &amp; b &lt;c&gt;"
    assert "x-ratelimit-remaining" in raw.headers
    assert missing.status_code == 404
