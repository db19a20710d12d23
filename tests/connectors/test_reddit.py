"""The Reddit connector against the local Reddit fake (in-process, and once over a socket)."""

from __future__ import annotations

import base64
import json
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
from core.connectors.reddit import RedditConnector
from core.fakes.base import Fault, ServedFake
from core.fakes.reddit import RedditFake
from core.models import JSON, Account, ItemKind
from core.secrets import Credentials

BASE = "http://reddit.test"
NOW = 1_750_000_000.0
DAY = 86_400.0
HORIZON = datetime.fromtimestamp(NOW - 30 * DAY, UTC)


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> RedditFake:
    return RedditFake(clock=clock)


@pytest.fixture
async def client(fake: RedditFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        yield http


def make_connector(
    fake: RedditFake,
    client: httpx.AsyncClient,
    clock: Clock,
    *,
    base_url: str = BASE,
    **overrides: str,
) -> RedditConnector:
    parts = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "username": fake.username,
        "password": fake.password,
        **overrides,
    }
    account = Account(name="reddit-main", platform="reddit", base_url=base_url)
    return RedditConnector(account, Credentials(parts), client, clock=clock)


@pytest.fixture
def connector(fake: RedditFake, client: httpx.AsyncClient, clock: Clock) -> RedditConnector:
    return make_connector(fake, client, clock)


async def pages(
    connector: RedditConnector,
    cursor: JSON | None,
    *,
    stop_after: int | None = None,
    into: list[Page] | None = None,
) -> list[Page]:
    """The pages of one sync; `into` receives them as they come (to see what came before an
    error)."""
    out: list[Page] = [] if into is None else into
    async for page in connector.fetch("inbox", cursor, HORIZON):
        out.append(page)
        if stop_after is not None and len(out) == stop_after:
            break
    return out


def stored(cursor: JSON) -> JSON:
    """The cursor as the store gives it back: through JSON."""
    return dict(json.loads(json.dumps(cursor)))


def ids(found: list[Page]) -> list[str]:
    return [item.remote_id for page in found for item in page.items]


def inbox_requests(fake: RedditFake) -> list[dict[str, str]]:
    return [dict(r.query) for r in fake.requests_to("/message/inbox", "GET")]


# ---- authentication ----------------------------------------------------------------------------


async def test_password_grant_uses_basic_auth_then_bearer_token(
    fake: RedditFake, connector: RedditConnector
) -> None:
    identity = await connector.verify()

    assert identity.handle == fake.username
    assert identity.remote_id == fake.me
    grant, me = fake.received
    assert (grant.method, grant.path) == ("POST", "/api/v1/access_token")
    expected = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode()).decode()
    assert grant.headers["authorization"] == f"Basic {expected}"
    assert grant.form() == {
        "grant_type": "password",
        "username": fake.username,
        "password": fake.password,
    }
    token = next(iter(fake.tokens))
    assert me.path == "/api/v1/me"
    assert me.headers["authorization"] == f"bearer {token}"
    agent = me.headers["user-agent"]
    assert agent.startswith("python:rapport-tui:")
    assert agent.endswith("(by /u/rapport_user)")


