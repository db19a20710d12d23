"""Mastodon: mentions, replies, quotes and direct messages, from `/api/v1/notifications`, and
the user's own replies (made anywhere, Rapport or not) from `/api/v1/accounts/:id/statuses`.

API facts this module relies on (docs.joinmastodon.org):
- auth is `Authorization: Bearer <token>`; a wrong or revoked token gets 401
  `{"error": "The access token is invalid"}`; a token without a needed scope gets 403;
- notifications come newest first, `limit` 40 by default (80 at most, which we ask for); the
  `Link` header's `rel="next"` URL pages to older ones (`max_id`) and `rel="prev"` to newer
  ones (`min_id`);
  both come with every page that is not empty, so the end shows as an empty page;
- ids are opaque strings, in practice decimal snowflakes: they order by length, then by text
  (`id_key`), never by `int()`, and never by plain string comparison ("9" > "10");
- a mention notification's `status` may be null (the post is gone or hidden);
- `/api/v1/accounts/:id/statuses` lists an account's statuses newest first (`limit` 20 by
  default, 40 at most; `exclude_reblogs=true` leaves boosts out; the author sees all of their
  own, direct ones too); it pages with the same `max_id`/`min_id` Link header, but sends
  `rel="next"` only after a full page;
- `X-RateLimit-Limit/Remaining/Reset` come with every answer (Reset is an ISO time; 300 requests
  per 5 minutes), a 429 carries them too;
- `Idempotency-Key` on POST /api/v1/statuses makes a retried post return the first one (the
  server remembers keys for an hour).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from core.connectors.base import (
    AuthError,
    BadResponse,
    Connector,
    ConnectorError,
    Identity,
    NetworkError,
    NotFound,
    Page,
    PostedReply,
    RateLimited,
    require,
)
from core.connectors.http import RateBudget, decode_json, header_float, send
from core.markup.clean import clean_text
from core.markup.html import html_links, html_to_text
from core.models import JSON, Account, Contact, ContextPost, Item, ItemKind, MarkupFormat
from core.secrets import Credentials
from core.timeutil import parse_iso, to_epoch

STREAM = "notifications"
#: The user's own replies, for the consistency ledger (pages carry own_posts, never items).
OWN = "own"
#: The notification types that are conversations; anything else the server sends is skipped.
CONVERSATION_TYPES = ("mention", "quote")
#: The most a page may hold: 80 notifications, 40 statuses of an account (Mastodon's maxima:
#: fewer, fuller pages cost fewer requests and fewer transactions).
NOTIFICATIONS_LIMIT = 80
STATUSES_LIMIT = 40
SCOPES = "read:accounts read:notifications read:statuses write:statuses"
# The server's clock and ours may differ; a reply found this much before `since` still counts.
_CLOCK_SKEW = timedelta(minutes=2)
_MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+[A-Za-z0-9])?)")
_SPACES = re.compile(r"\s+")


def id_key(remote_id: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: shorter is older, then text order (they are decimal strings)."""
    return (len(remote_id), remote_id)


def newest_id(*ids: str | None) -> str | None:
    """The newest of some ids (None and "" are ignored)."""
    present = [i for i in ids if i]
    return max(present, key=id_key) if present else None


@dataclass(frozen=True, slots=True)
class _Me:
    id: str
    username: str


