"""The one way Rapport makes an HTTP client: sane timeouts, our User-Agent, no cookies kept."""

from __future__ import annotations

import httpx

import core

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


def make_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        transport=transport,
        headers={"User-Agent": f"rapport-tui/{core.__version__}"},
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
