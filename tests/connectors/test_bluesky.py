"""The Bluesky connector against the local Bluesky fake (in-process, and once over a socket)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core.connectors.base import (
    AuthError,
    BadResponse,
    NetworkError,
    NotFound,
    Page,
    RateLimited,
)
from core.connectors.bluesky import (
    BlueskyConnector,
    facet_text,
    reply_rkey,
    tid,
    tid_microseconds,
)
from core.fakes.base import Fault, ServedFake
from core.fakes.bluesky import BlueskyFake, Link, Mention, rich_text
from core.models import JSON, Account, Item, ItemKind, MarkupFormat
from core.secrets import Credentials

BASE_URL = "https://bsky.social"
START = 1_780_000_000.0
HORIZON = datetime(2020, 1, 1, tzinfo=UTC)
TID_SHAPE = r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"


class Clock:
    """A clock the test moves by hand: nothing ever sleeps."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class LoseAnswers(httpx.AsyncBaseTransport):
    """Passes requests to the fake but loses the answer of the next `times` requests whose path
    contains `path`: the request took effect, the client saw a timeout."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str, times: int = 1) -> None:
        self.inner, self.path, self.times = inner, path, times

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.path in request.url.path and self.times > 0:
            self.times -= 1
            await response.aread()
            raise httpx.ReadTimeout("the answer never came", request=request)
        return response


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> BlueskyFake:
    return BlueskyFake(clock=clock)


@pytest.fixture
async def client(fake: BlueskyFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        yield client


def make_connector(
    fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock, password: str | None = None
) -> BlueskyConnector:
    account = Account(name="sky", platform="bluesky", base_url=BASE_URL)
    credentials = Credentials(
        {"identifier": fake.handle, "password": fake.app_password if password is None else password}
    )
    return BlueskyConnector(account, credentials, client, clock=clock)


@pytest.fixture
def connector(fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock) -> BlueskyConnector:
    return make_connector(fake, client, clock)


async def pages_of(
    connector: BlueskyConnector,
    cursor: JSON | None = None,
    horizon: datetime = HORIZON,
    stop_after: int | None = None,
) -> list[Page]:
    pages: list[Page] = []
    async for page in connector.fetch("notifications", cursor, horizon):
        pages.append(page)
        if stop_after is not None and len(pages) == stop_after:
            break
    return pages


async def collect_into(pages: list[Page], connector: BlueskyConnector) -> None:
    """Fetch into `pages`, so a test can see what was yielded before an error."""
    async for page in connector.fetch("notifications", None, HORIZON):
        pages.append(page)


def uris(pages: list[Page]) -> list[str]:
    return [item.remote_id for page in pages for item in page.items]


def replies(fake: BlueskyFake, count: int, author: str = "alice.bsky.social") -> list[str]:
    return [fake.add_reply(author, f"reply {n}")["uri"] for n in range(count)]


async def item_for(connector: BlueskyConnector, uri: str) -> Item:
    items = [i for p in await pages_of(connector) for i in p.items]
    return next(i for i in items if i.remote_id == uri)


# ---- auth ----------------------------------------------------------------------------------------


async def test_verify_opens_a_session_with_the_app_password(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    identity = await connector.verify()
    assert identity.remote_id == fake.me
    assert identity.handle == "@me.bsky.social"
    assert identity.display_name == "Rapport Tester"
    login = fake.requests_to("com.atproto.server.createSession")[0]
    assert login.json() == {"identifier": fake.handle, "password": fake.app_password}
    profile = fake.requests_to("app.bsky.actor.getProfile")[0]
    assert profile.headers["authorization"].removeprefix("Bearer ") in fake.access_tokens


async def test_a_wrong_app_password_is_an_auth_error_that_says_what_to_do(
    fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(fake, client, clock, password="hunter2-wrong-pass")
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    assert "app password" in str(caught.value)
    assert "hunter2-wrong-pass" not in str(caught.value)
    assert "hunter2-wrong-pass" not in repr(connector)


async def test_a_main_password_with_2fa_is_refused_with_advice_to_use_an_app_password(
    fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(fake, client, clock, password=fake.main_password)
    with pytest.raises(AuthError, match="email sign-in code") as caught:
        await connector.verify()
    assert "App passwords" in str(caught.value)


async def test_too_many_sign_ins_are_rate_limited_not_an_auth_error(
    fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    fake.session_limit = 1
    await make_connector(fake, client, clock).verify()
    with pytest.raises(RateLimited):
        await make_connector(fake, client, clock).verify()


async def test_an_expired_session_is_refreshed_and_the_call_retried_once(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    made = replies(fake, 3)
    await connector.verify()
    refresh_jwt = next(iter(fake.refresh_tokens))
    fake.expire_sessions()
    pages = await pages_of(connector)
    assert sorted(uris(pages)) == sorted(made)
    refreshes = fake.requests_to("com.atproto.server.refreshSession")
    assert len(refreshes) == 1
    assert refreshes[0].headers["authorization"] == f"Bearer {refresh_jwt}"
    assert len(fake.requests_to("com.atproto.server.createSession")) == 1
    # The first listNotifications got 400 ExpiredToken, the retry went through.
    assert len(fake.requests_to("listNotifications")) == 3


async def test_an_injected_expired_token_answer_is_refreshed_too(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    made = replies(fake, 2)
    fake.inject(Fault("expired_token", path="listNotifications"))
    assert sorted(uris(await pages_of(connector))) == sorted(made)
    assert len(fake.requests_to("refreshSession")) == 1


async def test_a_refused_refresh_opens_a_new_session_with_the_app_password(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    replies(fake, 1)
    await connector.verify()
    fake.expire_sessions()
    fake.refresh_tokens.clear()
    assert len(uris(await pages_of(connector))) == 1
    assert len(fake.requests_to("com.atproto.server.createSession")) == 2


# ---- paging --------------------------------------------------------------------------------------


async def test_backfill_pages_from_newest_to_the_end_and_counts_skips(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    made: list[str] = []
    for n in range(250):
        made.append(fake.add_reply("alice.bsky.social", f"reply {n}")["uri"])
        if n % 10 == 0:
            fake.add_like("bob.bsky.social")
    pages = await pages_of(connector)
    assert uris(pages) == list(reversed(made))
    assert sum(p.skipped_reasons.get("like", 0) for p in pages) == 25
    assert [p.cursor["mode"] for p in pages] == ["backfill"] * 3 + ["incremental"]
    top = fake.notifications[-1]
    assert all(p.cursor["newest"]["uri"] == top["uri"] for p in pages)
    requests = fake.requests_to("listNotifications")
    assert [r.param("limit") for r in requests] == ["100"] * 4
    assert [r.param("cursor") for r in requests[1:]] == [p.cursor["older"] for p in pages[:3]]


@pytest.mark.parametrize("interrupt_after", [1, 2, 3])
async def test_an_interrupted_backfill_resumes_with_exactly_the_rest(
    connector: BlueskyConnector, fake: BlueskyFake, interrupt_after: int
) -> None:
    made = replies(fake, 250)
    first = await pages_of(connector, stop_after=interrupt_after)
    rest = await pages_of(connector, cursor=first[-1].cursor)
    seen = uris(first) + uris(rest)
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


async def test_incremental_after_backfill_fetches_only_what_is_new(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    replies(fake, 30)
    cursor = (await pages_of(connector))[-1].cursor
    new = replies(fake, 12, author="carol.bsky.social")
    fake.add_like("dave.bsky.social")
    pages = await pages_of(connector, cursor=cursor)
    assert sorted(uris(pages)) == sorted(new)
    assert pages[-1].skipped_reasons == {"like": 1}
    assert pages[-1].cursor["newest"]["uri"] == fake.notifications[-1]["uri"]
    before = len(fake.received)
    assert await pages_of(connector, cursor=pages[-1].cursor) == []
    assert len(fake.received) == before + 1


async def test_the_mark_moves_only_when_a_walk_is_complete_so_no_gap_is_left(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    replies(fake, 30)
    cursor = (await pages_of(connector))[-1].cursor
    new = replies(fake, 250, author="carol.bsky.social")
    first = await pages_of(connector, cursor=cursor, stop_after=1)
    # Cut short after one page: the old mark stays, the walk is remembered.
    assert first[0].cursor["newest"] == cursor["newest"]
    assert "pending" in first[0].cursor
    newer = replies(fake, 7, author="erin.bsky.social")
    rest = await pages_of(connector, cursor=first[-1].cursor)
    seen = uris(first) + uris(rest)
    assert sorted(seen) == sorted(new + newer)
    assert len(seen) == len(set(seen))
    assert rest[-1].cursor == {
        "mode": "incremental",
        "newest": {"at": rest[-1].cursor["newest"]["at"], "uri": fake.notifications[-1]["uri"]},
    }


async def test_the_first_sync_stops_at_the_horizon(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    month_ago = START - 30 * 86400
    old_post = fake.add_post(fake.me, "an old post", at=month_ago - 60)
    for n in range(150):
        fake.add_reply("old.bsky.social", f"old {n}", to=old_post, at=month_ago + n)
    recent = replies(fake, 5)
    week_ago = datetime.fromtimestamp(START - 7 * 86400, UTC)
    pages = await pages_of(connector, horizon=week_ago)
    assert uris(pages) == list(reversed(recent))
    assert len(fake.requests_to("listNotifications")) == 1
    assert pages[-1].cursor["mode"] == "incremental"


# ---- items ---------------------------------------------------------------------------------------


async def test_items_show_full_links_with_multibyte_text_and_keep_the_record(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    fake.add_actor("alice.bsky.social", display_name="アリス", description="site https://a.example")
    text, facets = rich_text(
        "見て 🎉🎉 ",
        Link("example.com/long…", "https://example.com/long/path?q=1"),
        " と ",
        Mention("me.bsky.social", fake.me),
        " どう?",
    )
    reply = fake.add_reply("alice.bsky.social", text, facets=facets)
    mention = fake.add_mention("bob.bsky.social", "hello")
    quote = fake.add_quote("carol.bsky.social", "so true")
    items = {i.remote_id: i for p in await pages_of(connector) for i in p.items}

    item = items[reply["uri"]]
    assert item.kind is ItemKind.REPLY
    assert item.text == "見て 🎉🎉 https://example.com/long/path?q=1 と @me.bsky.social どう?"
    assert item.is_question
    assert item.author.handle == "@alice.bsky.social"
    assert item.author.display_name == "アリス"
    assert item.author.remote_id == reply["author"]["did"]
    assert item.author.links == ["https://a.example"]
    rkey = reply["uri"].rpartition("/")[2]
    assert item.url == f"https://bsky.app/profile/alice.bsky.social/post/{rkey}"
    assert item.markup_format is MarkupFormat.FACETS
    assert json.loads(item.markup) == reply["record"]
    assert item.thread_root_id == reply["record"]["reply"]["root"]["uri"]
    assert item.parent_id == reply["record"]["reply"]["parent"]["uri"]
    assert item.platform_data["cid"] == reply["cid"]
    assert item.platform_data["reply"] == reply["record"]["reply"]
    assert item.created_at == datetime.fromisoformat(reply["indexedAt"])

    assert items[mention["uri"]].kind is ItemKind.MENTION
    assert items[mention["uri"]].thread_root_id == mention["uri"]
    assert items[quote["uri"]].kind is ItemKind.QUOTE


def test_facets_are_byte_offsets_and_bad_ones_are_ignored() -> None:
    text, facets = rich_text("日本 ", Link("x.co/a...", "https://x.co/abc"), " end")
    assert facet_text(text, facets) == "日本 https://x.co/abc end"
    # Words that are not a URL keep their place and show the target after them.
    text, facets = rich_text("read ", Link("my notes", "https://notes.example/1"))
    assert facet_text(text, facets) == "read my notes (https://notes.example/1)"
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://evil.example"}
    broken = [
        {"index": {"byteStart": 1, "byteEnd": 4}, "features": [link]},  # inside 日
        {"index": {"byteStart": 0, "byteEnd": 99}, "features": [link]},  # past the end
        {"index": {"byteStart": 5, "byteEnd": 2}, "features": [link]},  # backwards
        {"index": {"byteStart": "0"}, "features": [link]},  # not a number
    ]
    assert facet_text("日本語 text", broken) == "日本語 text"
    assert facet_text("\u202espoof\x1b[0m", None) == "spoof[0m"


async def test_thread_context_is_root_first_and_marks_our_posts(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    root = fake.add_post(fake.me, "What do you use for email?")
    alice = fake.add_post("alice.bsky.social", "mutt", reply_to=root)
    mine = fake.add_post(fake.me, "still?", reply_to=alice)
    reply = fake.add_reply("bob.bsky.social", "yes, still", to=mine)
    item = await item_for(connector, reply["uri"])
    context = await connector.fetch_context(item)
    assert [c.remote_id for c in context] == [root, alice, mine]
    assert [c.is_own for c in context] == [True, False, True]
    assert [c.text for c in context] == ["What do you use for email?", "mutt", "still?"]
    assert context[2].parent_id == alice
    request = fake.requests_to("getPostThread")[0]
    assert request.param("depth") == "0"
    assert request.param("uri") == reply["uri"]


# ---- replies -------------------------------------------------------------------------------------


async def test_a_reply_to_a_reply_names_the_thread_root_and_its_parent(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    fake.add_actor("carol.bsky.social")
    root = fake.add_post(fake.me, "root post")
    reply = fake.add_reply("bob.bsky.social", "a reply", to=root)
    deeper = fake.add_reply("alice.bsky.social", "a reply to the reply", to=reply["uri"])
    item = await item_for(connector, deeper["uri"])
    text = "🎉 see https://x.example/y and @carol.bsky.social"
    posted = await connector.post_reply(item, text, "key-1")

    body = fake.requests_to("com.atproto.repo.createRecord")[0].json()
    assert body["repo"] == fake.me
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == reply_rkey(item.remote_id, "key-1")
    record = body["record"]
    assert record["$type"] == "app.bsky.feed.post"
    assert record["text"] == text
    assert record["reply"]["root"] == {"uri": root, "cid": fake.posts[root]["cid"]}
    assert record["reply"]["parent"] == {"uri": deeper["uri"], "cid": deeper["cid"]}
    raw = text.encode("utf-8")
    spans = [(f["index"]["byteStart"], f["index"]["byteEnd"]) for f in record["facets"]]
    assert [raw[a:b].decode() for a, b in spans] == ["https://x.example/y", "@carol.bsky.social"]
    assert record["facets"][1]["features"][0]["did"] == fake.add_actor("carol.bsky.social")
    # The reply exists: it is in the thread and under our key.
    assert posted.remote_id == f"at://{fake.me}/app.bsky.feed.post/{body['rkey']}"
    assert posted.url == f"https://bsky.app/profile/me.bsky.social/post/{body['rkey']}"
    stored = fake.posts[posted.remote_id]["record"]
    assert stored["reply"]["parent"]["uri"] == deeper["uri"]


async def test_a_reply_to_a_top_level_mention_uses_it_as_root_and_parent(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    mention = fake.add_mention("bob.bsky.social", "look at this")
    item = await item_for(connector, mention["uri"])
    await connector.post_reply(item, "nice", "k")
    record = fake.requests_to("createRecord")[0].json()["record"]
    parent = {"uri": mention["uri"], "cid": mention["cid"]}
    assert record["reply"] == {"root": parent, "parent": parent}
    assert "facets" not in record


def test_record_keys_are_valid_tids_fixed_by_the_key_and_just_after_the_parent() -> None:
    parent_key = tid(1_700_000_000_000_000, 5)
    parent = f"at://did:plc:abc/app.bsky.feed.post/{parent_key}"
    key = reply_rkey(parent, "idem-1")
    assert key == reply_rkey(parent, "idem-1")
    assert key != reply_rkey(parent, "idem-2")
    assert re.match(TID_SHAPE, key)
    gap = (tid_microseconds(key) or 0) - (tid_microseconds(parent_key) or 0)
    assert 0 < gap <= 1_001_000
    assert re.match(TID_SHAPE, reply_rkey("at://did:plc:abc/app.bsky.feed.post/self", "k"))


async def test_a_retry_after_a_lost_answer_makes_one_post(fake: BlueskyFake, clock: Clock) -> None:
    mention = fake.add_mention("bob.bsky.social", "ping")
    transport = LoseAnswers(fake.transport(), "createRecord")
    async with httpx.AsyncClient(transport=transport) as client:
        connector = make_connector(fake, client, clock)
        item = await item_for(connector, mention["uri"])
        before = len(fake.posts)
        first = await connector.post_reply(item, "pong", "same-key")
        again = await connector.post_reply(item, "pong", "same-key")
    assert len(fake.posts) == before + 1
    assert first.remote_id == again.remote_id
    assert fake.posts[first.remote_id]["record"]["text"] == "pong"
    # The second create was refused (the key exists) and the existing post was read back.
    assert len(fake.requests_to("createRecord")) == 2
    assert len(fake.requests_to("getRecord")) == 2


async def test_find_reply_by_key_or_by_looking_through_the_replies(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    mention = fake.add_mention("bob.bsky.social", "ping")
    item = await item_for(connector, mention["uri"])
    since = datetime.fromtimestamp(START, UTC) - timedelta(seconds=1)
    assert await connector.find_reply(item, "pong", since, idempotency_key="k") is None
    posted = await connector.post_reply(item, "pong", "k")
    by_key = await connector.find_reply(item, "pong", since, idempotency_key="k")
    assert by_key is not None
    assert by_key.remote_id == posted.remote_id
    assert await connector.find_reply(item, "pong", since, idempotency_key="other") is None
    by_text = await connector.find_reply(item, "pong", since)
    assert by_text is not None
    assert by_text.remote_id == posted.remote_id
    assert await connector.find_reply(item, "something else", since) is None


async def test_a_reply_over_300_graphemes_is_refused_with_the_reason(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    assert (BlueskyConnector.max_reply_length, BlueskyConnector.reply_length_unit) == (
        300,
        "graphemes",
    )
    mention = fake.add_mention("bob.bsky.social", "ping")
    item = await item_for(connector, mention["uri"])
    await connector.post_reply(item, "👍🏽" * 300, "fits")  # 300 graphemes, 600 code points
    with pytest.raises(BadResponse, match="300 graphemes"):
        await connector.post_reply(item, "x" * 301, "too-long")


async def test_mark_read_sends_the_newest_time_and_never_goes_back(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    replies(fake, 3)
    items = [i for p in await pages_of(connector) for i in p.items]
    await connector.mark_read(items)
    sent = fake.requests_to("updateSeen")
    assert sent[0].json() == {"seenAt": fake.notifications[-1]["indexedAt"]}
    assert fake.seen_at == fake.notifications[-1]["indexedAt"]
    await connector.mark_read(items[-1:])
    assert len(fake.requests_to("updateSeen")) == 1


# ---- errors --------------------------------------------------------------------------------------


async def test_a_429_gives_the_wait_from_the_reset_header(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    fake.inject(Fault("rate_limit", path="listNotifications", seconds=95))
    with pytest.raises(RateLimited) as caught:
        await pages_of(connector)
    assert caught.value.retry_after == pytest.approx(95, abs=1)


async def test_no_request_is_sent_while_the_quota_is_spent(
    fake: BlueskyFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    fake.rate_limit = 2
    connector = make_connector(fake, client, clock)
    clock.now = START + 20
    await connector.verify()  # createSession and getProfile spend the quota
    sent = len(fake.received)
    with pytest.raises(RateLimited) as caught:
        await pages_of(connector)
    assert len(fake.received) == sent
    window_end = START - START % 300 + 300
    assert caught.value.retry_after == pytest.approx(window_end - clock.now, abs=1)


async def test_a_deleted_post_is_not_found(connector: BlueskyConnector, fake: BlueskyFake) -> None:
    mention = fake.add_mention("bob.bsky.social", "soon deleted")
    item = await item_for(connector, mention["uri"])
    del fake.posts[item.remote_id]
    with pytest.raises(NotFound):
        await connector.fetch_context(item)


async def test_malformed_json_yields_no_page(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    replies(fake, 3)
    fake.inject(Fault("malformed", path="listNotifications"))
    pages: list[Page] = []
    with pytest.raises(BadResponse, match="malformed JSON"):
        await collect_into(pages, connector)
    assert pages == []


def test_a_missing_field_fails_the_whole_page_not_half_an_item(fake: BlueskyFake) -> None:
    replies(fake, 3)
    body = fake.list_notifications(100)
    del body["notifications"][1]["author"]
    account = Account(name="sky", platform="bluesky", base_url=BASE_URL)
    connector = BlueskyConnector(account, Credentials({}), httpx.AsyncClient())
    with pytest.raises(BadResponse, match="'author'"):
        connector.parse_notifications(body)
    with pytest.raises(BadResponse, match="'notifications'"):
        connector.parse_notifications({"cursor": "x"})


async def test_server_errors_are_network_errors(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    fake.inject(Fault("server_error", path="listNotifications", status=502))
    with pytest.raises(NetworkError, match="502"):
        await pages_of(connector)


async def test_populated_data_parses_completely(
    connector: BlueskyConnector, fake: BlueskyFake
) -> None:
    made = fake.populate(300)
    pages = await pages_of(connector)
    assert sum(len(p.items) + p.skipped for p in pages) == len(made)
    assert {r for p in pages for r in p.skipped_reasons} == {"like", "repost"}
    assert {i.kind for p in pages for i in p.items} == {
        ItemKind.REPLY,
        ItemKind.MENTION,
        ItemKind.QUOTE,
    }


# ---- over a real socket --------------------------------------------------------------------------


async def test_the_whole_round_trip_over_a_socket(clock: Clock) -> None:
    fake = BlueskyFake(clock=clock)
    made = replies(fake, 120)
    with ServedFake.start(fake) as served:
        async with httpx.AsyncClient() as client:
            account = Account(name="sky", platform="bluesky", base_url=served.url)
            credentials = Credentials({"identifier": fake.email, "password": fake.app_password})
            connector = BlueskyConnector(account, credentials, client, clock=clock)
            pages = await pages_of(connector)
            item = pages[0].items[0]
            posted = await connector.post_reply(item, "over the wire", "socket-key")
            context = await connector.fetch_context(item)
    assert sorted(uris(pages)) == sorted(made)
    assert fake.posts[posted.remote_id]["record"]["reply"]["parent"]["uri"] == item.remote_id
    assert [c.is_own for c in context] == [True]
