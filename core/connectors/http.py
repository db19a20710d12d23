"""HTTP plumbing shared by connectors: typed errors for transport faults, JSON decoding, and a
rate-limit budget that refuses to send a request the platform has told us not to send yet."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import httpx

from core import jsoncodec
from core.connectors.base import BadResponse, NetworkError, RateLimited

USER_AGENT = "rapport-tui (+https://github.com/rapport-tui/rapport)"

#: Query parameters as connectors give them (httpx.QueryParams takes these).
Params = Mapping[str, Any] | list[tuple[str, Any]]


class RateBudget:
    """Remembers the platform's remaining quota and reset time; `check()` before each request.

    `clock` returns epoch seconds (injectable so tests never sleep)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.remaining: float | None = None
        self.reset_at: float | None = None

    def update(self, remaining: float | None, reset_at: float | None) -> None:
        if remaining is not None:
            self.remaining = remaining
        if reset_at is not None:
            self.reset_at = reset_at

    def check(self, what: str) -> None:
        """Raise RateLimited (without sending anything) while the quota is spent."""
        if self.remaining is None or self.remaining > 0 or self.reset_at is None:
            return
        wait = self.reset_at - self.clock()
        if wait > 0:
            raise RateLimited(f"{what}: rate limit spent, resets in {wait:.0f} s", wait)
        self.remaining = None


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    what: str,
    params: Params | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; transport faults become NetworkError naming `what` was attempted."""
    url, params = with_query(client, url, params)
    try:
        return await client.request(method, url, params=params, **kwargs)
    except httpx.TimeoutException:
        raise NetworkError(f"{what}: {_host(url)} did not answer in time") from None
    except httpx.ConnectError:
        raise NetworkError(
            f"{what}: cannot connect to {_host(url)} (offline, or a wrong server address?)"
        ) from None
    except httpx.TransportError as exc:
        raise NetworkError(
            f"{what}: network error talking to {_host(url)} ({type(exc).__name__})"
        ) from None


def with_query(
    client: httpx.AsyncClient, url: str, params: Params | None
) -> tuple[str, Params | None]:
    """`url` with `params` written into it, when that makes the very URL httpx would make.

    httpx parses a URL given with params twice: once to merge it with the client's base URL,
    then again to put the query in (even an empty one). Half of the time GitHub spends per
    request went there. A URL that already carries its query is parsed once. The query is
    encoded by httpx's own QueryParams, so it reads exactly as before; httpx *replaces* a
    query already in the URL and keeps a fragment after the new one, and merges in the
    client's own params, so those cases are left to httpx."""
    if params is None or client.params or "?" in url or "#" in url:
        return url, params
    query = _query(params)
    return (f"{url}?{query}" if query else url), None


def _query(params: Params) -> str:
    """The query string httpx would write for `params`."""
    pairs = tuple(params.items()) if isinstance(params, Mapping) else tuple(params)
    if all(type(name) is str and type(value) is str for name, value in pairs):
        return _text_query(pairs)
    return str(httpx.QueryParams(params))


@lru_cache(maxsize=256)
def _text_query(pairs: tuple[tuple[str, str], ...]) -> str:
    """Encoding a query costs nearly half as much as parsing the URL, and the same query
    comes back often: on a first sync, GitHub lists every thread's comments since the same
    horizon. Only text is cached: 1, 1.0 and True are equal keys but read "1", "1.0", "true"."""
    return str(httpx.QueryParams(pairs))


def _host(url: str) -> str:
    """Where the request went, without path or query (which may carry ids or tokens)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "the platform"
    return f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host or "the platform"


def decode_json(response: httpx.Response, what: str) -> Any:
    """The response body as JSON, or BadResponse saying what arrived instead."""
    try:
        return jsoncodec.loads(response.content)
    except jsoncodec.DecodeError:
        kind = response.headers.get("content-type", "unknown content")
        raise BadResponse(f"{what}: the platform sent malformed JSON ({kind})") from None


def header_float(response: httpx.Response, name: str) -> float | None:
    value = response.headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
