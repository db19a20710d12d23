"""The shared HTTP plumbing: a request goes out exactly as httpx itself would have built it."""

from __future__ import annotations

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
