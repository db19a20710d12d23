"""The one way Rapport makes an HTTP client: sane timeouts, our User-Agent, no cookies kept."""

from __future__ import annotations

import httpx

import core

TIMEOUT = httpx.Timeout(20.0, connect=10.0)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing. Every platform is called with a token, so a cookie a
    server sets is never needed, and keeping one would carry state (a session, a tracker)
    from one account's requests to another's on the shared client. It also skips httpx's
    cookie parsing of every response, which costs as much as decoding a small JSON body."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class RapportClient(httpx.AsyncClient):
    """httpx's client with cookies switched off (see _NoCookies)."""

    _no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        return None  # nothing is kept, whatever is set


def make_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    return RapportClient(
        timeout=TIMEOUT,
        transport=transport,
        headers={"User-Agent": f"rapport-tui/{core.__version__}"},
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
