"""The shared HTTP plumbing: a request goes out exactly as httpx itself would have built it."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from core.connectors.http import send
from core.http_client import make_client

PARAMS: list[Any] = [
    {"since": "2026-08-20T11:06:40Z", "per_page": "100"},
    [("types[]", "mention"), ("types[]", "quote"), ("limit", "80")],
    {"limit": 100, "depth": 0, "on": True, "off": False, "none": None, "ratio": 0.5},
    {"q": "späße & mehr/über?#frag", "empty": ""},
    {"cursor": "a+b c%20d=e;f"},
    {},
    [],
]

URLS = [
    "https://api.example/repos/o/r/issues/1/comments",
    "https://api.example/path%20with%2Fescapes/ü",
    "https://api.example/search?q=old",  # httpx puts params in place of this query
    "https://api.example/page#section",  # and keeps the fragment after them
]


async def _sent_url(client: httpx.AsyncClient, url: str, params: Any) -> str:
    await send(client, "GET", url, what="test", params=params)
    return str(client.sent[-1].url)  # type: ignore[attr-defined]


def _recording_client(**options: Any) -> httpx.AsyncClient:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer), **options)
    client.sent = sent  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("url", URLS)
async def test_the_url_sent_is_the_one_httpx_builds(url: str, params: Any) -> None:
    async with _recording_client() as client:
        expected = str(client.build_request("GET", url, params=params).url)
        assert await _sent_url(client, url, params) == expected


async def test_the_clients_own_params_are_still_merged_in() -> None:
    async with _recording_client(params={"key": "client"}) as client:
        url = "https://api.example/items"
        sent = await _sent_url(client, url, {"page": "2"})
    assert sent == "https://api.example/items?key=client&page=2"


async def test_values_that_are_equal_but_read_differently_stay_apart() -> None:
    # True == 1 == 1.0 in Python, but each is written its own way in a query.
    async with _recording_client() as client:
        url = "https://api.example/items"
        sent = [await _sent_url(client, url, {"flag": value}) for value in (True, 1, 1.0, "1")]
    assert [s.rpartition("?")[2] for s in sent] == ["flag=true", "flag=1", "flag=1.0", "flag=1"]


async def test_the_same_params_twice_give_the_same_url() -> None:
    params = {"since": "2026-08-20T11:06:40Z", "per_page": "100"}
    async with make_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        first = await send(client, "GET", "https://a.example/x", what="test", params=params)
        second = await send(client, "GET", "https://a.example/y", what="test", params=params)
    assert (
        str(first.request.url) == "https://a.example/x?since=2026-08-20T11%3A06%3A40Z&per_page=100"
    )
    assert (
        str(second.request.url) == "https://a.example/y?since=2026-08-20T11%3A06%3A40Z&per_page=100"
    )


# ---- the client's own request building (core.http_client) ----------------------------------------

BUILD_URLS = [
    "https://api.example/repos/o/r/issues/1/comments?since=2026-08-20T11%3A06%3A40Z&per_page=100",
    "https://API.Example:443/a/b",
    "http://api.example:8080/xrpc/app.bsky.feed.getPostThread?uri=at%3A%2F%2Fdid%3Aplc%3Ax&depth=0",
    "https://api.example/a/./b/../c",
    "https://api.example/path with space/ü?q=ä ö#frag",
    "https://user:pass@api.example/private",
    "https://api.example",
    "https://api.example/?",
]
HEADERS: list[Any] = [
    None,
    {"Authorization": "Bearer abc", "Accept": "application/json"},
    httpx.Headers({"Authorization": "Bearer abc", "User-Agent": "other", "X-Extra": "1"}),
    [("X-List", "1"), ("x-list", "2")],
    {"X-Non-Ascii": "café"},
]


def _assert_same_request(made: httpx.Request, expected: httpx.Request) -> None:
    assert made.method == expected.method
    assert made.url == expected.url
    assert str(made.url) == str(expected.url)
    assert made.url.raw_path == expected.url.raw_path
    assert made.headers.raw == expected.headers.raw
    assert made.content == expected.content
    assert made.extensions == expected.extensions
    assert type(made.stream) is type(expected.stream)


def _httpx_build(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> httpx.Request:
    return httpx.AsyncClient.build_request(client, *args, **kwargs)


def _assert_built_as_httpx_builds(client: httpx.AsyncClient, *args: Any, **kwargs: Any) -> None:
    try:
        expected = _httpx_build(client, *args, **kwargs)
    except Exception as error:  # httpx refuses it: so does the client, the same way
        with pytest.raises(type(error), match=re.escape(str(error))):
            client.build_request(*args, **kwargs)
        return
    _assert_same_request(client.build_request(*args, **kwargs), expected)


@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize("url", BUILD_URLS)
@pytest.mark.parametrize("method", ["GET", "DELETE", "PATCH", "post"])
async def test_the_client_builds_every_request_as_httpx_does(
    method: str, url: str, headers: Any
) -> None:
    async with make_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        for _ in range(3):  # the first one prepares, the next ones reuse
            _assert_built_as_httpx_builds(client, method, url, headers=headers)


@pytest.mark.parametrize(
    "options",
    [
        {"json": {"a": 1}},
        {"content": b"body"},
        {"data": {"a": "1"}},
        {"params": {"page": "2"}},
        {"params": {}},
        {"timeout": 3.0},
        {"extensions": {"trace": None}},
    ],
)
async def test_requests_with_more_than_headers_are_built_by_httpx(options: dict[str, Any]) -> None:
    url = "https://api.example/items?old=1"
    async with make_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        for _ in range(2):
            made = client.build_request("POST", url, headers={"A": "1"}, **options)
            _assert_same_request(
                made, _httpx_build(client, "POST", url, headers={"A": "1"}, **options)
            )


async def test_a_change_to_the_client_reaches_the_next_request() -> None:
    url = "https://api.example/items"
    async with make_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        client.build_request("GET", url)
        changes = [
            lambda: client.headers.__setitem__("X-Added", "1"),
            lambda: setattr(client, "headers", {"User-Agent": "else"}),
            lambda: setattr(client, "timeout", httpx.Timeout(3.0)),
            lambda: setattr(client, "params", {"key": "client"}),
            lambda: setattr(client, "base_url", "https://base.example/v1/"),
        ]
        for change in changes:
            change()
            for target in (url, "/relative/path"):
                _assert_built_as_httpx_builds(client, "GET", target, headers={"A": "1"})


async def test_what_sending_does_to_a_request_stays_with_it() -> None:
    url = "https://api.example/items"
    async with make_client(httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        first = client.build_request("GET", url, headers={"A": "1"})
        first.headers["Authorization"] = "Basic changed"  # as an auth flow does
        first.extensions["timeout"]["read"] = 1.0
        second = client.build_request("GET", url, headers={"A": "1"})
        _assert_same_request(second, _httpx_build(client, "GET", url, headers={"A": "1"}))


async def test_auth_given_to_one_request_is_not_sent_with_the_next() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    async with make_client(httpx.MockTransport(answer)) as client:
        await send(client, "GET", "https://a.example/x", what="t", auth=("user", "secret"))
        await send(client, "GET", "https://a.example/x", what="t")
    assert sent[0].headers["authorization"].startswith("Basic ")
    assert "authorization" not in sent[1].headers


def _url_cases() -> list[str]:
    import random

    rng = random.Random(5)
    origins = [
        "https://api.github.com",
        "HTTPS://API.GitHub.com:443",
        "http://h:8080",
        "https://u:p@h",
        "https://[::1]:5",
        "https://1.2.3.4",
        "https://999.1.1.1",
        "https://bücher.example",
        "https://h:bad",
        "https://",
        "1http://h",
        "https://h?x",
        "https://h#y",
    ]
    pieces = [
        "/", "a", "Z", "0", ".", "..", "/.", "/..", "%", "%2F", "%zz", "?", "#", "&", "=", "+",
        " ", "~", ":", "@", "!", "'", "(", "*", ",", ";", "[", "\\", "^", "`", "{", "|", '"',
        "<", "é", "\x00", "\t", "\x7f", "issues", "since=2026-08-20T11%3A06%3A40Z",
    ]  # fmt: skip
    cases = []
    for _ in range(3000):
        rest = "/" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        cases.append(rng.choice(origins) + rest)
    return cases


def test_urls_are_parsed_as_httpx_parses_them() -> None:
    from core.http_client import parse_url

    for url in BUILD_URLS + _url_cases():
        try:
            expected = httpx.URL(url)
        except httpx.InvalidURL as error:
            with pytest.raises(httpx.InvalidURL, match=re.escape(str(error))):
                parse_url(url)
            continue
        made = parse_url(url)
        assert made == expected, url
        assert str(made) == str(expected), url
        assert (made.scheme, made.userinfo, made.host, made.port) == (
            expected.scheme,
            expected.userinfo,
            expected.host,
            expected.port,
        ), url
        assert (made.raw_path, made.fragment, made.netloc) == (
            expected.raw_path,
            expected.fragment,
            expected.netloc,
        ), url


class _Recording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[Any, ...]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.sent.append(
            (
                request.method,
                str(request.url),
                request.headers.raw,
                request.content,
                request.extensions,
            )
        )
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("platform", ["mastodon", "bluesky", "reddit", "github"])
async def test_a_sync_sends_what_a_plain_httpx_client_sends(platform: str) -> None:
    from datetime import UTC, datetime, timedelta

    from core.connectors.registry import connector_class
    from core.fakes.harness import credentials_for, make_fake
    from core.http_client import TIMEOUT, RapportClient
    from core.models import Account
    from core.secrets import Credentials

    now = 1_760_000_000.0
    horizon = datetime.fromtimestamp(now, UTC) - timedelta(days=30)

    async def sync(plain: bool) -> list[tuple[Any, ...]]:
        fake = make_fake(platform, lambda: now)
        fake.populate(40)  # type: ignore[attr-defined]
        recording = _Recording(fake.transport())
        if plain:
            probe = make_client()
            client = httpx.AsyncClient(
                timeout=TIMEOUT, transport=recording, headers=probe.headers, follow_redirects=False
            )
            await probe.aclose()
        else:
            client = make_client(recording)
            assert isinstance(client, RapportClient)
        account = Account(f"t-{platform}", platform, f"https://{platform}.example")
        connector = connector_class(platform)(
            account, Credentials(credentials_for(fake)), client, clock=lambda: now
        )
        for stream in connector.streams:
            async for _ in connector.fetch(stream, None, horizon):
                pass
        await client.aclose()
        return recording.sent

    made, expected = await sync(plain=False), await sync(plain=True)
    assert len(made) > 3
    assert made == expected
