"""The GitHub connector against the local GitHub fake (in-process, and once over a socket)."""

from __future__ import annotations

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
from core.connectors.github import GitHubConnector
from core.fakes.base import Fault, ServedFake
from core.fakes.github import GitHubFake
from core.models import JSON, Account, Item, ItemKind
from core.secrets import Credentials

BASE = "http://github.test"
NOW = 1_750_000_000.0
DAY = 86_400.0
HORIZON = datetime.fromtimestamp(NOW - 30 * DAY, UTC)
REPO = "acme/widget"


class Clock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> GitHubFake:
    return GitHubFake(clock=clock)


@pytest.fixture
async def client(fake: GitHubFake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        yield http


def make_connector(
    client: httpx.AsyncClient,
    clock: Clock,
    *,
    token: str = GitHubFake.token,
    handle: str = "",
    base_url: str = BASE,
    participating: bool = False,
) -> GitHubConnector:
    account = Account(name="gh", platform="github", base_url=base_url, handle=handle)
    return GitHubConnector(
        account, Credentials({"token": token}), client, clock=clock, participating=participating
    )


@pytest.fixture
def connector(client: httpx.AsyncClient, clock: Clock) -> GitHubConnector:
    return make_connector(client, clock)


async def pages(
    connector: GitHubConnector,
    cursor: JSON | None,
    *,
    stop_after: int | None = None,
    horizon: datetime = HORIZON,
    into: list[Page] | None = None,
) -> list[Page]:
    """The pages of one sync; `into` receives them as they come (to see what came before an
    error)."""
    out: list[Page] = [] if into is None else into
    async for page in connector.fetch("notifications", cursor, horizon):
        out.append(page)
        if stop_after is not None and len(out) == stop_after:
            break
    return out


def items_of(found: list[Page]) -> list[Item]:
    return [item for page in found for item in page.items]


def stored(cursor: JSON) -> JSON:
    """The cursor as the store gives it back: through JSON."""
    return dict(json.loads(json.dumps(cursor)))


def ids(found: list[Page]) -> list[str]:
    return [item.remote_id for item in items_of(found)]


def expected_ids(fake: GitHubFake, horizon: datetime = HORIZON) -> set[str]:
    """What a sync must bring: in every unread conversation thread, the opening post and the
    comments by others since the horizon."""
    floor = horizon.timestamp()
    out: set[str] = set()
    for thread in fake.threads.values():
        if thread["number"] is None or not thread["unread"]:
            continue
        if thread["reason"] in ("ci_activity", "state_change"):
            continue
        key = (thread["repo"], thread["number"])
        issue = fake.issues[key]
        if issue["author"] != fake.login and issue["created_at"] >= floor:
            out.add(f"{key[0]}#{key[1]}")
        for comment in fake.issue_comments[key] + fake.review_comments[key]:
            if comment["author"] != fake.login and comment["created_at"] >= floor:
                out.add(comment["node_id"])
    return out


def conversation(fake: GitHubFake, *, created: float = NOW - 3600) -> tuple[int, list[int]]:
    """An issue by alice mentioning nobody, then bob, us, and carol mentioning us."""
    number = fake.add_issue(REPO, "alice", "Crash on start", "It **crashes**.", created=created)
    comments = [
        fake.add_issue_comment(REPO, number, "bob", "same here", created=created + 60),
        fake.add_issue_comment(REPO, number, fake.login, "looking", created=created + 120),
        fake.add_issue_comment(
            REPO, number, "carol", "@rapport-dev any news?", created=created + 180
        ),
    ]
    return number, comments


# ---- verify and authentication -----------------------------------------------------------------


async def test_verify_sends_token_and_api_headers(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    identity = await connector.verify()

    assert identity.handle == "rapport-dev"
    assert identity.remote_id == str(fake.users["rapport-dev"]["id"])
    (request,) = fake.received
    assert request.path == "/user"
    assert request.headers["authorization"] == f"Bearer {fake.token}"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert request.headers["user-agent"]


@pytest.mark.parametrize(
    ("scopes", "missing"),
    [
        ("read:user", "notifications and repo scopes"),
        ("notifications, public_repo", None),
        ("notifications", "repo scope"),
        ("repo", None),
        (None, None),  # a fine-grained token: no X-OAuth-Scopes to check
    ],
)
async def test_verify_names_a_missing_scope(
    fake: GitHubFake, connector: GitHubConnector, scopes: str | None, missing: str | None
) -> None:
    fake.scopes = scopes
    if missing is None:
        await connector.verify()
        return
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    assert missing in str(caught.value)


async def test_bad_credentials_tell_how_to_make_a_token(
    fake: GitHubFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(client, clock, token="ghp_wrongwrongwrong")
    with pytest.raises(AuthError) as caught:
        await connector.verify()
    message = str(caught.value)
    assert "Bad credentials" in message
    assert "Developer settings" in message
    assert "Personal access tokens" in message
    assert "notifications and repo scopes" in message
    assert "ghp_wrongwrongwrong" not in message
    assert "ghp_wrongwrongwrong" not in repr(connector)


async def test_permission_403_is_an_auth_error_not_a_rate_limit(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            403,
            json={"message": "Resource not accessible by personal access token"},
            headers={"x-ratelimit-remaining": "4990", "x-ratelimit-reset": str(int(NOW + 60))},
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(forbidden)) as http:
        connector = make_connector(http, Clock(), handle="rapport-dev")
        with pytest.raises(AuthError, match="Resource not accessible"):
            await pages(connector, None)


# ---- the notifications stream ------------------------------------------------------------------


async def test_first_sync_brings_conversations_and_skips_the_rest(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number, (bob, _ours, _carol) = conversation(fake)
    fake.add_notification(REPO, "ci_activity", "CheckSuite", "CI failed", created=NOW - 100)
    fake.add_notification(REPO, "subscribed", "Release", "v2.0", created=NOW - 90)
    fake.add_notification(REPO, "state_change", "Issue", "closed", created=NOW - 80)

    (page,) = await pages(connector, None)

    by_id = {item.remote_id: item for item in page.items}
    comments = fake.issue_comments[(REPO, number)]
    assert set(by_id) == {f"{REPO}#{number}", comments[0]["node_id"], comments[2]["node_id"]}
    assert page.skipped == 3
    assert page.skipped_reasons == {"ci_activity": 1, "release": 1, "state_change": 1}
    assert [post.remote_id for post in page.own_posts] == [comments[1]["node_id"]]

    opening = by_id[f"{REPO}#{number}"]
    assert opening.kind is ItemKind.COMMENT
    assert opening.text == "Crash on start\n\nIt crashes."
    assert opening.url == f"https://github.com/{REPO}/issues/{number}"
    bob_item = by_id[comments[0]["node_id"]]
    assert bob_item.kind is ItemKind.COMMENT
    assert bob_item.author.handle == "bob"
    assert bob_item.thread_root_id == f"{REPO}#{number}" == bob_item.parent_id
    assert bob_item.url == f"https://github.com/{REPO}/issues/{number}#issuecomment-{bob}"
    assert bob_item.created_at == datetime.fromtimestamp(NOW - 3600 + 60, UTC)
    assert bob_item.platform_data == {
        "repo": REPO,
        "number": number,
        "comment_id": bob,
        "thread_id": fake.thread_of(REPO, number),
        "comment_kind": "issue",
        "reason": "mention",
        "title": "Crash on start",
    }
    assert by_id[comments[2]["node_id"]].kind is ItemKind.MENTION

    (listing,) = fake.requests_to("/notifications", "GET")
    assert dict(listing.query) == {
        "all": "false",
        "participating": "false",
        "since": "2025-05-16T15:06:40Z",
        "per_page": "50",
    }
    (comments_request,) = fake.requests_to(f"/issues/{number}/comments")
    assert comments_request.param("since") == "2025-05-16T15:06:40Z"


async def test_review_comments_are_reviews(fake: GitHubFake, connector: GitHubConnector) -> None:
    number = fake.add_issue(REPO, fake.login, "Speed up parsing", pull=True, created=NOW - 500)
    top = fake.add_review_comment(REPO, number, "alice", "why this loop?", created=NOW - 400)
    answer = fake.add_review_comment(
        REPO, number, "bob", "agreed", in_reply_to=top, created=NOW - 300
    )

    items = items_of(await pages(connector, None))

    assert [item.platform_data["comment_id"] for item in items] == [top, answer]
    assert all(item.kind is ItemKind.REVIEW for item in items)
    assert items[1].platform_data["in_reply_to_id"] == top
    assert items[0].url == f"https://github.com/{REPO}/pull/{number}#discussion_r{top}"


async def test_participating_is_passed_on(
    fake: GitHubFake, client: httpx.AsyncClient, clock: Clock
) -> None:
    connector = make_connector(client, clock, participating=True, handle="rapport-dev")
    await pages(connector, None)
    assert fake.requests_to("/notifications")[0].param("participating") == "true"


async def test_backfill_follows_link_pages_to_the_end(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    fake.populate(130, 2, start=NOW - 60)

    found = await pages(connector, None)

    got = ids(found)
    assert set(got) == expected_ids(fake)
    assert len(got) == len(set(got))
    listings = fake.requests_to("/notifications", "GET")
    assert [r.param("page") for r in listings] == [None, "2", "3"]
    assert found[-1].cursor["walk"] is None
    noise = sum(1 for t in fake.threads.values() if t["number"] is None)
    assert sum(p.skipped for p in found) == noise


async def test_horizon_is_respected(fake: GitHubFake, connector: GitHubConnector) -> None:
    old = fake.add_issue(REPO, "alice", "Ancient", created=NOW - 90 * DAY)
    fake.add_issue_comment(REPO, old, "bob", "old news", created=NOW - 60 * DAY)
    recent = fake.add_issue_comment(REPO, old, "carol", "bump", created=NOW - 100)

    items = items_of(await pages(connector, None))

    assert [item.platform_data["comment_id"] for item in items] == [recent]


@pytest.mark.parametrize("stop_after", [1, 2])
async def test_interrupted_backfill_resumes_without_gaps_or_repeats(
    fake: GitHubFake, connector: GitHubConnector, stop_after: int
) -> None:
    fake.populate(130, 2, start=NOW - 60)

    first = await pages(connector, None, stop_after=stop_after)
    assert first[-1].cursor["walk"] is not None
    rest = await pages(connector, stored(first[-1].cursor))

    got = ids(first) + ids(rest)
    assert len(got) == len(set(got))
    assert set(got) == expected_ids(fake)
    resumed = fake.requests_to("/notifications", "GET")[stop_after]
    assert resumed.param("before") == first[-1].cursor["walk"]["before"] is not None
    # Resuming below the stored pages: no thread's comments are read twice.
    reads = [r.path for r in fake.received if r.path.endswith("/comments")]
    assert len(reads) == len(set(reads))
    assert rest[-1].cursor["walk"] is None


async def test_incremental_brings_only_new_comments(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    number, _ = conversation(fake)
    cursor = (await pages(connector, None))[-1].cursor
    clock.now += 120
    new = fake.add_issue_comment(REPO, number, "dave", "another one")

    found = await pages(connector, cursor)

    assert [item.platform_data["comment_id"] for item in items_of(found)] == [new]
    listing = fake.requests_to("/notifications", "GET")[-1]
    assert listing.headers["if-modified-since"] == cursor["last_modified"]
    assert listing.param("since") is not None


async def test_a_cursor_handed_out_never_changes_afterwards(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    # Threads read again on a later page of the same pass must not rewrite what an earlier
    # page's cursor says of them: the engine may store that cursor after reading on.
    fake.populate(120, 1, start=NOW - 600)
    cursor = (await pages(connector, None))[-1].cursor
    clock.now += 120
    for repo, number in list(fake.issues):
        fake.add_issue_comment(repo, number, "dave", "one more")

    handed_out: list[str] = []
    found: list[Page] = []
    async for page in connector.fetch("notifications", stored(cursor), HORIZON):
        handed_out.append(json.dumps(page.cursor, sort_keys=True))
        found.append(page)

    assert len(found) > 1
    assert [json.dumps(page.cursor, sort_keys=True) for page in found] == handed_out
    # The first page's cursor still holds the earlier state of a thread read after it.
    first, last = found[0].cursor["threads"], found[-1].cursor["threads"]
    assert any(first[key] != last[key] for key in first)


async def test_not_modified_is_a_free_empty_page(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    conversation(fake)
    cursor = (await pages(connector, None))[-1].cursor
    clock.now += 61
    used = fake._used

    (page,) = await pages(connector, cursor)

    assert page.items == []
    request = fake.requests_to("/notifications", "GET")[-1]
    assert request.headers["if-modified-since"] == cursor["last_modified"]
    assert fake._used == used  # a 304 costs no quota
    assert page.cursor["next_poll_at"] == clock.now + 60
    assert page.cursor["threads"] == cursor["threads"]


async def test_poll_interval_is_obeyed_without_sending(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    fake.poll_interval = 120
    conversation(fake)
    cursor = (await pages(connector, None))[-1].cursor
    assert cursor["next_poll_at"] == NOW + 120
    sent = len(fake.received)

    clock.now += 119
    assert await pages(connector, cursor) == []
    assert len(fake.received) == sent

    clock.now += 1
    await pages(connector, cursor)
    assert len(fake.received) > sent


async def test_a_thread_whose_latest_comment_is_stored_costs_no_request(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    number, _ = conversation(fake)
    cursor = (await pages(connector, None))[-1].cursor
    other = fake.add_issue(REPO, "erin", "Other issue", created=NOW + 10)
    clock.now += 61

    found = await pages(connector, cursor)

    assert ids(found) == [f"{REPO}#{other}"]
    # The first thread is listed again (since is one second early) but not read again.
    assert len(fake.requests_to(f"/issues/{number}/comments")) == 1


async def test_cursor_drops_threads_older_than_the_horizon(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    number, _ = conversation(fake, created=NOW - 20 * DAY)
    cursor = (await pages(connector, None))[-1].cursor
    assert fake.thread_of(REPO, number) in cursor["threads"]
    clock.now += 15 * DAY
    fake.add_issue(REPO, "frank", "Fresh", created=clock.now - 10)

    later = await pages(
        connector, cursor, horizon=datetime.fromtimestamp(clock.now - 10 * DAY, UTC)
    )

    assert fake.thread_of(REPO, number) not in later[-1].cursor["threads"]
    assert len(later[-1].cursor["threads"]) == 1


async def test_a_vanished_issue_is_skipped_not_fatal(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    gone, _ = conversation(fake)
    kept = fake.add_issue(REPO, "gina", "Still here", created=NOW - 10)
    del fake.issues[(REPO, gone)]

    (page,) = await pages(connector, None)

    assert ids([page]) == [f"{REPO}#{kept}"]
    assert page.skipped_reasons == {"thread_gone": 1}


# ---- context, reply, find_reply, mark read -----------------------------------------------------


@pytest.mark.parametrize("handle", ["@rapport-dev", "Rapport-Dev", " @RAPPORT-DEV"])
async def test_our_comments_and_mentions_of_us_are_seen_whatever_way_the_handle_is_written(
    fake: GitHubFake, client: httpx.AsyncClient, clock: Clock, handle: str
) -> None:
    connector = make_connector(client, clock, handle=handle)
    _number, (_bob, _ours, _carol) = conversation(fake)
    found = await pages(connector, None)
    mention = next(i for i in items_of(found) if i.kind is ItemKind.MENTION)
    # Our own comment is an own post (the ledger's answer), never an inbox item.
    assert all(i.author.handle != fake.login for i in items_of(found))

    context = await connector.fetch_context(mention)

    assert [p.is_own for p in context] == [False, False, True]


async def test_context_is_the_issue_and_the_comments_before(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number, (_bob, _ours, _carol) = conversation(fake)
    item = next(i for i in items_of(await pages(connector, None)) if i.kind is ItemKind.MENTION)

    context = await connector.fetch_context(item)

    comments = fake.issue_comments[(REPO, number)]
    assert [p.remote_id for p in context] == [
        f"{REPO}#{number}",
        comments[0]["node_id"],
        comments[1]["node_id"],
    ]
    assert context[0].text == "Crash on start\n\nIt crashes."
    assert [p.is_own for p in context] == [False, False, True]
    assert context[1].parent_id == f"{REPO}#{number}"


async def test_context_of_a_review_reply_is_its_review_thread(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number = fake.add_issue(REPO, fake.login, "Refactor", pull=True, created=NOW - 900)
    top = fake.add_review_comment(REPO, number, "alice", "nit", created=NOW - 800)
    fake.add_review_comment(REPO, number, "bob", "elsewhere", path="x.py", created=NOW - 700)
    mine = fake.add_review_comment(REPO, number, fake.login, "fixed", in_reply_to=top)
    last = fake.add_review_comment(REPO, number, "alice", "thanks", in_reply_to=top)
    item = next(
        i for i in items_of(await pages(connector, None)) if i.platform_data["comment_id"] == last
    )

    context = await connector.fetch_context(item)

    found = [p.remote_id for p in context]
    nodes = {c["id"]: c["node_id"] for c in fake.review_comments[(REPO, number)]}
    assert found == [f"{REPO}#{number}", nodes[top], nodes[mine]]


async def test_context_of_a_deleted_issue_is_not_found(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number, _ = conversation(fake)
    item = items_of(await pages(connector, None))[1]
    del fake.issues[(REPO, number)]
    with pytest.raises(NotFound):
        await connector.fetch_context(item)


async def test_reply_to_an_issue_comment_and_find_it_again(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    number, _ = conversation(fake)
    item = next(i for i in items_of(await pages(connector, None)) if i.kind is ItemKind.MENTION)
    sent_at = datetime.fromtimestamp(clock.now, UTC)

    posted = await connector.post_reply(item, "Fixed in **v2**", "key")

    (request,) = fake.requests_to(f"/repos/{REPO}/issues/{number}/comments", "POST")
    assert request.json() == {"body": "Fixed in **v2**"}
    created = fake.issue_comments[(REPO, number)][-1]
    assert created["author"] == fake.login
    assert created["body"] == "Fixed in **v2**"
    assert posted.remote_id == created["node_id"]
    assert posted.url.endswith(f"#issuecomment-{created['id']}")
    found = await connector.find_reply(item, "Fixed in **v2**", sent_at)
    assert found == posted
    assert await connector.find_reply(item, "not sent", sent_at) is None


async def test_reply_to_a_review_comment_uses_the_replies_endpoint(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    number = fake.add_issue(REPO, fake.login, "Refactor", pull=True, created=NOW - 900)
    top = fake.add_review_comment(REPO, number, "alice", "nit", created=NOW - 800)
    (item,) = items_of(await pages(connector, None))

    posted = await connector.post_reply(item, "done", "key")

    path = f"/repos/{REPO}/pulls/{number}/comments/{top}/replies"
    (request,) = fake.requests_to(path, "POST")
    assert request.json() == {"body": "done"}
    reply = fake.review_comments[(REPO, number)][-1]
    assert reply["in_reply_to_id"] == top
    assert posted.remote_id == reply["node_id"]
    found = await connector.find_reply(item, "done", datetime.fromtimestamp(NOW, UTC))
    assert found == posted


async def test_reply_to_an_opening_post_is_an_issue_comment(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number = fake.add_issue(REPO, "alice", "Question", "how?", created=NOW - 10)
    (item,) = items_of(await pages(connector, None))
    assert await connector.fetch_context(item) == []

    await connector.post_reply(item, "like this", "key")

    assert fake.issue_comments[(REPO, number)][-1]["body"] == "like this"


async def test_mark_read_patches_each_thread_once(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number, _ = conversation(fake)
    other = fake.add_issue(REPO, "hank", "Second", created=NOW - 10)
    items = items_of(await pages(connector, None))
    assert len(items) == 4

    await connector.mark_read(items)

    patched = sorted(r.path for r in fake.requests_to("/notifications/threads/", "PATCH"))
    threads = [fake.thread_of(REPO, number), fake.thread_of(REPO, other)]
    assert patched == sorted(f"/notifications/threads/{t}" for t in threads)
    assert not any(fake.threads[t]["unread"] for t in threads)


# ---- rate limits and errors ---------------------------------------------------------------------


async def test_primary_limit_as_403_is_rate_limited_until_reset(
    fake: GitHubFake, connector: GitHubConnector, clock: Clock
) -> None:
    fake.inject(Fault("rate_limit", path="/user", seconds=900, status=403))
    with pytest.raises(RateLimited) as caught:
        await connector.verify()
    assert caught.value.retry_after == pytest.approx(900)

    sent = len(fake.received)
    clock.now += 300
    with pytest.raises(RateLimited) as caught:
        await connector.verify()
    assert caught.value.retry_after == pytest.approx(600)
    assert len(fake.received) == sent  # refused before sending

    clock.now += 601
    assert (await connector.verify()).handle == "rapport-dev"


async def test_primary_limit_as_429(fake: GitHubFake, connector: GitHubConnector) -> None:
    fake.inject(Fault("rate_limit", path="/user", seconds=42, status=429))
    with pytest.raises(RateLimited) as caught:
        await connector.verify()
    assert caught.value.retry_after == pytest.approx(42)


async def test_spent_quota_is_refused_by_the_fake_and_the_budget(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    fake.exhaust()
    with pytest.raises(RateLimited) as caught:
        await connector.verify()
    assert caught.value.retry_after == pytest.approx(3600)


@pytest.mark.parametrize("status", [403, 429])
async def test_secondary_limit_waits_for_retry_after(
    fake: GitHubFake, connector: GitHubConnector, status: int
) -> None:
    fake.secondary_limit(75, status=status, path="/user")
    with pytest.raises(RateLimited, match="secondary") as caught:
        await connector.verify()
    assert caught.value.retry_after == 75


async def test_server_errors_are_network_errors(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    fake.inject(Fault("server_error", path="/notifications", status=502))
    with pytest.raises(NetworkError):
        await pages(connector, None)


async def test_timeouts_are_network_errors(clock: Clock) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("no answer", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(NetworkError):
            await make_connector(http, clock).verify()


async def test_malformed_json_yields_nothing(fake: GitHubFake, connector: GitHubConnector) -> None:
    conversation(fake)
    fake.inject(Fault("malformed", path="/notifications"))
    got: list[Page] = []
    with pytest.raises(BadResponse):
        await pages(connector, None, into=got)
    assert got == []


async def test_a_notification_missing_a_field_fails_the_page_before_any_request(
    clock: Clock,
) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        good = {
            "id": "1",
            "reason": "comment",
            "updated_at": "2025-06-15T00:00:00Z",
            "subject": {"title": "t", "url": f"{BASE}/repos/a/b/issues/1", "type": "Issue"},
            "repository": {"full_name": "a/b"},
        }
        bad = {key: value for key, value in good.items() if key != "reason"}
        return httpx.Response(200, json=[good, bad])

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        connector = make_connector(http, clock, handle="me")
        with pytest.raises(BadResponse, match="reason"):
            await pages(connector, None)
    assert sent == ["/notifications"]


async def test_a_next_link_to_another_host_is_refused(clock: Clock) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        link = '<https://evil.example/notifications?page=2>; rel="next"'
        return httpx.Response(200, json=[], headers={"link": link})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        connector = make_connector(http, clock, handle="me")
        with pytest.raises(BadResponse, match="another host"):
            await pages(connector, None)
    assert hosts == ["github.test"]


# ---- over a real socket --------------------------------------------------------------------------


async def test_sync_and_reply_over_a_socket() -> None:
    fake = GitHubFake()
    fake.populate(60, 2, start=datetime.now(UTC).timestamp() - 10)
    served = ServedFake.start(fake)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            connector = make_connector(http, Clock(), base_url=served.url)
            connector.clock = lambda: datetime.now(UTC).timestamp()
            horizon = datetime.now(UTC) - timedelta(days=30)
            found = [p async for p in connector.fetch("notifications", None, horizon)]
            assert set(ids(found)) == expected_ids(fake, horizon)
            assert len(found) == 2  # 60 threads (plus noise) at 50 per page
            item = items_of(found)[-1]
            posted = await connector.post_reply(item, "over the wire", "k")
            repo, number = item.platform_data["repo"], item.platform_data["number"]
            comments = fake.issue_comments[(repo, number)] + fake.review_comments[(repo, number)]
            assert posted.remote_id in {c["node_id"] for c in comments}
    finally:
        served.stop()


async def test_a_thread_vanishing_mid_read_leaves_nothing_half_stored(
    fake: GitHubFake, connector: GitHubConnector
) -> None:
    number = fake.add_issue(REPO, "alice", "Going away", "soon", created=NOW - 100)
    fake.add_issue_comment(REPO, number, "bob", "bye", created=NOW - 50)
    # The opening post reads fine, then the comments are gone.
    fake.inject(Fault("server_error", path=f"/issues/{number}/comments", status=404))

    (page,) = await pages(connector, None)

    assert page.items == []
    assert page.skipped_reasons == {"thread_gone": 1}
    assert fake.thread_of(REPO, number) not in page.cursor["threads"]
