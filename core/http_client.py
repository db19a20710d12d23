"""The one way Rapport makes an HTTP client: sane timeouts, our User-Agent, no cookies kept."""

from __future__ import annotations

import re
from typing import Any

import httpx

import core

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
#: Prepared requests kept per client (one per method, host and header set; a renewed token
#: brings a new one, so past this many they are all dropped and prepared again).
PREPARED_MAX = 64


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
    """httpx's client with cookies switched off (see _NoCookies), and requests without a
    body built from headers prepared once (see build_request)."""

    _no_cookies = _NoCookies()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._prepared: dict[tuple[Any, ...], httpx.Request] = {}

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        return None  # nothing is kept, whatever is set

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        """The request httpx's own build_request makes, built faster when it has no body.

        httpx merges the client's headers with the request's, adds Host (and Content-Length
        for a POST), and parses the result once more, on every request: more than half of
        what building one costs. For a request without a body, the query already in the URL
        and the client's timeout, those headers depend only on the method, the host, the
        request's headers and the client's: the first such request is built by httpx, and
        the ones after it take its headers and extensions as they are (copies, since sending
        may change them). The URL is read by parse_url."""
        target: httpx.URL | str = url
        key = None
        if (
            content is None
            and data is None
            and files is None
            and json is None
            and params is None
            and cookies is None
            and extensions is None
            and timeout is httpx.USE_CLIENT_DEFAULT
        ):
            target = parsed = parse_url(url)  # parsed once, whichever way it is built
            key = _key(self, method, parsed, headers)
        if key is None:
            return super().build_request(
                method,
                target,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                timeout=timeout,
                extensions=extensions,
            )
        template = self._prepared.get(key)
        if template is None:
            template = super().build_request(method, parsed, headers=headers)
            if not isinstance(template.stream, httpx.ByteStream) or template.content:
                return template  # pragma: no cover - not what httpx makes of no body
            if len(self._prepared) >= PREPARED_MAX:
                self._prepared.clear()
            self._prepared[key] = template
        request = httpx.Request(
            method,
            parsed,
            headers=template.headers,
            extensions={
                name: dict(value) if type(value) is dict else value
                for name, value in template.extensions.items()
            },
            stream=httpx.ByteStream(b""),
        )
        request.read()
        return request


def _key(
    client: httpx.AsyncClient, method: str, url: httpx.URL, headers: Any
) -> tuple[Any, ...] | None:
    """What a prepared request's headers depend on, or None when they depend on more
    (a relative URL is merged with the client's base URL, client params go in the query)."""
    if url.is_relative_url or client.params:
        return None
    if headers is None:
        extra: Any = None
    elif type(headers) is httpx.Headers:
        extra = tuple(headers.raw)
    elif type(headers) is dict and all(
        type(name) is str and type(value) is str for name, value in headers.items()
    ):
        extra = tuple(headers.items())
    else:
        return None
    t = client.timeout
    return (
        method,
        url.netloc,
        type(headers),
        extra,
        tuple(client.headers.raw),
        (t.connect, t.read, t.write, t.pool),
    )


#: What httpx keeps as it is in a path and in a query: printable ASCII but for the characters
#: it escapes there (`%` only as the start of an escape). `/.` (which may start a `.` or `..`
#: segment, which httpx drops) is checked apart.
_PATH_AS_IS = re.compile(r"(?:[!$&'()*+,\-./0-9:;=@A-Z\[\\\]^_a-z|~]|%[0-9A-Fa-f]{2})*")
_QUERY_AS_IS = re.compile(r"(?:[!$&'()*+,\-./0-9:;=?@A-Z\[\\\]^_`a-z{|}~]|%[0-9A-Fa-f]{2})*")
#: Origins parsed so far ("https://api.github.com" ...), as httpx parses them.
_origins: dict[str, Any] = {}
ORIGINS_MAX = 64


def parse_url(url: httpx.URL | str) -> httpx.URL:
    """`httpx.URL(url)`, parsing each origin ("scheme://host:port") once.

    httpx checks a URL character by character, in Python, then escapes path and query: a
    fifth of a GitHub request's CPU went there. Connectors call one origin thousands of
    times with paths and queries that need no escaping (the query is httpx's own encoding),
    so the origin's parse is kept, and a path and query that httpx would keep as they are
    (checked by one regular expression each) go next to it unchanged. Anything else (a
    fragment, a `.` segment, a character httpx escapes, an origin that is not plain) is
    parsed by httpx, as is every URL when this httpx keeps URLs another way (_FAST_URLS)."""
    if type(url) is not str or not _FAST_URLS:
        return httpx.URL(url)
    start = url.find("://")
    cut = url.find("/", start + 3) if start > 0 else -1
    if cut < 0 or len(url) > 65_536:
        return httpx.URL(url)
    path, query_mark, query = url[cut:].partition("?")
    if (
        "/." in path
        or _PATH_AS_IS.fullmatch(path) is None
        or (query_mark and _QUERY_AS_IS.fullmatch(query) is None)
    ):
        return httpx.URL(url)
    origin = _origins.get(url[:cut])
    if origin is None:
        origin = _origin(url[:cut])
        if origin is None:
            return httpx.URL(url)
    parsed = httpx.URL.__new__(httpx.URL)
    parsed._uri_reference = origin._replace(path=path, query=query if query_mark else None)
    return parsed


def _origin(prefix: str) -> Any:
    """httpx's parse of `prefix` + "/", kept when it is a plain absolute origin (and names
    no user or password, which have no business in a module-wide cache)."""
    if "@" in prefix:
        return None
    try:
        parts = httpx.URL(prefix + "/")._uri_reference
    except httpx.InvalidURL:
        return None  # httpx says so again, about the whole URL
    if not (parts.scheme and parts.host) or parts.path != "/" or parts.query is not None:
        return None
    if parts.fragment is not None:
        return None
    if len(_origins) >= ORIGINS_MAX:
        _origins.clear()
    _origins[prefix] = parts
    return parts


def _fast_urls_work() -> bool:
    """Whether this httpx keeps a parsed URL as parse_url expects (0.29 does: all of a URL is
    its `_uri_reference`, a named tuple of its parsed parts)."""
    sample = "https://Api.Example:8443/a/b%2Fc~d?e=f%3Ag&h=i+j"
    try:
        made = parse_url(sample)
        made_again = parse_url(sample)
        return (
            made._uri_reference == httpx.URL(sample)._uri_reference
            and made == made_again == httpx.URL(sample)
            and str(made) == str(httpx.URL(sample))
        )
    except Exception:  # pragma: no cover - an httpx that keeps URLs another way
        return False
    finally:
        _origins.clear()


_FAST_URLS = True
_FAST_URLS = _fast_urls_work()


def make_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    return RapportClient(
        timeout=TIMEOUT,
        transport=transport,
        headers={"User-Agent": f"rapport-tui/{core.__version__}"},
        follow_redirects=False,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
    )
