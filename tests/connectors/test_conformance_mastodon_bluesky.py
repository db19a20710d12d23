"""Recorded real answers (../shared/fixtures) through the Mastodon and Bluesky connectors.

Each recorded body is served unchanged, with its recorded headers, by a stand-in transport that
answers only the request the recording answered; the items that come out are compared field by
field. The fakes are checked against the same recordings: every field the real service sent is
in the fake's answer too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from core.connectors.base import AuthError, Page
from core.connectors.bluesky import BlueskyConnector
from core.connectors.mastodon import MastodonConnector
from core.fakes.bluesky import BlueskyFake
from core.fakes.mastodon import MastodonFake
from core.models import Account, Contact, ContextPost, Item, ItemKind, MarkupFormat
from core.secrets import Credentials
from core.timeutil import parse_iso, to_epoch
from tests.conftest import shared_fixture

HORIZON = datetime(2020, 1, 1, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def recorded(relative: str) -> tuple[Any, dict[str, str]]:
    """A recorded body and the headers recorded with it."""
    body = json.loads(shared_fixture(relative).read_text(encoding="utf-8"))
    meta = json.loads(shared_fixture("_meta.json").read_text(encoding="utf-8"))
    return body, dict(meta[relative].get("headers") or {})


def client_for(handler: Handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def all_pages(connector: MastodonConnector | BlueskyConnector) -> list[Page]:
    return [page async for page in connector.fetch("notifications", None, HORIZON)]


# ---- Mastodon ------------------------------------------------------------------------------------

MASTODON = "http://localhost:3000"
# The recording's own account: the one the notification mentions.
OWN_ID = "117020565966271181"


def mastodon(
    client: httpx.AsyncClient, own_id: str = OWN_ID, base_url: str = MASTODON
) -> MastodonConnector:
    account = Account("local", "mastodon", base_url, "@mastodonpy_test@localhost", own_id)
    return MastodonConnector(account, Credentials({"token": "recorded"}), client)


async def test_recorded_mention_page_gives_exactly_one_mention() -> None:
    body, headers = recorded("mastodon/notifications_types_mention.json")
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.params.get("max_id") == "21":
            return httpx.Response(200, json=[])  # the end of the list
        return httpx.Response(200, json=body, headers=headers)

    async with client_for(answer) as client:
        connector = mastodon(client)
        pages = await all_pages(connector)

    assert [page.items for page in pages[1:]] == [[]]
    assert pages[0].cursor == {"mode": "backfill", "older": "21", "newest": "21"}
    assert pages[-1].cursor == {"mode": "incremental", "newest": "21"}
    assert pages[0].skipped == 0
    assert asked[0].url.params.get_list("types[]") == ["mention", "quote"]
    assert pages[0].items == [
        Item(
            account="local",
            platform="mastodon",
            remote_id="117020577157693549",
            kind=ItemKind.MENTION,
            author=Contact(
                platform="mastodon",
                remote_id="117020565693913441",
                handle="@admin@localhost",
                display_name="",
                profile_url="http://localhost:3000/@admin",
                instance="localhost",
                links=[],
                bio="",
            ),
            text="@mastodonpy_test hello!",
            created_at=datetime(2026, 8, 1, 13, 51, 42, 823000, tzinfo=UTC),
            markup=body[0]["status"]["content"],
            markup_format=MarkupFormat.HTML,
            url="http://localhost:3000/@admin/117020577157693549",
            thread_root_id="117020577157693549",
            parent_id="",
            is_question=False,
            platform_data={
                "notification_id": "21",
                "visibility": "public",
                "acct": "admin",
                "mentions": ["mastodonpy_test"],
                "spoiler_text": "",
                "language": "en",
                "in_reply_to_account_id": None,
            },
        )
    ]
    # The recorded rate-limit headers feed the budget.
    assert connector.budget.remaining == 299
    assert connector.budget.reset_at == to_epoch(parse_iso(headers["x-ratelimit-reset"]))


async def test_recorded_invalid_token_answer_is_an_auth_error() -> None:
    body, headers = recorded("mastodon/error_401_invalid_token.json")
    assert body == {"error": "The access token is invalid"}
    async with client_for(lambda request: httpx.Response(401, json=body, headers=headers)) as c:
        with pytest.raises(AuthError, match="refused the access token"):
            await all_pages(mastodon(c))


async def test_recorded_thread_context_gives_the_ancestor_with_its_author() -> None:
    body, headers = recorded("mastodon/status_context_thread.json")

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/statuses/110446983926957470/context"
        return httpx.Response(200, json=body, headers=headers)

    item = Item("local", "mastodon", "110446983926957470", ItemKind.REPLY, AUTHOR, "x", NOW)
    async with client_for(answer) as client:
        # Recorded on mastodon.social, where halcy's account (id 43) asked for its own thread.
        connector = mastodon(client, own_id="43", base_url="https://mastodon.social")
        context = await connector.fetch_context(item)
    assert context == [
        ContextPost(
            remote_id="110446983178245440",
            author=Contact(
                platform="mastodon",
                remote_id="43",
                handle="@halcy@mastodon.social",
                display_name="autumnal halcy",
                profile_url="https://mastodon.social/@halcy",
                instance="mastodon.social",
                links=[],
                bio=(
                    "https://halcy.de/ ~ Local account.\n\nNow also and possibly primarily "
                    "@halcy . You should really follow me there. This account only exists for "
                    "testing now."
                ),
            ),
            text="first status",
            created_at=datetime(2023, 5, 28, 15, 20, 18, 907000, tzinfo=UTC),
            url="https://mastodon.social/@halcy/110446983178245440",
            parent_id="",
            is_own=True,
        )
    ]


AUTHOR = Contact("mastodon", "117020566092212359", "@mastodonpy_test_2@localhost")
NOW = datetime(2026, 8, 1, 13, 53, tzinfo=UTC)


async def test_recorded_reply_answer_and_the_request_we_send_match_the_recording() -> None:
    body, headers = recorded("mastodon/status_reply_created.json")
    meta = json.loads(shared_fixture("_meta.json").read_text(encoding="utf-8"))
    recorded_request = dict(parse_qsl(meta["mastodon/status_reply_created.json"]["request_body"]))
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=body, headers=headers)

    parent = Item(
        "local",
        "mastodon",
        "117020583245459824",
        ItemKind.MENTION,
        AUTHOR,
        "hello",
        NOW,
        platform_data={"acct": "mastodonpy_test_2", "visibility": "public", "mentions": []},
    )
    async with client_for(answer) as client:
        connector = mastodon(client, own_id="117020565693913441")
        posted = await connector.post_reply(parent, "same!", "idem-1")
    assert posted.remote_id == "117020583258292382"
    assert posted.url == "http://localhost:3000/@admin/117020583258292382"
    assert posted.created_at == datetime(2026, 8, 1, 13, 53, 15, 910000, tzinfo=UTC)
    ours = json.loads(sent[0].content)
    expected = {k: v for k, v in recorded_request.items() if v}  # an empty CW is left out
    assert ours == expected
    assert sent[0].headers["idempotency-key"] == "idem-1"


def test_the_mastodon_fake_answers_with_every_field_the_real_server_sent() -> None:
    fake = MastodonFake()
    fake.add_account("alice", "other.example")
    made = fake.add_mention("alice@other.example", "hi")
    notification, _ = recorded("mastodon/notifications_types_mention.json")
    real = notification[0]
    assert set(real) <= set(made)
    assert set(real["account"]) <= set(made["account"])
    assert set(real["status"]) <= set(made["status"])
    context, _ = recorded("mastodon/status_context_thread.json")
    own = fake.render_status(fake.add_status(fake.me, "mine"))
    assert set(context["ancestors"][0]) <= set(own)
    reply, _ = recorded("mastodon/status_reply_created.json")
    assert set(reply) <= set(own)


# ---- Bluesky -------------------------------------------------------------------------------------

BLUESKY = "https://bsky.social"
RECIPIENT = "did:plc:iijrtk7ocored6zuziwmqq3c"
REPLY_URI = "at://did:plc:bwdof2anluuf5wmfy2upgulw/app.bsky.feed.post/3jqikxz6qjs23"


async def test_recorded_notification_page_gives_the_one_reply_and_counts_the_rest() -> None:
    body, _ = recorded("bluesky/list_notifications_2023-03.json")
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path.endswith("createSession"):
            session = {"did": RECIPIENT, "handle": "recipient.bsky.social"}
            return httpx.Response(200, json={**session, "accessJwt": "a", "refreshJwt": "r"})
        if request.url.params.get("cursor") == body["cursor"]:
            return httpx.Response(200, json={"notifications": []})
        return httpx.Response(200, json=body)

    account = Account("sky", "bluesky", BLUESKY)
    credentials = Credentials({"identifier": "recipient.bsky.social", "password": "app-pass"})
    async with client_for(answer) as client:
        pages = await all_pages(BlueskyConnector(account, credentials, client))

    first = body["notifications"][0]
    newest = {"at": parse_iso(first["indexedAt"]).isoformat(), "uri": first["uri"]}
    assert pages[0].cursor == {"mode": "backfill", "older": body["cursor"], "newest": newest}
    assert pages[-1].cursor == {"mode": "incremental", "newest": newest}
    assert pages[0].skipped_reasons == {"vote": 30, "repost": 13, "follow": 6}
    assert pages[0].skipped == 49
    assert [len(page.items) for page in pages] == [1, 0]
    record = next(n for n in body["notifications"] if n["uri"] == REPLY_URI)["record"]
    assert json.loads(pages[0].items[0].markup) == record  # the record, kept whole
    root = "at://did:plc:bwdof2anluuf5wmfy2upgulw/app.bsky.feed.post/3jqidwpky3t25"
    parent = "at://did:plc:iijrtk7ocored6zuziwmqq3c/app.bsky.feed.post/3jqih65izzk2r"
    assert pages[0].items == [
        Item(
            account="sky",
            platform="bluesky",
            remote_id=REPLY_URI,
            kind=ItemKind.REPLY,
            author=Contact(
                platform="bluesky",
                remote_id="did:plc:bwdof2anluuf5wmfy2upgulw",
                handle="@uakihir0.bsky.social",
                display_name="うるし",
                profile_url="https://bsky.app/profile/uakihir0.bsky.social",
                instance="",
                links=[],
                bio="",
            ),
            text=(
                "なるほど、Bluesky は ATProtocol から拡張が加わってるんですね、"
                "少なくともレイヤー分けは必要そうですね。"
            ),
            created_at=datetime(2023, 3, 9, 9, 26, 8, 146000, tzinfo=UTC),
            markup=pages[0].items[0].markup,
            markup_format=MarkupFormat.FACETS,
            url="https://bsky.app/profile/uakihir0.bsky.social/post/3jqikxz6qjs23",
            thread_root_id=root,
            parent_id=parent,
            is_question=False,
            platform_data={
                "uri": REPLY_URI,
                "cid": "bafyreifl67trqftt5mwb2paqjwevnndptuaoj6bm4rl5pw3dcjl6n6frja",
                "reason": "reply",
                "reply": {
                    "root": {
                        "uri": root,
                        "cid": "bafyreignv2jhafhdhhnqb7rp3ha4te6mqd67lx3wju2u4oae3tio2keemu",
                    },
                    "parent": {
                        "uri": parent,
                        "cid": "bafyreiasue5e2wyr32ryjh6lonqqh7yhmrfnz75vbqii3engmdzupe5osu",
                    },
                },
                "indexed_at": "2023-03-09T09:26:08.146Z",
                "record_created_at": "2023-03-09T09:26:05.812Z",
                "langs": None,
            },
        )
    ]
    assert [r.url.params.get("cursor") for r in asked[1:]] == [None, body["cursor"]]


def test_the_bluesky_fake_answers_with_every_field_the_real_service_sent() -> None:
    body, _ = recorded("bluesky/list_notifications_2023-03.json")
    fake = BlueskyFake()
    fake.add_reply("alice.bsky.social", "hi")
    served = fake.list_notifications(50)
    assert set(body) <= set(served)
    real = next(n for n in body["notifications"] if n["reason"] == "reply")
    made = served["notifications"][0]
    assert set(real) <= set(made)
    # "declaration" was dropped from profile views in 2023; everything else is there.
    assert set(real["author"]) - {"declaration"} <= set(made["author"])
    assert set(real["record"]) <= set(made["record"])
    assert set(real["record"]["reply"]["root"]) == set(made["record"]["reply"]["root"])
