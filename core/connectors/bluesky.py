"""Bluesky: replies, mentions and quotes, from `app.bsky.notification.listNotifications`, and
the user's own replies (made anywhere, Rapport or not) from `app.bsky.feed.getAuthorFeed`.

Protocol facts this module relies on (docs.bsky.app, atproto.com):
- an app password opens a session (`com.atproto.server.createSession`): a short-lived access JWT
  and a long-lived refresh JWT; an expired access JWT gets HTTP 400 `{"error": "ExpiredToken"}`,
  and `com.atproto.server.refreshSession`, called with the refresh JWT as bearer, gives new ones;
- notifications come newest first (`limit` up to 100) with an opaque `cursor` to older ones; there
  is no "newer than" parameter, so new ones are found by paging from the top until the last one
  seen (see `_incremental`);
- `app.bsky.feed.getAuthorFeed` (`actor`, `filter=posts_with_replies`, `limit` up to 100, an
  opaque `cursor`) lists an actor's posts and reposts newest first, with no "newer than"
  parameter either; a repost (or, asked for with `includePins`, a pinned post out of its place)
  comes as a feed item with a `reason`, its `post` being the reposted one;
- a post's `facets` point into its text by UTF-8 *byte* offsets; a link facet may cover a
  shortened text (`example.com/long…`) whose full target is the facet's `uri`;
- `RateLimit-Limit/Remaining/Reset` (Reset in epoch seconds) and `RateLimit-Policy` come with
  every answer, a 429 `{"error": "RateLimitExceeded"}` too;
- a reply record names its thread's `root` and its `parent` as {uri, cid}; a post's record key is
  a TID (13 base32-sortable characters). `createRecord` may be given the key, so a retried create
  with the same key cannot make a second post: the PDS refuses a key that exists (today with HTTP
  500 InternalServerError, see bluesky-social/atproto#3718; an explicit error is on the way), and
  `reply_rkey` derives the key from the idempotency key.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from core import jsoncodec
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
from core.models import JSON, Account, Contact, ContextPost, Item, ItemKind, MarkupFormat
from core.secrets import Credentials, Secret
from core.timeutil import parse_iso

STREAM = "notifications"
#: The user's own replies, for the consistency ledger (pages carry own_posts, never items).
OWN = "own"
POST = "app.bsky.feed.post"
PAGE_LIMIT = 100
#: getAuthorFeed's filter that keeps replies (posts_no_replies would drop exactly those).
AUTHOR_FILTER = "posts_with_replies"
REASON_PIN = "app.bsky.feed.defs#reasonPin"
PARENT_HEIGHT = 80
KINDS = {"reply": ItemKind.REPLY, "mention": ItemKind.MENTION, "quote": ItemKind.QUOTE}
LINK_FEATURE = "app.bsky.richtext.facet#link"
MENTION_FEATURE = "app.bsky.richtext.facet#mention"
APP_PASSWORD_HELP = (
    "create an app password in the Bluesky app (Settings → Privacy and security → App "
    "passwords) and store it with `rapport accounts add bluesky` (identifier=your handle or "
    "email, password=the app password)"
)
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?)\]']")
_HANDLE_MENTION = re.compile(
    r"(?<![\w@])@([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*"
    r"[a-zA-Z0-9])?)+)"
)
_CLOCK_SKEW = timedelta(minutes=2)
_SESSION_ERRORS = ("ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing")


@dataclass(slots=True)
class _Session:
    did: str
    handle: str
    access: Secret
    refresh: Secret


@dataclass(frozen=True, slots=True)
class Position:
    """A place in the notification list: its time and uri (ties in time are broken by uri)."""

    at: datetime
    uri: str

    def to_json(self) -> JSON:
        return {"at": self.at.isoformat(), "uri": self.uri}

    @classmethod
    def from_json(cls, value: Any) -> Position | None:
        if not isinstance(value, dict) or not value.get("at"):
            return None
        return cls(parse_iso(str(value["at"])), str(value.get("uri") or ""))

    def covers(self, at: datetime, uri: str) -> bool:
        """Is a notification at `at` with `uri` at or before this position (already seen)?"""
        return at < self.at or uri == self.uri


@dataclass(slots=True)
class ParsedPage:
    """One page of notifications (or of our author feed), parsed in full before anything is
    yielded."""

    stream: str = STREAM
    items: list[Item] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    #: Our own replies on a page of the "own" stream.
    own_posts: list[ContextPost] = field(default_factory=list)
    #: The first entry on the page (the newest), whatever its reason.
    top: Position | None = None
    #: True when the page reached notifications already seen, or the horizon.
    reached_end: bool = False
    cursor: str | None = None
    seen_at: str | None = None

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


#: Reads one page of a list: (platform cursor, where to stop, horizon) -> the parsed page.
_Lister = Callable[[str | None, Position | None, datetime], Awaitable[ParsedPage]]


class BlueskyConnector(Connector):
    platform: ClassVar[str] = "bluesky"
    title: ClassVar[str] = "Bluesky"
    default_base_url: ClassVar[str] = "https://bsky.social"
    credential_keys: ClassVar[tuple[str, ...]] = ("identifier", "password")
    credential_help: ClassVar[str] = (
        "Use an app password, not your main password: Settings → Privacy and security → App "
        "passwords → Add. Give identifier=<your handle or email> and password=<the app password>."
    )
    streams: ClassVar[tuple[str, ...]] = (STREAM, OWN)
    credential_url: ClassVar[str] = "https://bsky.app/settings/app-passwords"
    max_reply_length: ClassVar[int] = 300
    reply_length_unit: ClassVar[str] = "graphemes"

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
        self._session: _Session | None = None
        self._seen_at: str | None = None
        self._contacts: dict[str, tuple[tuple[str, ...], Contact]] = {}

    # ---- the contract --------------------------------------------------------------------------

    async def verify(self) -> Identity:
        session = await self._ensure_session("verify")
        profile = await self._xrpc(
            "GET", "app.bsky.actor.getProfile", "verify", params={"actor": session.did}
        )
        if not isinstance(profile, dict):
            raise BadResponse("verify: the profile is not an object")
        return Identity(
            remote_id=session.did,
            handle=f"@{session.handle}",
            # displayName is optional: absent until the user sets one.
            display_name=clean_text(str(profile.get("displayName") or "")),
            profile_url=f"https://bsky.app/profile/{session.handle}",
        )

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if stream not in self.streams:
            raise ConnectorError(f"Bluesky has no stream {stream!r} (it has {STREAM!r}, {OWN!r})")
        lister = self._list if stream == STREAM else self._list_own
        newest = Position.from_json((cursor or {}).get("newest"))
        if cursor and cursor.get("mode") == "incremental" and newest is not None:
            async for page in self._incremental(lister, newest, cursor.get("pending"), horizon):
                yield page
        else:
            async for page in self._backfill(lister, cursor, horizon):
                yield page

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        session = await self._ensure_session("thread context")
        data = await self._xrpc(
            "GET",
            "app.bsky.feed.getPostThread",
            "thread context",
            params={"uri": item.remote_id, "depth": 0, "parentHeight": PARENT_HEIGHT},
        )
        thread = require(data, "thread", "thread context")
        if not isinstance(thread, dict) or "post" not in thread:
            raise NotFound("thread context: the post is gone or hidden from you")
        chain: list[ContextPost] = []
        parent = thread.get("parent")
        # Walk up; a deleted or blocked post ends the chain (nothing above it can be seen).
        while isinstance(parent, dict) and isinstance(parent.get("post"), dict):
            chain.append(self._context_post(parent["post"], session.did, "thread context"))
            parent = parent.get("parent")
        chain.reverse()
        return chain

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        session = await self._ensure_session("post reply")
        rkey = reply_rkey(item.remote_id, idempotency_key)
        now = datetime.fromtimestamp(self.clock(), UTC)
        record: JSON = {
            "$type": POST,
            "text": text,
            "createdAt": _iso(now),
            "reply": reply_refs(item),
        }
        facets = await self._facets_for(text, item)
        if facets:
            record["facets"] = facets
        body = {"repo": session.did, "collection": POST, "rkey": rkey, "record": record}
        try:
            created = await self._xrpc(
                "POST", "com.atproto.repo.createRecord", "post reply", body=body
            )
        except (NetworkError, BadResponse):
            # A retry of a create that went through is refused because the key exists (HTTP
            # 500 today): the record under our key is the reply we already made.
            existing = await self._own_record(rkey, "post reply")
            if existing is None:
                raise
            return existing
        uri = str(require(created, "uri", "post reply"))
        return PostedReply(remote_id=uri, url=self._post_url(uri), created_at=now)

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        """With the reply's idempotency key, one getRecord under the key-derived record key.
        Without it, look through the direct replies to `item` for ours with this text."""
        if idempotency_key:
            return await self._own_record(reply_rkey(item.remote_id, idempotency_key), "find reply")
        session = await self._ensure_session("find reply")
        data = await self._xrpc(
            "GET",
            "app.bsky.feed.getPostThread",
            "find reply",
            params={"uri": item.remote_id, "depth": 1, "parentHeight": 0},
        )
        thread = data.get("thread") if isinstance(data, dict) else None
        replies = thread.get("replies") if isinstance(thread, dict) else None
        for reply in replies or ():
            post = reply.get("post") if isinstance(reply, dict) else None
            if not isinstance(post, dict):
                continue
            record = post.get("record") or {}
            if (post.get("author") or {}).get("did") != session.did or record.get("text") != text:
                continue
            created = _time_or_none(post.get("indexedAt"))
            if created is None or created < since - _CLOCK_SKEW:
                continue
            uri = str(post.get("uri"))
            return PostedReply(remote_id=uri, url=self._post_url(uri), created_at=created)
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:
        seen = [i.created_at for i in items]
        if not seen:
            return
        newest = max(seen)
        # updateSeen replaces the seen time: never move it back.
        if self._seen_at is None:
            data = await self._xrpc(
                "GET", "app.bsky.notification.listNotifications", "mark read", params={"limit": 1}
            )
            self._seen_at = data.get("seenAt") if isinstance(data, dict) else None
        current = _time_or_none(self._seen_at)
        if current is not None and current >= newest:
            return
        seen_at = _iso(newest)
        await self._xrpc(
            "POST", "app.bsky.notification.updateSeen", "mark read", body={"seenAt": seen_at}
        )
        self._seen_at = seen_at

    # ---- paging --------------------------------------------------------------------------------

    async def _backfill(
        self, lister: _Lister, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        """Newest to oldest down to `horizon`; `older` is the platform cursor to resume at and
        `newest` the top of the list when the backfill began."""
        older = (cursor or {}).get("older")
        newest = Position.from_json((cursor or {}).get("newest"))
        while True:
            parsed = await lister(older, None, horizon)
            newest = newest or parsed.top
            older = parsed.cursor
            done = parsed.reached_end or not older or parsed.top is None
            if done:
                yield _page(parsed, _incremental_cursor(newest))
                return
            yield _page(parsed, {"mode": "backfill", "older": older, "newest": _json(newest)})

    async def _incremental(
        self, lister: _Lister, newest: Position, pending: Any, horizon: datetime
    ) -> AsyncIterator[Page]:
        """Page from the top down to `newest`. The high-water mark only moves once a walk is
        complete: a walk cut short is stored as `pending` (where it got to, and the top it
        started from), and the next run finishes it before starting a new one, so the gap
        between the old mark and the new top is never skipped."""
        walk = pending if isinstance(pending, dict) else None
        # Only a walk left by an earlier run needs a fresh one after it: new notifications may
        # have come in above its top since.
        resumed = walk is not None
        while True:
            top = Position.from_json(walk.get("top")) if walk else None
            older = walk.get("older") if walk else None
            parsed = await lister(older, newest, horizon)
            top = top or parsed.top
            if top is None or (walk is None and newest.covers(top.at, top.uri)):
                return  # nothing newer than the mark: the cursor stays as it is
            if parsed.reached_end or not parsed.cursor:
                newest, walk = top, None
                yield _page(parsed, _incremental_cursor(newest))
                if not resumed:
                    return
                resumed = False
                continue
            walk = {"older": parsed.cursor, "top": top.to_json()}
            yield _page(parsed, {**_incremental_cursor(newest), "pending": walk})

    async def _list(
        self, cursor: str | None, stop_at: Position | None, horizon: datetime
    ) -> ParsedPage:
        params: dict[str, Any] = {"limit": PAGE_LIMIT}
        if cursor:
            params["cursor"] = cursor
        data = await self._xrpc(
            "GET", "app.bsky.notification.listNotifications", "notifications", params=params
        )
        parsed = self.parse_notifications(data, stop_at, horizon)
        self._seen_at = parsed.seen_at or self._seen_at
        return parsed

    async def _list_own(
        self, cursor: str | None, stop_at: Position | None, horizon: datetime
    ) -> ParsedPage:
        session = await self._ensure_session("own posts")
        params: dict[str, Any] = {
            "actor": session.did,
            "filter": AUTHOR_FILTER,
            "limit": PAGE_LIMIT,
        }
        if cursor:
            params["cursor"] = cursor
        data = await self._xrpc("GET", "app.bsky.feed.getAuthorFeed", "own posts", params=params)
        return self.parse_author_feed(data, session.did, stop_at, horizon)

    # ---- parsing (pure: no I/O, used by the benchmark too) --------------------------------------

    def parse_notifications(
        self, raw: Any, stop_at: Position | None = None, horizon: datetime | None = None
    ) -> ParsedPage:
        """One listNotifications answer as items, stopping at the first notification already
        seen (`stop_at`) or older than `horizon`. Raises BadResponse, and yields nothing, when a
        notification lacks a field we need."""
        notifications = require(raw, "notifications", "notifications")
        if not isinstance(notifications, list):
            raise BadResponse("notifications: 'notifications' is not a list")
        cursor = raw.get("cursor")
        page = ParsedPage(cursor=str(cursor) if cursor else None, seen_at=raw.get("seenAt"))
        for notification in notifications:
            try:
                if not self._parse_one(notification, stop_at, horizon, page):
                    break
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                raise _malformed(notification, exc) from None
        return page

    def _parse_one(
        self,
        notification: JSON,
        stop_at: Position | None,
        horizon: datetime | None,
        page: ParsedPage,
    ) -> bool:
        """Add one notification to `page`; False once the walk has reached its end."""
        uri = notification["uri"]
        at = parse_iso(notification["indexedAt"])
        if page.top is None:
            page.top = Position(at, uri)
        if (stop_at is not None and stop_at.covers(at, uri)) or (
            horizon is not None and at < horizon
        ):
            page.reached_end = True
            return False
        reason = notification["reason"]
        if reason in KINDS:
            page.items.append(self.item_from_notification(notification, reason, at))
        else:
            page.skip(str(reason))
        return True

    def parse_author_feed(
        self,
        raw: Any,
        own_did: str,
        stop_at: Position | None = None,
        horizon: datetime | None = None,
    ) -> ParsedPage:
        """One getAuthorFeed answer: our posts that reply to someone, as own posts, stopping at
        the first entry already seen (`stop_at`) or older than `horizon`. Reposts (ours of
        anyone's) and posts that answer nobody are passed over. Raises BadResponse, and yields
        nothing, when an entry lacks a field we need."""
        feed = require(raw, "feed", "own posts")
        if not isinstance(feed, list):
            raise BadResponse("own posts: 'feed' is not a list")
        cursor = raw.get("cursor")
        page = ParsedPage(stream=OWN, cursor=str(cursor) if cursor else None)
        for entry in feed:
            try:
                if not self._own_one(entry, own_did, stop_at, horizon, page):
                    break
            except (KeyError, TypeError, AttributeError, ValueError) as exc:
                post = entry.get("post") if isinstance(entry, dict) else None
                raise _malformed(post, exc, "own posts") from None
        return page

    def _own_one(
        self,
        entry: JSON,
        own_did: str,
        stop_at: Position | None,
        horizon: datetime | None,
        page: ParsedPage,
    ) -> bool:
        """Add one author-feed entry to `page`; False once the walk has reached its end."""
        post = entry["post"]
        reason = entry.get("reason")
        if reason is not None and reason.get("$type") == REASON_PIN:
            return True  # a pinned post shown first, out of time order: it also comes in place
        if reason is not None:
            # A repost is placed at the time of the repost, under the repost record's own uri
            # (older AppViews leave that out: the reposted post's uri, marked, stands in).
            at = parse_iso(reason["indexedAt"])
            key = str(reason.get("uri") or f"{post['uri']}#repost")
        else:
            at = parse_iso(post["indexedAt"])
            key = str(post["uri"])
        if page.top is None:
            page.top = Position(at, key)
        if (stop_at is not None and stop_at.covers(at, key)) or (
            horizon is not None and at < horizon
        ):
            page.reached_end = True
            return False
        if reason is None and post["author"]["did"] == own_did and post["record"].get("reply"):
            page.own_posts.append(self._context_post(post, own_did, "own posts"))
        return True

    def item_from_notification(self, notification: JSON, reason: str, at: datetime) -> Item:
        record = notification["record"]
        uri = notification["uri"]
        text = facet_text(record.get("text") or "", record.get("facets"))
        reply = record.get("reply")
        root = _ref(reply.get("root")) if reply else None
        parent = _ref(reply.get("parent")) if reply else None
        author = notification["author"]
        return Item(
            account=self.account.name,
            platform=self.platform,
            remote_id=uri,
            kind=KINDS[reason],
            author=self._contact(author),
            text=text,
            created_at=at,
            markup=jsoncodec.dumps(record),
            markup_format=MarkupFormat.FACETS,
            url=f"https://bsky.app/profile/{author['handle']}/post/{uri.rpartition('/')[2]}",
            thread_root_id=root["uri"] if root else uri,
            parent_id=parent["uri"] if parent else "",
            is_question="?" in text,
            platform_data={
                "uri": uri,
                "cid": notification["cid"],
                "reason": reason,
                "reply": {"root": root, "parent": parent} if root and parent else None,
                "indexed_at": notification["indexedAt"],
                "record_created_at": record.get("createdAt"),
                "langs": record.get("langs"),
            },
        )

    def _contact(self, author: JSON) -> Contact:
        did = str(author["did"])
        handle = str(author["handle"])
        display_name = author.get("displayName") or ""
        description = author.get("description") or ""
        signature = (handle, display_name, description)
        cached = self._contacts.get(did)
        if cached is not None and cached[0] == signature:
            return cached[1]
        contact = Contact(
            platform=self.platform,
            remote_id=did,
            handle=f"@{handle}",
            display_name=clean_text(display_name),
            profile_url=f"https://bsky.app/profile/{handle}",
            links=_urls_in(description),
            bio=clean_text(description),
        )
        self._contacts[did] = (signature, contact)
        return contact

    def _context_post(self, post: JSON, own_did: str, what: str) -> ContextPost:
        try:
            record = post["record"]
            reply = record.get("reply") or {}
            return ContextPost(
                remote_id=str(post["uri"]),
                author=self._contact(post["author"]),
                text=facet_text(record.get("text") or "", record.get("facets")),
                created_at=parse_iso(post["indexedAt"]),
                url=self._post_url(str(post["uri"]), post["author"]["handle"]),
                parent_id=str((reply.get("parent") or {}).get("uri") or ""),
                is_own=post["author"]["did"] == own_did,
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise _malformed(post, exc, what) from None

    # ---- replies -------------------------------------------------------------------------------

    async def _facets_for(self, text: str, item: Item) -> list[JSON]:
        """Link and mention facets for our text (UTF-8 byte offsets). Mentions of people in the
        thread use the DIDs we know; others are resolved, and left plain if that fails."""
        known = _known_dids(item)
        facets: list[JSON] = []
        for match in _URL.finditer(text):
            facets.append(
                _facet(text, match.start(), match.end(), LINK_FEATURE, "uri", match.group(0))
            )
        for match in _HANDLE_MENTION.finditer(text):
            handle = match.group(1).lower()
            did = known.get(handle) or await self._resolve_handle(handle)
            if did:
                facets.append(_facet(text, match.start(), match.end(), MENTION_FEATURE, "did", did))
        facets.sort(key=lambda f: int(f["index"]["byteStart"]))
        return facets

    async def _resolve_handle(self, handle: str) -> str | None:
        try:
            data = await self._xrpc(
                "GET",
                "com.atproto.identity.resolveHandle",
                "resolve handle",
                params={"handle": handle},
            )
        except (NotFound, BadResponse):
            return None
        did = data.get("did") if isinstance(data, dict) else None
        return str(did) if did else None

    async def _own_record(self, rkey: str, what: str) -> PostedReply | None:
        session = await self._ensure_session(what)
        try:
            data = await self._xrpc(
                "GET",
                "com.atproto.repo.getRecord",
                what,
                params={"repo": session.did, "collection": POST, "rkey": rkey},
            )
        except NotFound:
            return None
        uri = str(require(data, "uri", what))
        value = data.get("value") if isinstance(data, dict) else None
        created = _time_or_none((value or {}).get("createdAt"))
        return PostedReply(remote_id=uri, url=self._post_url(uri), created_at=created)

    def _post_url(self, uri: str, handle: str | None = None) -> str:
        if handle is None:
            handle = self._session.handle if self._session else uri.split("/")[2]
        return f"https://bsky.app/profile/{handle}/post/{uri.rpartition('/')[2]}"

    # ---- sessions and HTTP ---------------------------------------------------------------------

    async def _ensure_session(self, what: str) -> _Session:
        if self._session is None:
            await self._login(what)
        assert self._session is not None
        return self._session

    async def _login(self, what: str) -> None:
        identifier = self.credentials.get("identifier")
        password = self.credentials.get("password")
        if not identifier or not password:
            raise AuthError(
                f"{what}: the Bluesky account {self.account.name!r} needs an identifier and an "
                f"app password: {APP_PASSWORD_HELP}"
            )
        response = await self._send(
            "POST",
            "com.atproto.server.createSession",
            what,
            None,
            body={"identifier": identifier.reveal(), "password": password.reveal()},
        )
        if response.status_code in (400, 401) and _xrpc_error(response) != "RateLimitExceeded":
            raise self._login_error(response, what)
        if response.status_code >= 400:
            raise self._error(response, what)
        self._session = self._session_from(decode_json(response, what), what)

    async def _refresh(self, what: str) -> None:
        assert self._session is not None
        response = await self._send(
            "POST", "com.atproto.server.refreshSession", what, self._session.refresh
        )
        if response.status_code in (400, 401):
            # The refresh JWT expired or was revoked: the app password opens a new session.
            await self._login(what)
            return
        if response.status_code >= 400:
            raise self._error(response, what)
        self._session = self._session_from(decode_json(response, what), what)

    def _session_from(self, data: Any, what: str) -> _Session:
        return _Session(
            did=str(require(data, "did", what)),
            handle=str(require(data, "handle", what)),
            access=Secret(str(require(data, "accessJwt", what))),
            refresh=Secret(str(require(data, "refreshJwt", what))),
        )

    async def _xrpc(
        self,
        method: str,
        nsid: str,
        what: str,
        *,
        params: dict[str, Any] | None = None,
        body: JSON | None = None,
    ) -> Any:
        """One authenticated XRPC call; an expired session is refreshed and the call retried
        once, a refused one re-opened with the app password and retried once."""
        fresh = self._session is None
        session = await self._ensure_session(what)
        response = await self._send(method, nsid, what, session.access, params=params, body=body)
        error = _xrpc_error(response) if response.status_code in (400, 401) else None
        if error == "ExpiredToken":
            await self._refresh(what)
            response = await self._send(
                method, nsid, what, self._access(), params=params, body=body
            )
        elif response.status_code == 401 and error in _SESSION_ERRORS and not fresh:
            await self._login(what)
            response = await self._send(
                method, nsid, what, self._access(), params=params, body=body
            )
        if response.status_code >= 400:
            raise self._error(response, what)
        if not response.content:
            return {}
        return decode_json(response, what)

    def _access(self) -> Secret:
        assert self._session is not None
        return self._session.access

    async def _send(
        self,
        method: str,
        nsid: str,
        what: str,
        token: Secret | None,
        *,
        params: dict[str, Any] | None = None,
        body: JSON | None = None,
    ) -> httpx.Response:
        """One request, refused before sending while the rate budget is spent."""
        self.budget.check(what)
        headers = {"Authorization": f"Bearer {token.reveal()}"} if token else {}
        response = await send(
            self.client,
            method,
            f"{self.base_url}/xrpc/{nsid}",
            what=what,
            headers=headers,
            params=params,
            json=body,
        )
        self.budget.update(
            header_float(response, "RateLimit-Remaining"), header_float(response, "RateLimit-Reset")
        )
        return response

    def _login_error(self, response: httpx.Response, what: str) -> ConnectorError:
        error = _xrpc_error(response)
        if error == "AuthFactorTokenRequired":
            return AuthError(
                f"{what}: Bluesky asks {self.account.name!r} for an email sign-in code, which "
                f"means a main password was given: {APP_PASSWORD_HELP}"
            )
        if error in ("AccountTakedown", "AccountDeactivated"):
            return AuthError(f"{what}: Bluesky says the account is suspended or deactivated")
        return AuthError(
            f"{what}: Bluesky refused the identifier or app password of "
            f"{self.account.name!r} (revoked or mistyped): {APP_PASSWORD_HELP}"
        )

    def _error(self, response: httpx.Response, what: str) -> ConnectorError:
        status = response.status_code
        error = _xrpc_error(response)
        if status == 429 or error == "RateLimitExceeded":
            return RateLimited(f"{what}: Bluesky rate limit reached", self._retry_after(response))
        if status in (401, 403) or error in _SESSION_ERRORS:
            return AuthError(
                f"{what}: Bluesky refused the session of {self.account.name!r} "
                f"({error or status}): {APP_PASSWORD_HELP}"
            )
        if status == 404 or error in ("NotFound", "RecordNotFound", "BlockedActor"):
            return NotFound(f"{what}: not found on Bluesky (deleted or hidden from you)")
        if status >= 500:
            return NetworkError(f"{what}: the Bluesky server had an error (HTTP {status})")
        return BadResponse(f"{what}: Bluesky answered HTTP {status}: {_xrpc_message(response)}")

    def _retry_after(self, response: httpx.Response) -> float:
        reset = header_float(response, "RateLimit-Reset")
        if reset is not None:
            return max(0.0, reset - self.clock())
        retry = header_float(response, "Retry-After")
        return retry if retry is not None else 60.0


# ---- text and facets ----------------------------------------------------------------------------


def facet_text(text: str, facets: Any) -> str:
    """The post's text with every shortened link spelled out in full.

    Facet offsets are UTF-8 byte offsets: the text is sliced as bytes, never as characters, and
    a facet that is out of range, overlaps another or cuts a character in two is ignored."""
    links = _link_spans(facets) if facets else None
    if not links:
        return clean_text(text)
    data = text.encode("utf-8")
    pieces: list[bytes] = []
    position = 0
    for start, end, uri in sorted(links):
        if start < position or end > len(data) or _splits_char(data, start, end):
            continue
        pieces.append(data[position:start])
        pieces.append(_link_display(data[start:end].decode("utf-8"), uri).encode("utf-8"))
        position = end
    pieces.append(data[position:])
    return clean_text(b"".join(pieces).decode("utf-8"))


def _link_spans(facets: Any) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    if not isinstance(facets, list):
        return spans
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            continue
        for feature in facet.get("features") or ():
            uri = feature.get("uri") if isinstance(feature, dict) else None
            if feature.get("$type") == LINK_FEATURE and isinstance(uri, str) and uri:
                spans.append((start, end, uri))
    return spans


def _link_display(shown: str, uri: str) -> str:
    """The full target for a URL-like text (possibly shortened); words keep their link."""
    if shown == uri:
        return shown
    bare = shown.rstrip("…").removesuffix("...")
    if shown.startswith(("http://", "https://", "www.")) or (bare and bare in uri):
        return uri
    return f"{shown} ({uri})"


def _splits_char(data: bytes, start: int, end: int) -> bool:
    """Does [start, end) begin or end inside a multi-byte UTF-8 character?"""
    continuation = 0b1000_0000
    return (data[start] & 0xC0) == continuation or (
        end < len(data) and (data[end] & 0xC0) == continuation
    )


def _facet(text: str, start: int, end: int, kind: str, key: str, value: str) -> JSON:
    byte_start = len(text[:start].encode("utf-8"))
    byte_end = byte_start + len(text[start:end].encode("utf-8"))
    return {
        "index": {"byteStart": byte_start, "byteEnd": byte_end},
        "features": [{"$type": kind, key: value}],
    }


def _known_dids(item: Item) -> dict[str, str]:
    """handle -> DID for the people we can name without asking: the author and whoever the
    item's own mention facets point at."""
    known = {item.author.handle.lstrip("@").lower(): item.author.remote_id}
    try:
        record = json.loads(item.markup) if item.markup else {}
    except ValueError:
        return known
    text_bytes = str(record.get("text") or "").encode("utf-8")
    for facet in record.get("facets") or ():
        index = facet.get("index") or {}
        for feature in facet.get("features") or ():
            if feature.get("$type") == MENTION_FEATURE and feature.get("did"):
                shown = text_bytes[index.get("byteStart", 0) : index.get("byteEnd", 0)]
                handle = shown.decode("utf-8", "replace").lstrip("@").lower()
                known.setdefault(handle, str(feature["did"]))
    return known


def _urls_in(text: str) -> list[str]:
    return [clean_text(m.group(0)) for m in _URL.finditer(text)] if "://" in text else []


# ---- record keys --------------------------------------------------------------------------------


def tid(microseconds: int, clock_id: int) -> str:
    """A TID: 53 bits of microseconds since 1970 and 10 bits of clock id, base32-sortable."""
    value = ((microseconds << 10) | (clock_id & 0x3FF)) & ((1 << 63) - 1)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def tid_microseconds(key: str) -> int | None:
    """The time inside a TID, or None when `key` is not one."""
    if not _TID.match(key):
        return None
    value = 0
    for char in key:
        value = (value << 5) | _TID_ALPHABET.index(char)
    return value >> 10


def reply_rkey(parent_uri: str, idempotency_key: str) -> str:
    """The record key of our reply: the same for every retry of one reply, a valid TID, and
    timed just after the parent (its key is a TID too), so the repository stays in time order.
    Derived from the parent's uri and the key alone, so nothing stored can drift it."""
    digest = hashlib.sha256(f"{parent_uri}\n{idempotency_key}".encode()).digest()
    after = 1_000 + int.from_bytes(digest[:4], "big") % 1_000_000
    parent_time = tid_microseconds(parent_uri.rpartition("/")[2])
    if parent_time is None:
        # A parent with a non-TID key: a fixed point in 2023 plus the hash keeps it stable.
        parent_time = 1_672_531_200_000_000 + int.from_bytes(digest[4:9], "big")
    return tid(parent_time + after, int.from_bytes(digest[9:11], "big"))


def reply_refs(item: Item) -> JSON:
    """root and parent of a reply to `item`: the thread's root is the parent's own root when the
    parent is a reply, else the parent itself."""
    parent = {"uri": item.remote_id, "cid": str(item.platform_data.get("cid") or "")}
    thread = item.platform_data.get("reply") or {}
    root = thread.get("root") if isinstance(thread, dict) else None
    if not (isinstance(root, dict) and root.get("uri") and root.get("cid")):
        root = parent
    return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}


