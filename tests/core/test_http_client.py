"""The HTTP client every connector gets: no cookie a server sets is kept or sent back."""

from __future__ import annotations

import httpx

from core.http_client import make_client


async def test_a_cookie_set_by_one_server_is_never_sent_again() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"}, json={})

    async with make_client(httpx.MockTransport(answer)) as client:
        await client.get("https://one.example/api")
        await client.get("https://one.example/api")
        await client.get("https://two.example/api")
        client.cookies = {"planted": "1"}  # nothing is kept, even when set on purpose
        await client.get("https://one.example/api")
        assert len(client.cookies) == 0
    assert seen == [None, None, None, None]


async def test_the_client_names_rapport_in_its_user_agent() -> None:
    agents: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["user-agent"])
        return httpx.Response(204)

    async with make_client(httpx.MockTransport(answer)) as client:
        await client.get("https://one.example/")
    assert agents[0].startswith("rapport-tui/")
