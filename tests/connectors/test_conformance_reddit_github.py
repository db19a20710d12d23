"""Recorded real Reddit and GitHub answers (../shared/fixtures) through the connectors.

Each recorded body is served unchanged, with its recorded status and headers (from _meta.json),
by an httpx.MockTransport standing where the platform would be, and the test asserts the exact
items (or replies) that come out. Skips when the fixtures folder is not beside the clone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core.connectors.base import PostedReply
from core.connectors.github import GitHubConnector, Thread, comment_to_item, parse_notification
from core.connectors.reddit import RedditConnector
from core.models import Account, Contact, Item, ItemKind, MarkupFormat
from core.secrets import Credentials
from tests.conftest import shared_fixture

NOW = 1_750_350_000.0


def recorded(name: str) -> tuple[bytes, int, dict[str, str]]:
    """A recorded body with its recorded status and headers."""
    body = shared_fixture(name).read_bytes()
    meta = json.loads(shared_fixture("_meta.json").read_text())[name]
    return body, int(meta["status"]), dict(meta["headers"])


def serve(
    routes: dict[tuple[str, str], tuple[bytes, int, dict[str, str]]],
    seen: list[httpx.Request],
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = routes.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"message": "Not Found"})
        body, status, headers = answer
        return httpx.Response(status, content=body, headers=headers)

    return httpx.MockTransport(handler)


def clock() -> Callable[[], float]:
    return lambda: NOW


# ---- Reddit --------------------------------------------------------------------------------------


def reddit(transport: httpx.MockTransport) -> RedditConnector:
    account = Account(name="reddit-main", platform="reddit", base_url="https://oauth.reddit.com")
    credentials = Credentials(
        {"client_id": "cid", "client_secret": "csecret", "username": "<USERNAME>", "password": "pw"}
    )
    return RedditConnector(
        account, credentials, httpx.AsyncClient(transport=transport), clock=clock()
    )


REDDIT_ROUTES = {
    ("POST", "/api/v1/access_token"): "reddit/access_token_password_grant.json",
    # Recorded from /message/comments, which answers the same Listing shape as /message/inbox.
    ("GET", "/message/inbox"): "reddit/inbox_comment_replies.json",
    ("POST", "/api/comment"): "reddit/comment_reply_created.json",
}


@pytest.fixture
def reddit_seen() -> list[httpx.Request]:
    return []


@pytest.fixture
def reddit_connector(reddit_seen: list[httpx.Request]) -> RedditConnector:
    routes = {key: recorded(name) for key, name in REDDIT_ROUTES.items()}
    return reddit(serve(routes, reddit_seen))


RECORDED_REPLY = Item(
    account="reddit-main",
    platform="reddit",
    remote_id="t1_myngt77",
    kind=ItemKind.REPLY,
    author=Contact(
        platform="reddit",
        remote_id="t2_75u2lqkb",
        handle="Lil_SpazTest",
        profile_url="https://www.reddit.com/user/Lil_SpazTest",
    ),
    text="Reply",
    created_at=datetime.fromtimestamp(1750348671.0, UTC),
    markup="Reply",
    markup_format=MarkupFormat.MARKDOWN,
    url="https://www.reddit.com/r/Lil_SpazJoekp/comments/1j7g9uj/test_post_pls_ignore/myngt77/?context=3",
    thread_root_id="t3_1j7g9uj",
    parent_id="t1_mynfuan",
    read=True,
    platform_data={
        "type": "comment_reply",
        "subreddit": "Lil_SpazJoekp",
        "link_title": "Test post pls ignore",
        "context": "/r/Lil_SpazJoekp/comments/1j7g9uj/test_post_pls_ignore/myngt77/?context=3",
    },
)


async def test_reddit_recorded_inbox_gives_the_exact_item(
    reddit_connector: RedditConnector, reddit_seen: list[httpx.Request]
) -> None:
    horizon = datetime.fromtimestamp(NOW - 86_400 * 30, UTC)
    pages = [page async for page in reddit_connector.fetch("inbox", None, horizon)]

    assert len(pages) == 1
    assert pages[0].items == [RECORDED_REPLY]
    assert pages[0].cursor == {
        "mode": "incremental",
        "newest": "t1_myngt77",
        "newest_utc": 1750348671.0,
        "newest_names": ["t1_myngt77"],
    }
    grant, inbox = reddit_seen
    assert str(grant.url) == "https://www.reddit.com/api/v1/access_token"
    assert grant.headers["authorization"].startswith("Basic ")
    assert inbox.url.host == "oauth.reddit.com"
    assert inbox.headers["authorization"] == "bearer <ACCESS_TOKEN>"
    # The recorded X-Ratelimit headers: 996 left, reset in 589 seconds.
    assert reddit_connector.budget.remaining == 996.0
    assert reddit_connector.budget.reset_at == NOW + 589
    await reddit_connector.client.aclose()


async def test_reddit_recorded_reply_answer(
    reddit_connector: RedditConnector, reddit_seen: list[httpx.Request]
) -> None:
    posted = await reddit_connector.post_reply(RECORDED_REPLY, "Comment reply", "key")

    assert posted == PostedReply(
        remote_id="t1_fx1ie8s",
        url="https://www.reddit.com/r/Lil_SpazJoekp/comments/gx8r8z/test/fx1ie8s/",
        created_at=datetime.fromtimestamp(1593988097.0, UTC),
    )
    sent = reddit_seen[-1]
    assert sent.url.path == "/api/comment"
    form = dict(httpx.QueryParams(sent.content.decode()))
    assert form == {"api_type": "json", "text": "Comment reply", "thing_id": "t1_myngt77"}
    await reddit_connector.client.aclose()


# ---- GitHub --------------------------------------------------------------------------------------


def github(transport: httpx.MockTransport, handle: str = "rapport-dev") -> GitHubConnector:
    account = Account(
        name="gh", platform="github", base_url="https://api.github.com", handle=handle
    )
    credentials = Credentials({"token": "ghp_recorded"})
    return GitHubConnector(
        account, credentials, httpx.AsyncClient(transport=transport), clock=clock()
    )


def test_github_recorded_notification_parses_to_its_thread() -> None:
    (raw,) = json.loads(shared_fixture("github/notifications_list.json").read_text())

    assert parse_notification(raw) == Thread(
        thread_id="397777914",
        repo="dailymotion/jarvis",
        number=103,
        subject_type="PullRequest",
        reason="subscribed",
        title="chore: Add more repos migrated on Quay",
        updated_at="2018-10-18T18:29:47Z",
        latest_comment_url="https://api.github.com/repos/dailymotion/jarvis/pulls/103",
    )


ISSUE_1136 = Thread(
    thread_id="1",
    repo="PyGithub/PyGithub",
    number=1136,
    subject_type="Issue",
    reason="comment",
    title="Reversed PaginatedList",
    updated_at="2024-01-06T17:36:10Z",
    latest_comment_url="",
)


def test_github_recorded_comments_give_the_exact_items() -> None:
    raw = json.loads(shared_fixture("github/issue_comments_page1.json").read_text())

    items = [comment_to_item(c, ISSUE_1136, "gh", "EnricoMi", "issue") for c in raw]

    assert [i.remote_id for i in items] == [
        "MDEyOklzc3VlQ29tbWVudDUyMDE2OTUwNA==",
        "IC_kwDOADYVqs5wCowS",
        "IC_kwDOADYVqs5wCuh5",
    ]
    stale, engn33r, _ = items
    assert stale.author == Contact(
        platform="github",
        remote_id="26384082",
        handle="stale[bot]",
        profile_url="https://github.com/apps/stale",
    )
    assert stale.kind is ItemKind.COMMENT
    assert stale.text == (
        "This issue has been automatically marked as stale because it has not had recent "
        "activity. It will be closed if no further activity occurs. Thank you for your "
        "contributions."
    )
    assert engn33r == Item(
        account="gh",
        platform="github",
        remote_id="IC_kwDOADYVqs5wCowS",
        kind=ItemKind.COMMENT,
        author=Contact(
            platform="github",
            remote_id="6261182",
            handle="engn33r",
            profile_url="https://github.com/engn33r",
        ),
        text=(
            "This was still an issue with v2.1.1 but the fix above worked for me :+1:\n\n"
            "It would be great if this could be fixed in the library itself, with an example "
            "showing reversed usage in the docs."
        ),
        markup=raw[1]["body"],
        markup_format=MarkupFormat.MARKDOWN,
        created_at=datetime(2024, 1, 6, 16, 4, 34, tzinfo=UTC),
        url="https://github.com/PyGithub/PyGithub/issues/1136#issuecomment-1879739410",
        thread_root_id="PyGithub/PyGithub#1136",
        parent_id="PyGithub/PyGithub#1136",
        platform_data={
            "repo": "PyGithub/PyGithub",
            "number": 1136,
            "comment_id": 1879739410,
            "thread_id": "1",
            "comment_kind": "issue",
            "reason": "comment",
            "title": "Reversed PaginatedList",
        },
    )


async def test_github_recorded_link_header_is_followed() -> None:
    """find_reply lists the comments: the recorded page and its recorded Link (rel=next on
    /repositories/3544490/...) lead to page 2."""
    seen: list[httpx.Request] = []
    page2: tuple[bytes, int, dict[str, str]] = (b"[]", 200, {})
    routes = {
        ("GET", "/repos/PyGithub/PyGithub/issues/1136/comments"): recorded(
            "github/issue_comments_page1.json"
        ),
        ("GET", "/repositories/3544490/issues/1136/comments"): page2,
    }
    connector = github(serve(routes, seen), handle="EnricoMi")
    raw = json.loads(shared_fixture("github/issue_comments_page1.json").read_text())
    item = comment_to_item(raw[1], ISSUE_1136, "gh", "EnricoMi", "issue")

    found = await connector.find_reply(item, raw[2]["body"], datetime(2024, 1, 6, tzinfo=UTC))

    assert found == PostedReply(
        remote_id="IC_kwDOADYVqs5wCuh5",
        url="https://github.com/PyGithub/PyGithub/issues/1136#issuecomment-1879763065",
        created_at=datetime(2024, 1, 6, 17, 34, 11, tzinfo=UTC),
    )
    assert [r.url.path for r in seen] == [
        "/repos/PyGithub/PyGithub/issues/1136/comments",
        "/repositories/3544490/issues/1136/comments",
    ]
    assert seen[1].url.params["page"] == "2"
    assert connector.budget.remaining == 4984
    await connector.client.aclose()


async def test_github_recorded_comment_created_answer() -> None:
    seen: list[httpx.Request] = []
    routes = {
        ("POST", "/repos/PyGithub/PyGithub/issues/31/comments"): recorded(
            "github/issue_comment_created.json"
        )
    }
    connector = github(serve(routes, seen))
    thread = Thread("2", "PyGithub/PyGithub", 31, "PullRequest", "mention", "t", "", "")
    raw: dict[str, Any] = {
        "id": 1,
        "node_id": "IC_x",
        "user": {"login": "someone", "id": 9},
        "created_at": "2012-09-08T12:00:00Z",
        "html_url": "https://github.com/PyGithub/PyGithub/pull/31#issuecomment-1",
        "body": "please comment",
    }
    item = comment_to_item(raw, thread, "gh", "rapport-dev", "issue")

    posted = await connector.post_reply(item, "Issue comment created by PyGithub", "key")

    # The 2012 answer predates node ids and html_url: the documented fallback id.
    assert posted == PostedReply(
        remote_id="issuecomment-8387331",
        url="",
        created_at=datetime(2012, 9, 8, 12, 57, 51, tzinfo=UTC),
    )
    assert json.loads(seen[0].content) == {"body": "Issue comment created by PyGithub"}
    await connector.client.aclose()


async def test_github_recorded_notifications_through_fetch() -> None:
    """The recorded list served as /notifications: the pull request thread is new, so its
    opening post is asked for (not recorded: 404, skipped as gone, the sync goes on)."""
    seen: list[httpx.Request] = []
    routes = {("GET", "/notifications"): recorded("github/notifications_list.json")}
    connector = github(serve(routes, seen))
    horizon = datetime(2018, 10, 1, tzinfo=UTC)

    pages = [page async for page in connector.fetch("notifications", None, horizon)]

    assert len(pages) == 1
    assert pages[0].items == []
    assert pages[0].skipped_reasons == {"thread_gone": 1}
    assert [r.url.path for r in seen] == [
        "/notifications",
        "/repos/dailymotion/jarvis/issues/103",
    ]
    assert pages[0].cursor["since"] == "2018-10-18T18:29:47Z"
    assert pages[0].cursor["walk"] is None
    await connector.client.aclose()
