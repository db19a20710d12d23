"""HTTP plumbing shared by connectors: typed errors for transport faults, JSON decoding, and a
rate-limit budget that refuses to send a request the platform has told us not to send yet."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from core import jsoncodec
from core.connectors.base import BadResponse, NetworkError, RateLimited

USER_AGENT = "rapport-tui (+https://github.com/rapport-tui/rapport)"


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
    client: httpx.AsyncClient, method: str, url: str, *, what: str, **kwargs: Any
) -> httpx.Response:
    """Send a request; transport faults become NetworkError naming `what` was attempted."""
    try:
        return await client.request(method, url, **kwargs)
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