@dataclass(slots=True)
class ParsedPage:
    """What one page of notifications holds, parsed in full before anything is yielded."""

    stream: str = STREAM
    items: list[Item] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    #: Our own replies on a page of the "own" stream.
    own_posts: list[ContextPost] = field(default_factory=list)
    #: Entries on the page (notifications of every type, or statuses of every kind).
    count: int = 0
    #: Newest and oldest entry ids on the page, whatever their type.
    newest: str | None = None
    oldest_at: datetime | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class MastodonConnector(Connector):
    platform: ClassVar[str] = "mastodon"
    title: ClassVar[str] = "Mastodon"
    default_base_url: ClassVar[str] = "https://mastodon.social"
    credential_keys: ClassVar[tuple[str, ...]] = ("token",)
    credential_help: ClassVar[str] = (
        "On your Mastodon server open Preferences → Development → New application, tick the "
        f"scopes {SCOPES}, save, and copy 'Your access token'."
    )
    streams: ClassVar[tuple[str, ...]] = (STREAM, OWN)
    credential_url: ClassVar[str] = "{base_url}/settings/applications/new"
    asks_for_server: ClassVar[bool] = True
    max_reply_length: ClassVar[int] = 500
    reply_length_unit: ClassVar[str] = "characters"

    def __init__(
        self,
        account: Account,
        credentials: Credentials,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(account, credentials, client)
        self.clock = clock
        self.budget = RateBudget(clock)
        self.host = urlsplit(self.base_url).hostname or ""
        self._me: _Me | None = None
        # Authors repeat across notifications; their bio and links are parsed once.
        self._contacts: dict[str, tuple[tuple[str, ...], Contact]] = {}

    # ---- the contract --------------------------------------------------------------------------

    async def verify(self) -> Identity:
        response = await self._call("GET", "/api/v1/accounts/verify_credentials", "verify")
        data = decode_json(response, "verify")
        account_id = str(require(data, "id", "verify"))
        username = str(require(data, "username", "verify"))
        self._me = _Me(account_id, username)
        return Identity(
            remote_id=account_id,
            handle=f"@{username}@{self.host}",
            display_name=clean_text(str(data.get("display_name") or "")),
            profile_url=str(data.get("url") or ""),
        )

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if stream not in self.streams:
            raise ConnectorError(f"Mastodon has no stream {stream!r} (it has {STREAM!r}, {OWN!r})")
        me = await self._own()
        if cursor and cursor.get("mode") == "incremental" and cursor.get("newest"):
            async for page in self._incremental(stream, str(cursor["newest"]), me):
                yield page
        else:
            async for page in self._backfill(stream, cursor, horizon, me):
                yield page

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        me = await self._own()
        data = await self._context(item.remote_id, "thread context")
        ancestors = require(data, "ancestors", "thread context")
        return [self._context_post(status, me, "thread context") for status in ancestors]

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        me = await self._own()
        data = item.platform_data
        body: JSON = {
            "status": compose_status(item, text, me.username, self.host),
            "in_reply_to_id": item.remote_id,
            # The parent's audience, never a wider one: a reply to a followers-only post or a
            # direct message must not become public.
            "visibility": data.get("visibility") or "direct",
        }
        if data.get("spoiler_text"):
            body["spoiler_text"] = data["spoiler_text"]
        response = await self._call(
            "POST",
            "/api/v1/statuses",
            "post reply",
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        status = decode_json(response, "post reply")
        return PostedReply(
            remote_id=str(require(status, "id", "post reply")),
            url=str(status.get("url") or status.get("uri") or ""),
            created_at=_parse_time(require(status, "created_at", "post reply"), "post reply"),
        )

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        """Our reply to `item` with this text in its thread, if there is one. (The key is not
        needed: a retried POST with the same Idempotency-Key returns the first post anyway.)"""
        me = await self._own()
        data = await self._context(item.remote_id, "look for a sent reply")
        expected = _comparable(compose_status(item, text, me.username, self.host))
        earliest = since - _CLOCK_SKEW
        for status in require(data, "descendants", "look for a sent reply"):
            if not _is_own_reply(status, me, item.remote_id):
                continue
            created = _parse_time(status.get("created_at"), "look for a sent reply")
            shown = html_to_text(str(status.get("content") or ""))
            if created < earliest or _comparable(shown) != expected:
                continue
            return PostedReply(
                remote_id=str(status["id"]),
                url=str(status.get("url") or status.get("uri") or ""),
                created_at=created,
            )
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:
        newest = newest_id(*(str(i.platform_data.get("notification_id") or "") for i in items))
        if newest is None:
            return
        # The marker is one position for all clients: never move it back.
        response = await self._call(
            "GET", "/api/v1/markers", "read marker", params=[("timeline[]", "notifications")]
        )
        current = decode_json(response, "read marker")
        marker = current.get("notifications") if isinstance(current, dict) else None
        last_read = marker.get("last_read_id") if isinstance(marker, dict) else None
        if last_read and newest_id(str(last_read), newest) == str(last_read):
            return
        await self._call(
            "POST",
            "/api/v1/markers",
            "mark read",
            data={"notifications[last_read_id]": newest},
        )

    # ---- paging --------------------------------------------------------------------------------

    async def _backfill(
        self, stream: str, cursor: JSON | None, horizon: datetime, me: _Me
    ) -> AsyncIterator[Page]:
        """Newest to oldest down to `horizon`, remembering where to resume (`older`)."""
        older = (cursor or {}).get("older")
        newest = (cursor or {}).get("newest")
        while True:
            response, parsed = await self._list(stream, me, horizon, max_id=older)
            newest = newest or parsed.newest
            older = _link_param(response, "next", "max_id")
            reached_horizon = parsed.oldest_at is not None and parsed.oldest_at < horizon
            if older is None or parsed.newest is None or reached_horizon:
                yield _page(parsed, {"mode": "incremental", "newest": newest})
                return
            yield _page(parsed, {"mode": "backfill", "older": older, "newest": newest})

    async def _incremental(self, stream: str, newest: str, me: _Me) -> AsyncIterator[Page]:
        """Everything newer than `newest`. `min_id` pages forward from just above it, oldest
        chunk first, so each stored page moves the high-water mark up without leaving a gap,
        and an interrupted run resumes exactly where it stopped."""
        while True:
            _, parsed = await self._list(stream, me, None, min_id=newest)
            if parsed.newest is None:
                return
            newest = newest_id(newest, parsed.newest) or newest
            yield _page(parsed, {"mode": "incremental", "newest": newest})
            if parsed.count < (STATUSES_LIMIT if stream == OWN else NOTIFICATIONS_LIMIT):
                return

    async def _list(
        self,
        stream: str,
        me: _Me,
        horizon: datetime | None,
        *,
        max_id: str | None = None,
        min_id: str | None = None,
    ) -> tuple[httpx.Response, ParsedPage]:
        if stream == OWN:
            what = "own posts"
            path = f"/api/v1/accounts/{quote(me.id, safe='')}/statuses"
            params = _own_params(max_id=max_id, min_id=min_id)
            response = await self._call("GET", path, what, params=params)
            return response, self.parse_own_statuses(decode_json(response, what), me.id, horizon)
        params = _list_params(max_id=max_id, min_id=min_id)
        response = await self._call("GET", "/api/v1/notifications", "notifications", params=params)
        parsed = self.parse_notifications(decode_json(response, "notifications"), me.id, horizon)
        return response, parsed

    # ---- parsing (pure: no I/O, used by the benchmark too) --------------------------------------

    def parse_notifications(
        self, raw: Any, own_id: str, horizon: datetime | None = None
    ) -> ParsedPage:
        """Turn one page of notifications into items. Raises BadResponse (and yields nothing)
        when the page is not a list or a notification lacks a field we need."""
        if not isinstance(raw, list):
            raise BadResponse("notifications: expected a list of notifications")
        page = ParsedPage(count=len(raw))
        for notification in raw:
            try:
                self._parse_one(notification, own_id, horizon, page)
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise _malformed("notifications", notification, exc) from None
        return page

    def _parse_one(
        self, notification: JSON, own_id: str, horizon: datetime | None, page: ParsedPage
    ) -> None:
        notification_id = str(notification["id"])
        page.newest = newest_id(page.newest, notification_id)
        at = parse_iso(notification["created_at"])
        if page.oldest_at is None or at < page.oldest_at:
            page.oldest_at = at
        if horizon is not None and at < horizon:
            return
        kind = notification["type"]
        if kind not in CONVERSATION_TYPES:
            page.skip(str(kind))
            return
        status = notification.get("status")
        if status is None:
            page.skip("status_missing")
            return
        page.items.append(self.item_from_status(status, own_id, notification_id, kind))

    def parse_own_statuses(
        self, raw: Any, own_id: str, horizon: datetime | None = None
    ) -> ParsedPage:
        """One page of our own statuses: the replies among them (to anyone, in any
        visibility) as own posts; posts that answer nobody and boosts are passed over. Raises
        BadResponse (and yields nothing) when the page is not a list or a status is malformed."""
        if not isinstance(raw, list):
            raise BadResponse("own posts: expected a list of statuses")
        page = ParsedPage(stream=OWN, count=len(raw))
        me = _Me(own_id, "")
        for status in raw:
            try:
                status_id = str(status["id"])
                page.newest = newest_id(page.newest, status_id)
                at = parse_iso(status["created_at"])
                if page.oldest_at is None or at < page.oldest_at:
                    page.oldest_at = at
                if horizon is not None and at < horizon:
                    continue
                # A boost is a status of its own whose in_reply_to_id is null, whatever it
                # boosts: passed over even from a server that ignores exclude_reblogs.
                if not status.get("in_reply_to_id"):
                    continue
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise _malformed("own posts", status, exc) from None
            page.own_posts.append(self._context_post(status, me, "own posts"))
        return page

    def item_from_status(
        self, status: JSON, own_id: str, notification_id: str = "", kind: str = "mention"
    ) -> Item:
        account = status["account"]
        text = html_to_text(status["content"])
        visibility = status["visibility"]
        parent = status.get("in_reply_to_id") or ""
        status_id = str(status["id"])
        return Item(
            account=self.account.name,
            platform=self.platform,
            remote_id=status_id,
            kind=_kind(kind, visibility, status.get("in_reply_to_account_id"), own_id),
            author=self._contact(account),
            text=text,
            created_at=parse_iso(status["created_at"]),
            markup=status["content"],
            markup_format=MarkupFormat.HTML,
            url=status.get("url") or status.get("uri") or "",
            # The real root is only known from the context; the parent is the best guess.
            thread_root_id=str(parent) or status_id,
            parent_id=str(parent),
            is_question="?" in text,
            platform_data={
                "notification_id": notification_id,
                "visibility": visibility,
                "acct": account["acct"],
                "mentions": [m["acct"] for m in status.get("mentions") or ()],
                "spoiler_text": status.get("spoiler_text") or "",
                "language": status.get("language"),
                "in_reply_to_account_id": status.get("in_reply_to_account_id"),
            },
        )

    def _contact(self, account: JSON) -> Contact:
        account_id = str(account["id"])
        acct = account["acct"]
        display_name = account.get("display_name") or ""
        note = account.get("note") or ""
        url = account.get("url") or ""
        signature = (acct, display_name, note, url)
        cached = self._contacts.get(account_id)
        if cached is not None and cached[0] == signature:
            return cached[1]
        contact = Contact(
            platform=self.platform,
            remote_id=account_id,
            handle=f"@{acct}" if "@" in acct else f"@{acct}@{self.host}",
            display_name=clean_text(display_name),
            profile_url=url,
            instance=urlsplit(url).hostname or acct.partition("@")[2] or self.host,
            links=_field_links(account.get("fields") or ()),
            bio=html_to_text(note),
        )
        self._contacts[account_id] = (signature, contact)
        return contact

    def _context_post(self, status: JSON, me: _Me, what: str) -> ContextPost:
        try:
            account = status["account"]
            return ContextPost(
                remote_id=str(status["id"]),
                author=self._contact(account),
                text=html_to_text(status["content"]),
                created_at=parse_iso(status["created_at"]),
                url=status.get("url") or status.get("uri") or "",
                parent_id=str(status.get("in_reply_to_id") or ""),
                is_own=str(account["id"]) == me.id,
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise _malformed(what, status, exc) from None

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _own(self) -> _Me:
        """Our account id and username (from the stored account, else from the server)."""
        if self._me is None:
            if self.account.remote_id and self.account.handle:
                username = self.account.handle.lstrip("@").partition("@")[0]
                self._me = _Me(self.account.remote_id, username)
            else:
                await self.verify()
        assert self._me is not None
        return self._me

    async def _context(self, status_id: str, what: str) -> JSON:
        response = await self._call("GET", f"/api/v1/statuses/{status_id}/context", what)
        data = decode_json(response, what)
        if not isinstance(data, dict):
            raise BadResponse(f"{what}: expected an object with ancestors and descendants")
        return data

    async def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """One request: refused before sending while the rate budget is spent; errors typed."""
        self.budget.check(what)
        token = self.credentials.get("token")
        if not token:
            raise AuthError(f"{what}: no Mastodon access token is stored for {self.account.name!r}")
        response = await send(
            self.client,
            method,
            self.base_url + path,
            what=what,
            headers={"Authorization": f"Bearer {token.reveal()}", **(headers or {})},
            **kwargs,
        )
        reset_at = _reset_epoch(response)
        self.budget.update(header_float(response, "X-RateLimit-Remaining"), reset_at)
        if response.status_code >= 400:
            raise self._error(response, what, reset_at)
        return response

    def _error(self, response: httpx.Response, what: str, reset_at: float | None) -> ConnectorError:
        status = response.status_code
        if status == 401:
            return AuthError(
                f"{what}: Mastodon refused the access token of {self.account.name!r} (revoked, "
                f"expired or mistyped). Create a new one on {self.base_url}/settings/applications "
                f"(Preferences → Development → New application) with the scopes {SCOPES}, "
                "and store it again with `rapport accounts add`."
            )
        if status == 403:
            return AuthError(
                f"{what}: the Mastodon token of {self.account.name!r} lacks a needed scope "
                f"({_server_message(response)}); create one with the scopes {SCOPES}"
            )
        if status in (404, 410):
            return NotFound(f"{what}: not found on Mastodon (deleted or not visible to you)")
        if status == 429:
            retry_after = _retry_after(response, reset_at, self.clock())
            return RateLimited(f"{what}: Mastodon rate limit reached", retry_after)
        if status >= 500:
            return NetworkError(f"{what}: the Mastodon server had an error (HTTP {status})")
        return BadResponse(f"{what}: Mastodon answered HTTP {status}: {_server_message(response)}")


# ---- helpers -------------------------------------------------------------------------------


def compose_status(item: Item, text: str, own_username: str, host: str) -> str:
    """The status text of a reply: the parent's author and the other people it mentioned are
    addressed first (as Mastodon's own composer does), except ourselves and anyone the text
    already names."""
    data = item.platform_data
    own = {own_username.lower(), f"{own_username}@{host}".lower()}
    named = {m.lower() for m in _MENTION.findall(text)}
    prefix: list[str] = []
    for acct in [data.get("acct") or "", *(data.get("mentions") or ())]:
        lowered = str(acct).lower()
        if lowered and lowered not in own and lowered not in named:
            named.add(lowered)
            prefix.append(f"@{acct}")
    return " ".join([*prefix, text]) if prefix else text


def _kind(notification_type: str, visibility: str, reply_to_account: Any, own_id: str) -> ItemKind:
    if visibility == "direct":
        return ItemKind.DIRECT
    if notification_type == "quote":
        return ItemKind.QUOTE
    if reply_to_account is not None and str(reply_to_account) == own_id:
        return ItemKind.REPLY
    return ItemKind.MENTION


def _field_links(fields: Iterable[JSON]) -> list[str]:
    """Links from profile fields; a link the server verified (rel=me) is marked so."""
    links: list[str] = []
    for entry in fields:
        verified = bool(entry.get("verified_at"))
        for href in html_links(entry.get("value") or ""):
            links.append(f"{href} (verified)" if verified else href)
    return links


def _is_own_reply(status: JSON, me: _Me, parent_id: str) -> bool:
    account = status.get("account") or {}
    return str(account.get("id")) == me.id and str(status.get("in_reply_to_id")) == parent_id


def _comparable(text: str) -> str:
    """Text compared without the leading @mentions (the server shows `@user` for `@user@host`)
    and with whitespace collapsed."""
    words = _SPACES.sub(" ", text).strip().split(" ")
    while words and words[0].startswith("@"):
        words.pop(0)
    return " ".join(words)


def _list_params(*, max_id: str | None = None, min_id: str | None = None) -> list[tuple[str, str]]:
    params = [("types[]", kind) for kind in CONVERSATION_TYPES]
    params.append(("limit", str(NOTIFICATIONS_LIMIT)))
    if max_id:
        params.append(("max_id", max_id))
    if min_id:
        params.append(("min_id", min_id))
    return params


def _own_params(*, max_id: str | None = None, min_id: str | None = None) -> list[tuple[str, str]]:
    params = [("exclude_reblogs", "true"), ("limit", str(STATUSES_LIMIT))]
    if max_id:
        params.append(("max_id", max_id))
    if min_id:
        params.append(("min_id", min_id))
    return params


def _link_param(response: httpx.Response, rel: str, name: str) -> str | None:
    """A query parameter of the `Link` header's URL for `rel`, e.g. next → max_id."""
    link = response.links.get(rel)
    if not link or "url" not in link:
        return None
    values = parse_qs(urlsplit(link["url"]).query).get(name)
    return values[0] if values else None


def _page(parsed: ParsedPage, cursor: JSON) -> Page:
    return Page(
        stream=parsed.stream,
        items=parsed.items,
        cursor=cursor,
        skipped=sum(parsed.skipped.values()),
        skipped_reasons=parsed.skipped,
        own_posts=parsed.own_posts,
    )


def _reset_epoch(response: httpx.Response) -> float | None:
    value = response.headers.get("X-RateLimit-Reset")
    if not value:
        return None
    try:
        return to_epoch(parse_iso(value))
    except ValueError:
        return None


def _retry_after(response: httpx.Response, reset_at: float | None, now: float) -> float:
    if reset_at is not None:
        return max(0.0, reset_at - now)
    seconds = header_float(response, "Retry-After")
    # Without either header, wait out Mastodon's whole window (5 minutes).
    return seconds if seconds is not None else 300.0


def _server_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return "no details"
    message = data.get("error") if isinstance(data, dict) else None
    return clean_text(str(message))[:200] if message else "no details"


def _parse_time(value: Any, what: str) -> datetime:
    try:
        return parse_iso(str(value))
    except ValueError:
        raise BadResponse(f"{what}: {value!r} is not a time") from None


def _malformed(what: str, entry: Any, exc: Exception) -> BadResponse:
    entry_id = entry.get("id") if isinstance(entry, dict) else None
    detail = f"no {exc.args[0]!r} field" if isinstance(exc, KeyError) else type(exc).__name__
    return BadResponse(f"{what}: entry {entry_id!r} is malformed ({detail})")