async def test_token_is_granted_again_shortly_before_it_expires(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    await connector.verify()
    clock.now += 3000  # still valid for ten minutes: no new grant
    await connector.verify()
    assert len(fake.requests_to("/api/v1/access_token")) == 1

    clock.now += 590  # 10 s before expiry: inside the safety margin
    await connector.verify()
    assert len(fake.requests_to("/api/v1/access_token")) == 2
    assert len(fake.tokens) == 2


async def test_a_401_earns_exactly_one_new_grant(
    fake: RedditFake, connector: RedditConnector
) -> None:
    await connector.verify()
    fake.inject(Fault("expired_token", path="/api/v1/me"))

    assert (await connector.verify()).handle == fake.username
    assert len(fake.requests_to("/api/v1/access_token")) == 2

    fake.inject(Fault("expired_token", path="/api/v1/me", times=2))
    with pytest.raises(AuthError):
        await connector.verify()


async def test_override_base_url_serves_auth_and_api(
    fake: RedditFake, connector: RedditConnector
) -> None:
    assert connector.auth_base == BASE
    account = Account(name="r", platform="reddit", base_url="https://oauth.reddit.com")
    real = RedditConnector(account, Credentials({"username": "u"}), httpx.AsyncClient())
    assert real.auth_base == "https://www.reddit.com"
    await real.client.aclose()


async def test_wrong_client_secret_is_an_auth_error_without_the_secret(
    fake: RedditFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(fake, client, clock, client_secret="s3cr3t-wrong")
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    assert "client_secret" in str(caught.value)
    assert "s3cr3t-wrong" not in str(caught.value)
    assert "s3cr3t-wrong" not in repr(connector)


async def test_wrong_password_is_an_auth_error_without_the_password(
    fake: RedditFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(fake, client, clock, password="hunter2-wrong")
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    assert "username or password" in str(caught.value)
    assert "hunter2-wrong" not in str(caught.value)
    assert not fake.requests_to("/api/v1/me")


async def test_missing_credential_part_is_an_auth_error(
    fake: RedditFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    account = Account(name="r", platform="reddit", base_url=BASE)
    connector = RedditConnector(
        account,
        Credentials({"client_id": "a", "client_secret": "b", "username": "c"}),
        client,
        clock=clock,
    )
    with pytest.raises(AuthError, match="password"):
        await connector.verify()


# ---- the inbox: backfill, resume, incremental --------------------------------------------------


def seed(fake: RedditFake, count: int) -> list[str]:
    """`count` inbox items within the horizon, plus two older ones that must not come out."""
    fake.populate(2, start=NOW - 40 * DAY)
    return fake.populate(count, start=NOW - 60)


async def test_first_sync_pages_back_to_the_horizon(
    fake: RedditFake, connector: RedditConnector
) -> None:
    expected = seed(fake, 230)

    found = await pages(connector, None)

    assert ids(found) == expected  # newest first, nothing older than the horizon
    assert [len(p.items) for p in found] == [100, 100, 30]
    queries = inbox_requests(fake)
    assert all(q["limit"] == "100" and q["raw_json"] == "1" for q in queries)
    assert "after" not in queries[0]
    assert queries[1]["after"] == expected[99]
    assert queries[2]["after"] == expected[199]
    assert found[-1].cursor == {
        "mode": "incremental",
        "newest": expected[0],
        "newest_utc": NOW - 60,
        "newest_names": [expected[0]],
    }


@pytest.mark.parametrize("stop_after", [1, 2])
async def test_interrupted_backfill_resumes_without_gaps_or_repeats(
    fake: RedditFake, connector: RedditConnector, stop_after: int
) -> None:
    expected = seed(fake, 230)

    first = await pages(connector, None, stop_after=stop_after)
    rest = await pages(connector, stored(first[-1].cursor))

    got = ids(first) + ids(rest)
    assert got == expected
    assert len(set(got)) == len(got)
    assert rest[-1].cursor["mode"] == "incremental"


async def test_incremental_reads_upwards_with_before(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    old = seed(fake, 20)
    cursor = (await pages(connector, None))[-1].cursor
    clock.now += 600
    new = [fake.add_comment_reply("newcomer", f"reply {n}") for n in range(3)]

    found = await pages(connector, cursor)

    assert set(ids(found)) == set(new)
    assert not set(ids(found)) & set(old)
    assert inbox_requests(fake)[-1]["before"] == old[0]
    assert found[-1].cursor["newest"] == new[-1]


async def test_interrupted_incremental_resumes_without_gaps_or_repeats(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    seed(fake, 5)
    cursor = (await pages(connector, None))[-1].cursor
    clock.now += 600
    new = [fake.add_post_reply("crowd", f"comment {n}") for n in range(150)]

    first = await pages(connector, cursor, stop_after=1)
    rest = await pages(connector, stored(first[-1].cursor))

    got = ids(first) + ids(rest)
    assert sorted(got) == sorted(new)
    assert len(set(got)) == 150
    # Upwards: the first page holds the 100 just above the old mark, the oldest new ones.
    assert set(ids(first)) == set(new[:100])


async def test_nothing_new_costs_no_items_and_keeps_the_cursor(
    fake: RedditFake, connector: RedditConnector
) -> None:
    seed(fake, 10)
    cursor = (await pages(connector, None))[-1].cursor
    before = len(fake.received)

    assert await pages(connector, cursor) == []
    # One upward read, one look at the top of the inbox to rule out a deleted anchor.
    assert len(fake.received) - before == 2


async def test_deleted_newest_item_falls_back_to_a_top_down_walk(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    old = seed(fake, 10)
    cursor = (await pages(connector, None))[-1].cursor
    fake.delete(old[0])  # the anchor of `before` is gone: Reddit answers an empty listing
    clock.now += 600
    new = [fake.add_comment_reply("late", f"reply {n}") for n in range(3)]

    found = await pages(connector, cursor)

    assert sorted(ids(found)) == sorted(new)
    assert found[-1].cursor["newest"] == new[-1]


async def test_deleted_newest_item_with_nothing_new_moves_the_mark(
    fake: RedditFake, connector: RedditConnector
) -> None:
    old = seed(fake, 10)
    cursor = (await pages(connector, None))[-1].cursor
    fake.delete(old[0])

    found = await pages(connector, cursor)

    assert ids(found) == []
    assert found[-1].cursor["newest"] == old[1]
    await pages(connector, found[-1].cursor)
    assert inbox_requests(fake)[-2]["before"] == old[1]


async def test_deleted_after_anchor_mid_backfill_restarts_from_the_top(
    fake: RedditFake, connector: RedditConnector
) -> None:
    expected = seed(fake, 230)
    first = await pages(connector, None, stop_after=1)
    fake.delete(first[-1].cursor["after"])

    rest = await pages(connector, stored(first[-1].cursor))

    got = ids(first) + ids(rest)
    remaining = [name for name in expected if name != first[-1].cursor["after"]]
    assert sorted(set(got) - {first[-1].cursor["after"]}) == sorted(remaining)
    assert len(set(got)) == len(got)


async def test_empty_inbox_then_first_item(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    found = await pages(connector, None)
    assert ids(found) == []
    clock.now += 60
    first = fake.add_mention("hello_there")
    assert ids(await pages(connector, found[-1].cursor)) == [first]


# ---- item fields -------------------------------------------------------------------------------


async def test_items_carry_kind_threading_url_and_text(
    fake: RedditFake, connector: RedditConnector
) -> None:
    post = fake.add_post(fake.username, "Our question", subreddit="python")
    ours = fake.add_comment(fake.username, post, "our comment")
    reply = fake.add_comment(
        "alice", ours, "**Agreed** & see [docs](https://docs.python.org) > all"
    )
    post_reply = fake.add_comment("bob", post, "top level")
    mention = fake.add_mention("carol", "ask u/rapport_user")
    message = fake.add_message("dave", "psst", subject="private")

    found = {i.remote_id: i for i in (await pages(connector, None))[0].items}

    item = found[reply]
    assert item.kind is ItemKind.REPLY
    assert item.author.handle == "alice"
    assert item.author.remote_id == fake.users["alice"]
    assert item.text == "Agreed & see docs (https://docs.python.org) > all"
    assert item.markup == "**Agreed** & see [docs](https://docs.python.org) > all"
    assert item.thread_root_id == post  # derived from `context`: inbox items have no link_id
    assert item.parent_id == ours
    permalink = fake.things[reply]["permalink"]
    assert item.url == f"https://www.reddit.com{permalink}?context=3"
    assert item.platform_data["subreddit"] == "python"
    assert item.platform_data["link_title"] == "Our question"
    assert item.read is False
    assert item.created_at == datetime.fromtimestamp(fake.things[reply]["created_utc"], UTC)
    assert found[post_reply].kind is ItemKind.COMMENT
    assert found[post_reply].parent_id == post
    assert found[mention].kind is ItemKind.MENTION
    direct = found[message]
    assert direct.kind is ItemKind.DIRECT
    assert direct.thread_root_id == message
    assert direct.url == f"https://www.reddit.com/message/messages/{message[3:]}"
    assert direct.platform_data["subject"] == "private"


async def test_raw_json_keeps_bodies_unescaped(
    fake: RedditFake, connector: RedditConnector
) -> None:
    fake.add_comment_reply("eve", "a < b && c > d")
    (item,) = (await pages(connector, None))[0].items
    assert item.markup == "a < b && c > d"
    assert item.text == "a < b && c > d"


# ---- context, reply, find_reply, mark read -----------------------------------------------------


async def test_context_walks_parents_up_to_the_submission(
    fake: RedditFake, connector: RedditConnector
) -> None:
    post = fake.add_post("alice", "Which editor?", selftext="Tell me **why**.")
    c1 = fake.add_comment(fake.username, post, "vim")
    c2 = fake.add_comment("alice", c1, "why vim?")
    c3 = fake.add_comment(fake.username, c2, "muscle memory")
    target = fake.add_comment("alice", c3, "fair enough")
    item = next(i for i in (await pages(connector, None))[0].items if i.remote_id == target)

    context = await connector.fetch_context(item)

    assert [p.remote_id for p in context] == [post, c1, c2, c3]
    assert context[0].text == "Which editor?\n\nTell me why."
    assert [p.is_own for p in context] == [False, True, False, True]
    assert context[2].parent_id == c1
    (request,) = fake.requests_to(f"/comments/{post[3:]}")
    assert request.param("comment") == target[3:]
    assert request.param("context") == "8"


async def test_context_of_a_private_message_is_the_conversation(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    first = fake.add_message("zoe", "hi there", subject="question")
    ours = fake.add_message(fake.username, "hello!", reply_to=first, to="zoe")
    last = fake.add_message("zoe", "thanks", reply_to=ours)
    item = next(i for i in (await pages(connector, None))[0].items if i.remote_id == last)

    context = await connector.fetch_context(item)

    assert [p.remote_id for p in context] == [first, ours]
    assert [p.is_own for p in context] == [False, True]


@pytest.mark.parametrize(
    "handle", ["u/rapport_user", "/u/rapport_user", "U/Rapport_User", "@rapport_user"]
)
async def test_our_posts_in_a_thread_are_ours_whatever_way_the_handle_is_written(
    fake: RedditFake, client: httpx.AsyncClient, clock: Clock, handle: str
) -> None:
    # `rapport accounts add reddit --handle u/you` and the demo store the handle as written.
    assert fake.username == "rapport_user"
    account = Account(name="rd", platform="reddit", base_url=BASE, handle=handle)
    parts = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "username": f"u/{fake.username}",  # key=value lines may say u/name too
        "password": fake.password,
    }
    connector = RedditConnector(account, Credentials(parts), client, clock=clock)
    post = fake.add_post(fake.username, "Release notes", selftext="v2 is out")
    theirs = fake.add_comment("alice", post, "nice")
    ours = fake.add_comment(fake.username, theirs, "thanks!")
    target = fake.add_comment("alice", ours, "when is v3?")
    item = next(i for i in (await pages(connector, None))[0].items if i.remote_id == target)

    context = await connector.fetch_context(item)

    assert [(p.remote_id, p.is_own) for p in context] == [
        (post, True),
        (theirs, False),
        (ours, True),
    ]
    assert connector.me.lower() == "rapport_user"


async def test_context_of_a_vanished_thread_is_not_found(
    fake: RedditFake, connector: RedditConnector
) -> None:
    reply = fake.add_comment_reply("mallory", "gone soon")
    (item,) = (await pages(connector, None))[0].items
    fake.delete(item.thread_root_id)
    assert item.remote_id == reply
    with pytest.raises(NotFound):
        await connector.fetch_context(item)


async def test_reply_is_threaded_and_found_again(
    fake: RedditFake, connector: RedditConnector
) -> None:
    reply = fake.add_comment_reply("alice", "what do you think?")
    (item,) = (await pages(connector, None))[0].items
    sent_at = datetime.fromtimestamp(NOW, UTC)

    posted = await connector.post_reply(item, "I think so", "key-1")

    (request,) = fake.requests_to("/api/comment", "POST")
    assert request.form() == {"api_type": "json", "text": "I think so", "thing_id": reply}
    assert request.param("raw_json") == "1"
    assert posted.remote_id.startswith("t1_")
    assert fake.things[posted.remote_id]["parent_id"] == reply
    assert posted.url == "https://www.reddit.com" + fake.things[posted.remote_id]["permalink"]
    found = await connector.find_reply(item, "I think so", sent_at)
    assert found is not None
    assert found.remote_id == posted.remote_id
    assert fake.requests_to(f"/user/{fake.username}/comments")[-1].param("limit") == "25"
    assert await connector.find_reply(item, "something else", sent_at) is None


async def test_reply_to_a_private_message(fake: RedditFake, connector: RedditConnector) -> None:
    message = fake.add_message("zoe", "ping")
    (item,) = (await pages(connector, None))[0].items

    posted = await connector.post_reply(item, "pong", "key-2")

    assert posted.remote_id.startswith("t4_")
    assert fake.things[posted.remote_id]["parent_id"] == message
    found = await connector.find_reply(item, "pong", datetime.fromtimestamp(NOW - 5, UTC))
    assert found is not None
    assert found.remote_id == posted.remote_id


async def test_in_body_ratelimit_is_rate_limited_with_the_wait(
    fake: RedditFake, connector: RedditConnector
) -> None:
    fake.add_comment_reply("alice", "hi")
    (item,) = (await pages(connector, None))[0].items
    fake.queue_comment_error(
        "RATELIMIT", "you are doing that too much. try again in 5 minutes.", "ratelimit"
    )
    with pytest.raises(RateLimited) as caught:
        await connector.post_reply(item, "hello", "k")
    assert caught.value.retry_after == 300

    fake.ratelimit_comment(minutes=9)
    with pytest.raises(RateLimited) as caught:
        await connector.post_reply(item, "hello", "k")
    assert caught.value.retry_after == 540
    assert not [t for t in fake.things.values() if t.get("body") == "hello"]


async def test_locked_thread_and_deleted_parent(
    fake: RedditFake, connector: RedditConnector
) -> None:
    fake.add_comment_reply("alice", "hi")
    (item,) = (await pages(connector, None))[0].items
    fake.lock(item.thread_root_id)
    with pytest.raises(BadResponse, match="THREAD_LOCKED"):
        await connector.post_reply(item, "hello", "k")

    fake.delete(item.remote_id)
    with pytest.raises(NotFound, match="DELETED_COMMENT"):
        await connector.post_reply(item, "hello", "k")


async def test_mark_read_sends_comma_separated_fullnames(
    fake: RedditFake, connector: RedditConnector
) -> None:
    names = [fake.add_comment_reply("alice", f"n{n}") for n in range(3)]
    items = (await pages(connector, None))[0].items

    await connector.mark_read(items)

    (request,) = fake.requests_to("/api/read_message", "POST")
    assert sorted(request.form()["id"].split(",")) == sorted(names)
    assert all(not fake.inbox[name]["new"] for name in names)


# ---- errors and rate limits --------------------------------------------------------------------


async def test_429_is_rate_limited_for_the_reset_seconds_and_nothing_is_sent_meanwhile(
    fake: RedditFake, connector: RedditConnector, clock: Clock
) -> None:
    await connector.verify()
    fake.inject(Fault("rate_limit", path="/message/inbox", seconds=120))
    with pytest.raises(RateLimited) as caught:
        await pages(connector, None)
    assert caught.value.retry_after == 120

    sent = len(fake.received)
    clock.now += 60
    with pytest.raises(RateLimited) as caught:
        await pages(connector, None)
    assert caught.value.retry_after == pytest.approx(60)
    assert len(fake.received) == sent  # the budget refused before sending

    clock.now += 61
    await pages(connector, None)
    assert len(fake.received) > sent


async def test_spent_window_from_headers_blocks_the_next_request(
    clock: Clock,
) -> None:
    fake = RedditFake(clock=clock, window_limit=2)
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        connector = make_connector(fake, http, clock)
        await connector.verify()
        await connector.verify()  # the second of two: X-Ratelimit-Remaining: 0.0
        sent = len(fake.received)
        with pytest.raises(RateLimited) as caught:
            await connector.verify()
        assert len(fake.received) == sent
        assert 0 < caught.value.retry_after <= 600


async def test_server_errors_are_network_errors(
    fake: RedditFake, connector: RedditConnector
) -> None:
    fake.inject(Fault("server_error", path="/message/inbox", status=503))
    with pytest.raises(NetworkError):
        await pages(connector, None)


async def test_timeouts_are_network_errors(clock: Clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        connector = make_connector(RedditFake(), http, clock)
        with pytest.raises(NetworkError, match="in time"):
            await connector.verify()


async def test_malformed_json_yields_nothing(fake: RedditFake, connector: RedditConnector) -> None:
    seed(fake, 5)
    fake.inject(Fault("malformed", path="/message/inbox"))
    got: list[Page] = []
    with pytest.raises(BadResponse):
        await pages(connector, None, into=got)
    assert got == []


async def test_an_item_missing_a_field_fails_its_whole_page(
    fake: RedditFake, connector: RedditConnector
) -> None:
    names = seed(fake, 5)
    fake.drop_field(names[3], "created_utc")
    got: list[Page] = []
    with pytest.raises(BadResponse, match="created_utc"):
        await pages(connector, None, into=got)
    assert got == []


async def test_unknown_stream_is_refused(connector: RedditConnector) -> None:
    with pytest.raises(Exception, match="no stream"):
        async for _ in connector.fetch("modmail", None, HORIZON):
            pass


# ---- over a real socket --------------------------------------------------------------------------


async def test_sync_and_reply_over_a_socket() -> None:
    fake = RedditFake()
    expected = fake.populate(120, start=datetime.now(UTC).timestamp() - 10)
    served = ServedFake.start(fake)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            connector = make_connector(fake, http, Clock(datetime.now(UTC).timestamp()))
            connector.clock = lambda: datetime.now(UTC).timestamp()
            account = Account(name="r", platform="reddit", base_url=served.url)
            connector.account = account
            connector.base_url = served.url
            horizon = datetime.now(UTC) - timedelta(days=30)
            found = [p async for p in connector.fetch("inbox", None, horizon)]
            assert ids(found) == expected
            item = found[0].items[0]
            posted = await connector.post_reply(item, "over the wire", "k")
            assert fake.things[posted.remote_id]["parent_id"] == item.remote_id
    finally:
        served.stop()


async def test_a_reply_whose_answer_is_lost_is_found_before_retrying() -> None:
    """The comment is created but the answer arrives after the client gave up: the send fails
    as a network error, and find_reply then finds the comment so it is not sent twice."""
    fake = RedditFake()
    fake.add_comment_reply("alice", "still there?", created=datetime.now(UTC).timestamp() - 5)
    served = ServedFake.start(fake)
    try:
        async with httpx.AsyncClient(timeout=0.2) as http:
            connector = make_connector(fake, http, Clock(), base_url=served.url)
            connector.clock = lambda: datetime.now(UTC).timestamp()
            horizon = datetime.now(UTC) - timedelta(days=1)
            (item,) = [i for p in await pages_since(connector, horizon) for i in p.items]
            fake.inject(Fault("cut", path="/api/comment", seconds=0.6))
            sent_at = datetime.now(UTC)
            with pytest.raises(NetworkError):
                await connector.post_reply(item, "yes, here", "key")
            found = await connector.find_reply(item, "yes, here", sent_at)
            assert found is not None
            assert fake.things[found.remote_id]["parent_id"] == item.remote_id
    finally:
        served.stop()


async def pages_since(connector: RedditConnector, horizon: datetime) -> list[Page]:
    return [page async for page in connector.fetch("inbox", None, horizon)]
