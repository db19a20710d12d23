"""The Mastodon connector against the local Mastodon fake (in-process, and once over a socket)."""

from __future__ import annotations

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
from core.connectors.mastodon import MastodonConnector, id_key, newest_id
from core.fakes.base import Fault, ServedFake
from core.fakes.mastodon import MastodonFake
from core.models import JSON, Account, Item, ItemKind
from core.secrets import Credentials

BASE_URL = "https://mastodon.example"
START = 1_780_000_000.0
HORIZON = datetime(2020, 1, 1, tzinfo=UTC)


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
def fake(clock: Clock) -> MastodonFake:
    return MastodonFake(clock=clock)


@pytest.fixture
async def client(fake: MastodonFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        yield client


def make_connector(
    fake: MastodonFake, client: httpx.AsyncClient, clock: Clock, token: str | None = None
) -> MastodonConnector:
    account = Account(name="masto", platform="mastodon", base_url=BASE_URL)
    credentials = Credentials({"token": fake.token if token is None else token})
    return MastodonConnector(account, credentials, client, clock=clock)


@pytest.fixture
def connector(fake: MastodonFake, client: httpx.AsyncClient, clock: Clock) -> MastodonConnector:
    return make_connector(fake, client, clock)


async def pages_of(
    connector: MastodonConnector,
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


async def collect_into(pages: list[Page], connector: MastodonConnector) -> None:
    """Fetch into `pages`, so a test can see what was yielded before an error."""
    async for page in connector.fetch("notifications", None, HORIZON):
        pages.append(page)


def ids(pages: list[Page]) -> list[str]:
    return [item.remote_id for page in pages for item in page.items]


def mentions(fake: MastodonFake, count: int, author: str = "alice@other.example") -> list[str]:
    return [fake.add_mention(author, f"message {n}")["status"]["id"] for n in range(count)]


# ---- ids -----------------------------------------------------------------------------------------


def test_ids_order_by_length_then_text_never_as_plain_strings() -> None:
    assert id_key("9") < id_key("10") < id_key("117020577157693549")
    assert newest_id("99", "100", None, "") == "100"
    assert newest_id(None) is None


# ---- auth ----------------------------------------------------------------------------------------


async def test_verify_names_the_account_and_sends_the_bearer_token(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    identity = await connector.verify()
    assert identity.remote_id == fake.me["id"]
    assert identity.handle == "@me@mastodon.example"
    assert identity.display_name == "Rapport Tester"
    request = fake.requests_to("/api/v1/accounts/verify_credentials")[0]
    assert request.headers["authorization"] == f"Bearer {fake.token}"


async def test_a_wrong_token_is_an_auth_error_that_says_what_to_do(
    fake: MastodonFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(fake, client, clock, token="stolen-looking-token-123")
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    message = str(caught.value)
    assert "refused the access token" in message
    assert "New application" in message
    assert "read:notifications" in message
    assert "stolen-looking-token-123" not in message
    assert "stolen-looking-token-123" not in repr(connector)


async def test_a_token_revoked_during_a_sync_stops_it_with_an_auth_error(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mentions(fake, 50)

    async def sync_while_revoking() -> None:
        async for _page in connector.fetch("notifications", None, HORIZON):
            fake.revoke()

    with pytest.raises(AuthError):
        await sync_while_revoking()


# ---- paging --------------------------------------------------------------------------------------


async def test_backfill_pages_from_newest_to_the_end(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    made = mentions(fake, 175)
    pages = await pages_of(connector)
    assert ids(pages) == list(reversed(made))
    assert [len(p.items) for p in pages] == [80, 80, 15, 0]
    newest = fake.notifications[-1]["id"]
    assert [p.cursor["mode"] for p in pages] == ["backfill", "backfill", "backfill", "incremental"]
    assert all(p.cursor["newest"] == newest for p in pages)
    requests = fake.requests_to("/api/v1/notifications")
    assert requests[0].params("types[]") == ["mention", "quote"]
    assert requests[0].param("limit") == "80"  # the most Mastodon gives
    # Each page continues below the last one, as the Link header said.
    assert requests[1].param("max_id") == pages[0].cursor["older"]
    assert requests[1].param("max_id") == fake.notifications[-80]["id"]


@pytest.mark.parametrize("interrupt_after", [1, 2, 3])
async def test_an_interrupted_backfill_resumes_with_exactly_the_rest(
    connector: MastodonConnector, fake: MastodonFake, interrupt_after: int
) -> None:
    made = mentions(fake, 175)
    first = await pages_of(connector, stop_after=interrupt_after)
    rest = await pages_of(connector, cursor=first[-1].cursor)
    seen = ids(first) + ids(rest)
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


async def test_incremental_after_backfill_fetches_only_what_is_new(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mentions(fake, 30)
    cursor = (await pages_of(connector))[-1].cursor
    new = mentions(fake, 50, author="bob")
    pages = await pages_of(connector, cursor=cursor)
    assert sorted(ids(pages)) == sorted(new)
    # min_id pages forward from the mark; each page's mark is higher than the last.
    assert fake.received[-len(pages)].param("min_id") == cursor["newest"]
    marks = [p.cursor["newest"] for p in pages]
    assert marks == sorted(marks, key=id_key)
    assert marks[-1] == fake.notifications[-1]["id"]
    before = len(fake.received)
    assert await pages_of(connector, cursor=pages[-1].cursor) == []
    assert len(fake.received) == before + 1


async def test_an_interrupted_incremental_run_leaves_no_gap(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mentions(fake, 10)
    cursor = (await pages_of(connector))[-1].cursor
    new = mentions(fake, 90)
    first = await pages_of(connector, cursor=cursor, stop_after=1)
    newer = mentions(fake, 5)
    rest = await pages_of(connector, cursor=first[-1].cursor)
    seen = ids(first) + ids(rest)
    assert sorted(seen) == sorted(new + newer)
    assert len(seen) == len(set(seen))


async def test_the_first_sync_stops_at_the_horizon(
    connector: MastodonConnector, fake: MastodonFake, clock: Clock
) -> None:
    old_time = START - 30 * 86400
    for n in range(60):
        fake.add_mention("old@other.example", f"old {n}", at=old_time + n)
    recent = mentions(fake, 5)
    pages = await pages_of(connector, horizon=datetime.fromtimestamp(START - 7 * 86400, UTC))
    assert ids(pages) == list(reversed(recent))
    assert len(fake.requests_to("/api/v1/notifications")) == 1
    assert pages[-1].cursor == {"mode": "incremental", "newest": fake.notifications[-1]["id"]}


async def test_notifications_that_are_not_conversations_are_skipped_and_counted(
    clock: Clock,
) -> None:
    # A server that ignores types[] (before Mastodon 3.5, some forks) sends everything.
    fake = MastodonFake(clock=clock, supports_types=False)
    kept = mentions(fake, 2)
    fake.add_favourite("carol")
    fake.add_favourite("dave")
    fake.add_reblog("carol")
    fake.add_follow("erin")
    fake.add_notification("poll", "carol")
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        pages = await pages_of(make_connector(fake, client, clock))
    assert sorted(ids(pages)) == sorted(kept)
    assert pages[0].skipped_reasons == {"favourite": 2, "reblog": 1, "follow": 1, "poll": 1}
    assert pages[0].skipped == 5


async def test_a_mention_whose_status_is_null_is_skipped_with_its_reason(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    before = mentions(fake, 1)
    fake.add_hidden_mention("ghost@gone.example")
    after = mentions(fake, 1)
    pages = await pages_of(connector)
    assert ids(pages) == after + before
    assert pages[0].skipped_reasons == {"status_missing": 1}


# ---- items ---------------------------------------------------------------------------------------


async def test_items_carry_kind_author_text_and_threading(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    alice = fake.add_account(
        "alice",
        "other.example",
        display_name="Alice",
        note="I write at https://alice.example/blog",
        fields=[("Site", "https://alice.example", True), ("Code", "https://git.example/a", False)],
    )
    mention = fake.add_mention(alice, "Have you read https://www.example.com/a/very/long/path/x?")
    reply = fake.add_reply("bob", "Nice post #rust")
    direct = fake.add_direct(alice, "a private word")
    quote = fake.add_quote("carol", "look at this")
    items = {i.remote_id: i for p in await pages_of(connector) for i in p.items}

    first = items[mention["status"]["id"]]
    assert first.kind is ItemKind.MENTION
    assert first.text == "@me Have you read https://www.example.com/a/very/long/path/x?"
    assert first.is_question
    assert first.author.handle == "@alice@other.example"
    assert first.author.display_name == "Alice"
    assert first.author.instance == "other.example"
    assert first.author.profile_url == "https://other.example/@alice"
    assert first.author.bio == "I write at https://alice.example/blog"
    assert first.author.links == ["https://alice.example (verified)", "https://git.example/a"]
    assert first.url == mention["status"]["url"]
    assert first.markup == mention["status"]["content"]
    assert first.thread_root_id == first.remote_id
    assert first.parent_id == ""
    assert first.platform_data["notification_id"] == mention["id"]
    assert first.platform_data["visibility"] == "public"
    assert first.platform_data["mentions"] == ["me"]

    second = items[reply["status"]["id"]]
    assert second.kind is ItemKind.REPLY
    assert second.author.handle == "@bob@mastodon.example"  # a local account, made qualified
    assert second.parent_id == reply["status"]["in_reply_to_id"] == second.thread_root_id
    assert second.text == "@me Nice post #rust"
    assert not second.is_question

    assert items[direct["status"]["id"]].kind is ItemKind.DIRECT
    assert items[quote["status"]["id"]].kind is ItemKind.QUOTE


async def test_thread_context_is_root_first_and_marks_our_posts(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    root = fake.add_status("carol", "What do you all use for email?")
    mine = fake.add_status(fake.me, "@carol a terminal inbox", in_reply_to=root)
    reply = fake.add_mention("alice@other.example", "which one?", in_reply_to=mine)
    items = [i for p in await pages_of(connector) for i in p.items]
    item = next(i for i in items if i.remote_id == reply["status"]["id"])
    context = await connector.fetch_context(item)
    assert [c.remote_id for c in context] == [root["id"], mine["id"]]
    assert [c.is_own for c in context] == [False, True]
    assert context[0].text == "What do you all use for email?"
    assert context[1].parent_id == root["id"]
    assert context[0].author.handle == "@carol@mastodon.example"


# ---- replies -------------------------------------------------------------------------------------


async def item_for(connector: MastodonConnector, status_id: str) -> Item:
    items = [i for p in await pages_of(connector) for i in p.items]
    return next(i for i in items if i.remote_id == status_id)


async def test_a_reply_keeps_the_audience_addresses_everyone_and_sends_a_key(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    fake.add_account("bob", "third.example")
    mention = fake.add_mention(
        "alice@other.example",
        "@bob@third.example what do you think?",
        visibility="private",
        spoiler_text="work talk",
    )
    item = await item_for(connector, mention["status"]["id"])
    posted = await connector.post_reply(item, "I agree!", "key-123")

    sent = fake.requests_to("/api/v1/statuses", "POST")[0]
    body = sent.json()
    assert body["status"] == "@alice@other.example @bob@third.example I agree!"
    assert body["in_reply_to_id"] == mention["status"]["id"]
    assert body["visibility"] == "private"
    assert body["spoiler_text"] == "work talk"
    assert sent.headers["idempotency-key"] == "key-123"
    # The reply exists on the server, threaded under the mention.
    created = fake.statuses[posted.remote_id]
    assert created["in_reply_to_id"] == mention["status"]["id"]
    assert posted.url == created["url"]
    since = datetime.fromtimestamp(START, UTC)
    found = await connector.find_reply(item, "I agree!", since)  # read back from the context
    assert found is not None
    assert found.remote_id == posted.remote_id


async def test_a_reply_names_nobody_twice_and_never_ourselves(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mention = fake.add_mention("alice@other.example", "hi @me")
    item = await item_for(connector, mention["status"]["id"])
    await connector.post_reply(item, "@Alice@other.example hello back", "k1")
    body = fake.requests_to("/api/v1/statuses", "POST")[0].json()
    assert body["status"] == "@Alice@other.example hello back"


async def test_a_reply_to_a_direct_message_stays_direct(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    direct = fake.add_direct("alice@other.example", "between us")
    item = await item_for(connector, direct["status"]["id"])
    await connector.post_reply(item, "sure", "k2")
    body = fake.requests_to("/api/v1/statuses", "POST")[0].json()
    assert body["visibility"] == "direct"
    assert "spoiler_text" not in body


async def test_a_retry_after_a_lost_answer_makes_one_post(fake: MastodonFake, clock: Clock) -> None:
    mention = fake.add_mention("alice@other.example", "ping")
    transport = LoseAnswers(fake.transport(), "/api/v1/statuses")
    async with httpx.AsyncClient(transport=transport) as client:
        connector = make_connector(fake, client, clock)
        item = await item_for(connector, mention["status"]["id"])
        before = len(fake.statuses)
        with pytest.raises(NetworkError):
            await connector.post_reply(item, "pong", "same-key")
        posted = await connector.post_reply(item, "pong", "same-key")
    assert len(fake.statuses) == before + 1
    assert fake.statuses[posted.remote_id]["in_reply_to_id"] == mention["status"]["id"]
    keys = [r.headers["idempotency-key"] for r in fake.requests_to("/api/v1/statuses", "POST")]
    assert keys == ["same-key", "same-key"]


async def test_the_fake_remembers_an_idempotency_key_for_an_hour_like_mastodon(
    connector: MastodonConnector, fake: MastodonFake, clock: Clock
) -> None:
    mention = fake.add_mention("alice@other.example", "ping")
    item = await item_for(connector, mention["status"]["id"])
    first = await connector.post_reply(item, "pong", "key")
    clock.now += 3599
    assert (await connector.post_reply(item, "pong", "key")).remote_id == first.remote_id
    clock.now += 2
    assert (await connector.post_reply(item, "pong", "key")).remote_id != first.remote_id


async def test_find_reply_finds_our_reply_by_its_text(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mention = fake.add_mention("alice@other.example", "ping")
    item = await item_for(connector, mention["status"]["id"])
    since = datetime.fromtimestamp(START, UTC) - timedelta(seconds=1)
    assert await connector.find_reply(item, "pong", since) is None
    posted = await connector.post_reply(item, "pong", "k")
    found = await connector.find_reply(item, "pong", since)
    assert found is not None
    assert found.remote_id == posted.remote_id
    assert await connector.find_reply(item, "something else", since) is None
    later = since + timedelta(hours=1)
    assert await connector.find_reply(item, "pong", later) is None


async def test_mark_read_moves_the_notifications_marker_forward_only(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mentions(fake, 3)
    items = [i for p in await pages_of(connector) for i in p.items]
    await connector.mark_read(items)
    posts = fake.requests_to("/api/v1/markers", "POST")
    assert posts[0].form() == {"notifications[last_read_id]": fake.notifications[-1]["id"]}
    assert fake.markers["notifications"]["last_read_id"] == fake.notifications[-1]["id"]
    await connector.mark_read(items[-1:])  # the oldest: the marker must not go back
    assert len(fake.requests_to("/api/v1/markers", "POST")) == 1
    assert fake.markers["notifications"]["last_read_id"] == fake.notifications[-1]["id"]


# ---- errors --------------------------------------------------------------------------------------


async def test_a_429_gives_the_wait_from_the_reset_header(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    fake.inject(Fault("rate_limit", path="/api/v1/notifications", seconds=137))
    with pytest.raises(RateLimited) as caught:
        await pages_of(connector)
    assert caught.value.retry_after == pytest.approx(137, abs=0.01)


async def test_no_request_is_sent_while_the_quota_is_spent(
    fake: MastodonFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    fake.rate_limit = 2
    connector = make_connector(fake, client, clock)
    mentions(fake, 1)
    clock.now = START + 10  # 290 s before the 5-minute window ends
    await connector.verify()
    await pages_of(connector, stop_after=1)  # the second request spends the quota
    sent = len(fake.received)
    with pytest.raises(RateLimited) as caught:
        await connector.verify()
    assert len(fake.received) == sent
    window_end = START - START % 300 + 300
    assert caught.value.retry_after == pytest.approx(window_end - clock.now, abs=0.01)
    clock.now = window_end + 1
    assert (await connector.verify()).remote_id == fake.me["id"]


async def test_an_unknown_status_is_not_found(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mention = fake.add_mention("alice@other.example", "soon deleted")
    item = await item_for(connector, mention["status"]["id"])
    del fake.statuses[item.remote_id]
    with pytest.raises(NotFound):
        await connector.fetch_context(item)


async def test_malformed_json_yields_no_page(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    mentions(fake, 3)
    fake.inject(Fault("malformed", path="/api/v1/notifications"))
    pages: list[Page] = []
    with pytest.raises(BadResponse, match="malformed JSON"):
        await collect_into(pages, connector)
    assert pages == []


async def test_a_missing_field_fails_the_whole_page_not_half_an_item(
    connector: MastodonConnector, fake: MastodonFake
) -> None:
    made = mentions(fake, 3)
    del fake.statuses[made[1]]["content"]
    pages: list[Page] = []
    with pytest.raises(BadResponse, match="'content'"):
        await collect_into(pages, connector)
    assert pages == []


async def test_server_errors_and_timeouts_are_network_errors(
    connector: MastodonConnector, fake: MastodonFake, clock: Clock
) -> None:
    fake.inject(Fault("server_error", path="/api/v1/notifications", status=503))
    with pytest.raises(NetworkError, match="503"):
        await pages_of(connector)

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no answer", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(timeout)) as client:
        with pytest.raises(NetworkError, match="did not answer in time"):
            await make_connector(fake, client, clock).verify()


async def test_an_unreachable_server_is_named_without_the_path(
    fake: MastodonFake, clock: Clock
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as client:
        with pytest.raises(NetworkError) as raised:
            await make_connector(fake, client, clock).verify()
    message = str(raised.value)
    assert f"cannot connect to {httpx.URL(BASE_URL).host} " in message
    assert "wrong server address" in message
    assert "/api/" not in message


async def test_a_refused_reply_says_why(connector: MastodonConnector, fake: MastodonFake) -> None:
    mention = fake.add_mention("alice@other.example", "ping")
    item = await item_for(connector, mention["status"]["id"])
    with pytest.raises(BadResponse, match="character limit"):
        await connector.post_reply(item, "x" * 600, "k")


async def test_populated_data_parses_completely(clock: Clock) -> None:
    fake = MastodonFake(clock=clock, supports_types=False)
    made = fake.populate(200)
    async with httpx.AsyncClient(transport=fake.transport()) as client:
        pages = await pages_of(make_connector(fake, client, clock))
    assert sum(len(p.items) + p.skipped for p in pages) == len(made)
    assert {r for p in pages for r in p.skipped_reasons} == {"favourite", "reblog", "follow"}
    assert {i.kind for p in pages for i in p.items} == set(ItemKind) - {
        ItemKind.COMMENT,
        ItemKind.REVIEW,
    }


# ---- over a real socket --------------------------------------------------------------------------


async def test_the_whole_round_trip_over_a_socket(clock: Clock) -> None:
    fake = MastodonFake(clock=clock)
    made = mentions(fake, 45)
    with ServedFake.start(fake) as served:
        async with httpx.AsyncClient() as client:
            account = Account(name="masto", platform="mastodon", base_url=served.url)
            connector = MastodonConnector(
                account, Credentials({"token": fake.token}), client, clock=clock
            )
            identity = await connector.verify()
            pages = await pages_of(connector)
            item = pages[0].items[0]
            posted = await connector.post_reply(item, "over the wire", "socket-key")
    assert identity.handle == "@me@127.0.0.1"
    assert sorted(ids(pages)) == sorted(made)
    assert fake.statuses[posted.remote_id]["in_reply_to_id"] == item.remote_id