# ---- small helpers ------------------------------------------------------------------------------


def _page(parsed: ParsedPage, cursor: JSON) -> Page:
    return Page(
        stream=parsed.stream,
        items=parsed.items,
        cursor=cursor,
        skipped=sum(parsed.skipped.values()),
        skipped_reasons=parsed.skipped,
        own_posts=parsed.own_posts,
    )


def _incremental_cursor(newest: Position | None) -> JSON:
    return {"mode": "incremental", "newest": _json(newest)}


def _json(position: Position | None) -> JSON | None:
    return position.to_json() if position else None


def _ref(value: Any) -> JSON | None:
    if isinstance(value, dict) and value.get("uri") and value.get("cid"):
        return {"uri": str(value["uri"]), "cid": str(value["cid"])}
    return None


def _xrpc_error(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else None


def _xrpc_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return "no details"
    if not isinstance(data, dict):
        return "no details"
    parts = [str(data[k]) for k in ("error", "message") if data.get(k)]
    return clean_text(": ".join(parts))[:200] or "no details"


def _iso(moment: datetime) -> str:
    """The datetime form atproto records use: UTC, milliseconds, Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time_or_none(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parse_iso(str(value))
    except ValueError:
        return None


def _malformed(entry: Any, exc: Exception, what: str = "notifications") -> BadResponse:
    uri = entry.get("uri") if isinstance(entry, dict) else None
    detail = f"no {exc.args[0]!r} field" if isinstance(exc, KeyError) else type(exc).__name__
    return BadResponse(f"{what}: {uri or 'an entry'} is malformed ({detail})")
