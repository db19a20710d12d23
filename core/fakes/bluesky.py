"""A local Bluesky (PDS and AppView in one) that speaks the XRPC methods the connector uses, from
seeded in-memory data.

What it does like the real one:
- com.atproto.server.createSession with a handle or email and an app password (401
  `AuthenticationRequired` "Invalid identifier or password" otherwise, 401
  `AuthFactorTokenRequired` for the main password of an account with email 2FA; 30 sessions per
  5 minutes);
  access JWTs expire after `access_ttl` seconds of the fake's clock and then get HTTP 400
  `{"error": "ExpiredToken"}`; refreshSession takes the refresh JWT as bearer and rotates both
  (a used refresh JWT is revoked); a missing token gets 401 `AuthenticationRequired`, a wrong one
  401 `InvalidToken`;
- `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (epoch seconds) and
  `RateLimit-Policy` on every answer; 429 `RateLimitExceeded` once the window is spent;
- app.bsky.notification.listNotifications: newest first, `limit` 1-100 (400 `InvalidRequest`
  outside), an opaque keyset `cursor` (`<epoch ms>::<cid>`, the form of the recorded answer),
  `reasons[]`, `seenAt` and `isRead`; notification views shaped like the recorded answer
  (author profile view, record, reasonSubject, indexedAt);
- app.bsky.feed.getAuthorFeed: an actor's posts and reposts (did or handle; 400 `InvalidRequest`
  "Profile not found" otherwise), newest first by their time (a repost's is its own), `limit`
  1-100 (default 50), the same `<epoch ms>::<cid>` keyset `cursor`, `filter`
  (posts_with_replies by default, posts_no_replies, posts_with_media, posts_with_video,
  posts_and_author_threads) and `includePins` (the pinned post first, with a reasonPin, on the
  first page only); feed items `{post, reply?: {root, parent}, reason?}`, a repost's reason being
  `#reasonRepost` with who reposted, when, and the repost record's uri and cid; like the AppView
  it needs no session, but a token it is given must be valid;
- app.bsky.feed.getPostThread (`depth`, `parentHeight`; 400 `NotFound` for a missing post,
  `#notFoundPost` for a missing parent), com.atproto.repo.getRecord (400 `RecordNotFound`);
- com.atproto.repo.createRecord validates the post (text at most 300 graphemes, createdAt, reply
  refs, facet byte ranges, a TID record key for posts) and, like today's PDS, answers a record key
  that already exists with HTTP 500 InternalServerError (bluesky-social/atproto#3718); the post
  is then in the thread and in getRecord;
- app.bsky.notification.updateSeen, com.atproto.identity.resolveHandle, app.bsky.actor.getProfile.

Tests and the demo build data with `add_actor`, `add_post`, `add_reply`, `add_mention`,
`add_quote`, `add_like`/`add_repost`/`add_follow`, `repost` (a repost by anyone, us included, with
no notification), `pin` (or `populate(n)`), `rich_text(...)` for
posts with shortened links, and shape failures with `inject(Fault(...))` and `expire_sessions()`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.fakes.base import FakePlatform, Fault

JSON = dict[str, Any]

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
FEED_DEFS = "app.bsky.feed.defs"
LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
MAX_LIMIT = 100
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_RKEY = re.compile(r"^[A-Za-z0-9_~.:-]{1,512}$")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?)\]']")
_HANDLE = re.compile(r"(?<![\w@])@([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)")
_WORDS = [
    "ありがとう",
    "release",
    "docs",
    "🎉",
    "question",
    "plugin",
    "build",
    "terminal",
    "inbox",
    "reply",
    "thread",
    "weekend",
    "config",
    "keyboard",
    "theme",
    "crash",
    "fix",
    "benchmark",
    "rust",
    "python",
    "なるほど",
    "talk",
    "slides",
    "meetup",
]


@dataclass(frozen=True, slots=True)
class Link:
    """Link text shown in a post (often shortened) and its full target."""

    shown: str
    uri: str


@dataclass(frozen=True, slots=True)
class Mention:
    handle: str
    did: str


def rich_text(*parts: str | Link | Mention) -> tuple[str, list[JSON]]:
    """Text and facets (UTF-8 byte offsets) from plain strings, links and mentions."""
    text = ""
    facets: list[JSON] = []
    for part in parts:
        start = len(text.encode("utf-8"))
        if isinstance(part, Link):
            text += part.shown
            feature: JSON = {"$type": LINK, "uri": part.uri}
        elif isinstance(part, Mention):
            text += f"@{part.handle}"
            feature = {"$type": MENTION, "did": part.did}
        else:
            text += part
            continue
        end = len(text.encode("utf-8"))
        facets.append({"index": {"byteStart": start, "byteEnd": end}, "features": [feature]})
    return text, facets


def tid(microseconds: int, clock_id: int = 0) -> str:
    value = ((microseconds << 10) | (clock_id & 0x3FF)) & ((1 << 63) - 1)
    return "".join(_TID_ALPHABET[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def iso_ms(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def graphemes(text: str) -> int:
    """Roughly what the lexicon counts: combining marks, variation selectors, skin tones and
    ZWJ-joined emoji do not start a new grapheme."""
    count = 0
    joined = False
    for char in text:
        code = ord(char)
        extends = (
            unicodedata.combining(char)
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or code == 0x200D
        )
        if not extends and not joined:
            count += 1
        joined = code == 0x200D
    return count


@dataclass
class BlueskyFake(FakePlatform):
    handle: str = "me.bsky.social"
    email: str = "me@example.com"
    app_password: str = "abcd-efgh-ijkl-mnop"
    #: The account's main password: with email 2FA on, signing in with it asks for a code.
    main_password: str = "main-password-with-2fa"
    access_ttl: float = 7200.0
    rate_limit: int = 3000
    rate_window: float = 300.0
    session_limit: int = 30
    seed: int = 11

    #: did -> profile {did, handle, displayName, description, createdAt}
    actors: dict[str, JSON] = field(default_factory=dict)
    #: uri -> {uri, cid, author (did), record, indexedAt}
    posts: dict[str, JSON] = field(default_factory=dict)
    #: {uri, cid, author (did), reason, reasonSubject, record, indexedAt}, oldest first
    notifications: list[JSON] = field(default_factory=list)
    #: access JWT -> (did, expires at); refresh JWT -> did
    access_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    seen_at: str | None = None
    #: did -> the uri of the post pinned to its profile
    pinned: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._last_micros = 0
        self._serial = 0
        self._window_start = 0.0
        self._used = 0
        self._session_window = 0.0
        self._sessions_made = 0
        # parent uri -> its replies' uris, so a post view does not scan every post for them
        self._replies_to: dict[str, list[str]] = {}
        self.me = self.add_actor(self.handle, display_name="Rapport Tester")

    # ---- building data -------------------------------------------------------------------------

    def add_actor(self, handle: str, *, display_name: str = "", description: str = "") -> str:
        for did, actor in self.actors.items():
            if actor["handle"] == handle:
                return did
        digest = hashlib.sha256(handle.encode()).digest()
        did = "did:plc:" + base64.b32encode(digest).decode().lower()[:24]
        self.actors[did] = {
            "did": did,
            "handle": handle,
            "displayName": display_name,
            "description": description,
            "createdAt": iso_ms(self.clock()),
        }
        return did

    def add_post(
        self,
        author: str,
        text: str,
        *,
        reply_to: str | None = None,
        facets: list[JSON] | None = None,
        quote: str | None = None,
        langs: list[str] | None = None,
        at: float | None = None,
    ) -> str:
        """A post by `author` (handle or did); links and @handles in `text` get facets unless
        `facets` is given. Returns its at:// uri."""
        did = self._did(author)
        moment = self._moment(at)
        record: JSON = {"$type": POST, "text": text, "createdAt": iso_ms(moment)}
        if langs is None:
            langs = ["en"]
        if langs:
            record["langs"] = langs
        found = self._detect_facets(text) if facets is None else facets
        if found:
            record["facets"] = found
        if reply_to is not None:
            record["reply"] = self.reply_refs(reply_to)
        if quote is not None:
            record["embed"] = {
                "$type": "app.bsky.embed.record",
                "record": {"uri": quote, "cid": self.posts[quote]["cid"]},
            }
        return self._store(
            did, POST, tid(int(moment * 1_000_000), self._serial % 1024), record, moment
        )

    def add_reply(self, author: str, text: str, *, to: str | None = None, **options: Any) -> JSON:
        """Someone replies to one of our posts (a new one unless `to` is given)."""
        parent = to or self.add_post(self.me, "A post of mine")
        uri = self.add_post(author, text, reply_to=parent, **options)
        return self._notify("reply", uri, subject=parent)

    def add_mention(self, author: str, text: str = "", **options: Any) -> JSON:
        """Someone mentions us; the text gets our @handle (with a mention facet) if it lacks it."""
        if f"@{self.handle}" not in text and "facets" not in options:
            text = f"@{self.handle} {text}".strip()
        uri = self.add_post(author, text, **options)
        return self._notify("mention", uri)

    def add_quote(self, author: str, text: str, *, quoted: str | None = None) -> JSON:
        target = quoted or self.add_post(self.me, "Something I said")
        uri = self.add_post(author, text, quote=target)
        return self._notify("quote", uri, subject=target)

    def add_like(self, author: str, subject: str | None = None) -> JSON:
        return self._interaction("like", "app.bsky.feed.like", author, subject)

    def add_repost(self, author: str, subject: str | None = None) -> JSON:
        return self._interaction("repost", "app.bsky.feed.repost", author, subject)

    def add_follow(self, author: str) -> JSON:
        did = self._did(author)
        moment = self._moment(None)
        record = {"$type": "app.bsky.graph.follow", "subject": self.me, "createdAt": iso_ms(moment)}
        uri = self._store(did, "app.bsky.graph.follow", tid(int(moment * 1e6)), record, moment)
        return self._notify("follow", uri)

    def repost(self, by: str, subject: str, *, at: float | None = None) -> str:
        """`by` (handle or did) reposts `subject`; no notification (use `add_repost` for
        someone reposting one of ours). Returns the repost record's uri."""
        did = self._did(by)
        moment = self._moment(at)
        record = {
            "$type": REPOST,
            "subject": {"uri": subject, "cid": self.posts[subject]["cid"]},
            "createdAt": iso_ms(moment),
        }
        return self._store(did, REPOST, tid(int(moment * 1e6), self._serial % 1024), record, moment)

    def pin(self, uri: str) -> None:
        """Pin a post to its author's profile."""
        self.pinned[self.posts[uri]["author"]] = uri

    def expire_sessions(self) -> None:
        """Every access JWT handed out so far is past its expiry from now on."""
        now = self.clock()
        self.access_tokens = {t: (did, now - 1) for t, (did, _) in self.access_tokens.items()}

    def populate(
        self, count: int, *, conversations_only: bool = False, answered: float = 0.2
    ) -> list[JSON]:
        """Many notifications shaped like real ones: replies (some deep in threads), mentions
        with mention facets, quotes, shortened links with link facets, emoji and Japanese text
        (and, unless `conversations_only`, likes, reposts and follows). About `answered` of the
        conversations already have a reply of ours, made on the platform (some reposted too)."""
        rng = self._rng
        authors = [
            self.add_actor(
                f"user{n}.bsky.social",
                display_name=f"User {n}" if n % 2 else "",
                description=f"I build thing{n} https://thing{n}.example",
            )
            for n in range(max(8, count // 5))
        ]
        own = [self.add_post(self.me, f"Post {n} about {rng.choice(_WORDS)}") for n in range(20)]
        made: list[JSON] = []
        for _ in range(count):
            author = rng.choice(authors)
            roll = rng.random()
            if not conversations_only and roll < 0.4:
                make = rng.choice((self.add_like, self.add_repost))
                made.append(make(author, rng.choice(own)))
            elif roll < 0.75:
                text, facets = self._generated_text()
                made.append(self.add_reply(author, text, to=rng.choice(own), facets=facets))
            elif roll < 0.9:
                made.append(self.add_mention(author, self._generated_text()[0]))
            else:
                made.append(
                    self.add_quote(author, self._generated_text()[0], quoted=rng.choice(own))
                )
        self._answer_some(made, answered)
        return made

    def _answer_some(self, made: list[JSON], share: float) -> None:
        """Our replies, made outside Rapport, to about `share` of the conversations in `made`.
        A random generator of their own, so the notifications stay what they were."""
        rng = random.Random(self.seed + 1)
        for notification in made:
            if notification["reason"] not in ("reply", "mention", "quote"):
                continue
            if rng.random() >= share:
                continue
            self.add_post(self.me, f"thanks, {rng.choice(_WORDS)}", reply_to=notification["uri"])
            if rng.random() < 0.1:
                self.repost(self.me, notification["uri"])

    # ---- views (what the API answers) ----------------------------------------------------------

    def profile_view(self, did: str) -> JSON:
        actor = self.actors[did]
        view: JSON = {
            "did": did,
            "handle": actor["handle"],
            "displayName": actor["displayName"],
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{did}/bafkrei@jpeg",
            "viewer": {"muted": False, "blockedBy": False},
            "labels": [],
            "createdAt": actor["createdAt"],
            "indexedAt": actor["createdAt"],
        }
        if actor["description"]:
            view["description"] = actor["description"]
        return view

    def notification_view(self, notification: JSON) -> JSON:
        view: JSON = {
            "uri": notification["uri"],
            "cid": notification["cid"],
            "author": self.profile_view(notification["author"]),
            "reason": notification["reason"],
            "record": json.loads(json.dumps(notification["record"])),
            "isRead": bool(self.seen_at and notification["indexedAt"] <= self.seen_at),
            "indexedAt": notification["indexedAt"],
            "labels": [],
        }
        if notification.get("reasonSubject"):
            view["reasonSubject"] = notification["reasonSubject"]
        return view

    def list_notifications(
        self, limit: int = 50, cursor: str | None = None, reasons: list[str] | None = None
    ) -> JSON:
        """The listNotifications answer body (also used by the benchmark)."""
        ordered = sorted(self.notifications, key=_sort_key, reverse=True)
        if reasons:
            ordered = [n for n in ordered if n["reason"] in reasons]
        if cursor:
            after = _parse_cursor(cursor)
            ordered = [n for n in ordered if after is not None and _sort_key(n) < after]
        page = ordered[:limit]
        body: JSON = {"notifications": [self.notification_view(n) for n in page], "priority": False}
        if page:
            body["cursor"] = _make_cursor(page[-1])
        if self.seen_at:
            body["seenAt"] = self.seen_at
        return body

    def post_view(self, uri: str) -> JSON:
        post = self.posts[uri]
        replies = self._replies(uri)
        return {
            "uri": uri,
            "cid": post["cid"],
            "author": self.profile_view(post["author"]),
            "record": json.loads(json.dumps(post["record"])),
            "replyCount": len(replies),
            "repostCount": 0,
            "likeCount": 0,
            "quoteCount": 0,
            "indexedAt": post["indexedAt"],
            "viewer": {},
            "labels": [],
        }

    def reply_refs(self, parent_uri: str) -> JSON:
        parent = self.posts[parent_uri]
        parent_ref = {"uri": parent_uri, "cid": parent["cid"]}
        root = (parent["record"].get("reply") or {}).get("root") or parent_ref
        return {"root": dict(root), "parent": parent_ref}

    # ---- the API -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        xrpc = {
            "com.atproto.server.createSession": (self._create_session, "POST"),
            "com.atproto.server.refreshSession": (self._refresh_session, "POST"),
            "app.bsky.notification.listNotifications": (self._list_notifications, "GET"),
            "app.bsky.notification.updateSeen": (self._update_seen, "POST"),
            "app.bsky.feed.getPostThread": (self._get_post_thread, "GET"),
            "app.bsky.feed.getAuthorFeed": (self._get_author_feed, "GET"),
            "app.bsky.actor.getProfile": (self._get_profile, "GET"),
            "com.atproto.repo.createRecord": (self._create_record, "POST"),
            "com.atproto.repo.getRecord": (self._get_record, "GET"),
            "com.atproto.identity.resolveHandle": (self._resolve_handle, "GET"),
        }
        return [
            Route(f"/xrpc/{nsid}", handler, methods=[method])
            for nsid, (handler, method) in xrpc.items()
        ]

    async def _create_session(self, request: Request) -> Response:
        now = self.clock()
        if now - self._session_window >= self.rate_window:
            self._session_window, self._sessions_made = now, 0
        self._sessions_made += 1
        if self._sessions_made > self.session_limit:
            return self._error(
                429, "RateLimitExceeded", "Rate Limit Exceeded", limit=self.session_limit
            )
        self._count()
        body = await _json_body(request)
        identifier = str(body.get("identifier") or "").lower().lstrip("@")
        password = body.get("password")
        known = identifier in (self.handle, self.email, self.me)
        if known and password == self.main_password and not body.get("authFactorToken"):
            return self._error(
                401, "AuthFactorTokenRequired", "A sign in code has been sent to your email address"
            )
        if not known or password != self.app_password:
            return self._error(401, "AuthenticationRequired", "Invalid identifier or password")
        return self._ok(
            {
                **self._new_session(self.me),
                "email": self.email,
                "emailConfirmed": True,
                "active": True,
            }
        )

    async def _refresh_session(self, request: Request) -> Response:
        self._count()
        token = _bearer(request)
        did = self.refresh_tokens.pop(token, None) if token else None
        if did is None:
            if token in self.access_tokens:
                return self._error(400, "InvalidToken", "Invalid token type")
            return self._error(400, "ExpiredToken", "Token has been revoked")
        return self._ok({**self._new_session(did), "active": True})

    async def _list_notifications(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        query = request.query_params
        try:
            limit = int(query.get("limit", 50))
        except ValueError:
            return self._error(400, "InvalidRequest", "Error: limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT:
            return self._error(400, "InvalidRequest", f"Error: limit must be <= {MAX_LIMIT}")
        cursor = query.get("cursor")
        if cursor and _parse_cursor(cursor) is None:
            return self._error(400, "InvalidRequest", "Malformed cursor")
        return self._ok(self.list_notifications(limit, cursor, query.getlist("reasons")))

    async def _update_seen(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        seen = (await _json_body(request)).get("seenAt")
        try:
            moment = datetime.fromisoformat(str(seen).replace("Z", "+00:00"))
        except ValueError:
            return self._error(400, "InvalidRequest", "Input/seenAt must be a valid datetime")
        self.seen_at = iso_ms(moment.timestamp())
        return Response(status_code=200, headers=self._rate_headers())

    async def _get_post_thread(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        query = request.query_params
        uri = query.get("uri", "")
        if uri not in self.posts:
            return self._error(400, "NotFound", f"Post not found: {uri}")
        depth = int(query.get("depth", 6))
        height = int(query.get("parentHeight", 80))
        return self._ok({"thread": self._thread(uri, depth, height)})

    async def _get_author_feed(self, request: Request) -> Response:
        # The AppView serves author feeds without a session, but checks a token it is given.
        if request.headers.get("authorization"):
            refused = self._admit(request)
            if refused:
                return refused
        elif self._count():
            return self._error(429, "RateLimitExceeded", "Rate Limit Exceeded", remaining=0)
        query = request.query_params
        actor = query.get("actor", "")
        if not actor:
            return self._error(
                400, "InvalidRequest", 'Error: Params must have the property "actor"'
            )
        did = actor if actor in self.actors else self._did_of_handle(actor)
        if did is None:
            return self._error(400, "InvalidRequest", "Profile not found")
        try:
            limit = int(query.get("limit", 50))
        except ValueError:
            return self._error(400, "InvalidRequest", "Error: limit must be an integer")
        if not 1 <= limit <= MAX_LIMIT:
            return self._error(400, "InvalidRequest", f"Error: limit must be <= {MAX_LIMIT}")
        cursor = query.get("cursor")
        if cursor and _parse_cursor(cursor) is None:
            return self._error(400, "InvalidRequest", "Malformed cursor")
        # An unknown filter is not refused (the lexicon's values are open): the default applies.
        chosen = query.get("filter", "posts_with_replies")
        pins = query.get("includePins", "false") == "true"
        return self._ok(self.author_feed(did, limit, cursor, chosen, include_pins=pins))

    def author_feed(
        self,
        did: str,
        limit: int = 50,
        cursor: str | None = None,
        filter_: str = "posts_with_replies",
        *,
        include_pins: bool = False,
    ) -> JSON:
        """The getAuthorFeed answer body: `did`'s posts and reposts, newest first."""
        entries: list[tuple[tuple[str, str], JSON]] = []
        for record in self.posts.values():
            if record["author"] != did:
                continue
            collection = record["uri"].split("/")[3]
            if collection == POST:
                shown = _in_author_feed(record, did, filter_)
            else:
                # A repost shows while the reposted post exists, and never among media.
                shown = (
                    collection == REPOST
                    and filter_ not in ("posts_with_media", "posts_with_video")
                    and record["record"]["subject"]["uri"] in self.posts
                )
            if shown:
                entries.append(((record["indexedAt"], record["cid"]), record))
        entries.sort(key=lambda entry: entry[0], reverse=True)
        if cursor:
            after = _parse_cursor(cursor)
            entries = [e for e in entries if after is not None and e[0] < after]
        page = entries[:limit]
        feed = [self._feed_item(record) for _, record in page]
        pinned = self.pinned.get(did)
        if include_pins and not cursor and pinned in self.posts:
            item = self._feed_item(self.posts[pinned])
            item["reason"] = {"$type": f"{FEED_DEFS}#reasonPin"}
            feed.insert(0, item)
        body: JSON = {"feed": feed}
        if page:
            body["cursor"] = _make_cursor(page[-1][1])
        return body

    def _feed_item(self, record: JSON) -> JSON:
        """A feedViewPost: a post (with the posts it replies to), or a repost of one."""
        if record["uri"].split("/")[3] == REPOST:
            reposted = self._feed_item(self.posts[record["record"]["subject"]["uri"]])
            reposted["reason"] = {
                "$type": f"{FEED_DEFS}#reasonRepost",
                "by": self._profile_basic(record["author"]),
                "uri": record["uri"],
                "cid": record["cid"],
                "indexedAt": record["indexedAt"],
            }
            return reposted
        item: JSON = {"post": self.post_view(record["uri"])}
        reply = record["record"].get("reply")
        if isinstance(reply, dict):
            item["reply"] = {
                "root": self._ref_view(reply["root"]["uri"]),
                "parent": self._ref_view(reply["parent"]["uri"]),
            }
        return item

    def _ref_view(self, uri: str) -> JSON:
        """A post in a union slot: a `#postView`, or `#notFoundPost` when it is gone."""
        if uri not in self.posts:
            return {"$type": f"{FEED_DEFS}#notFoundPost", "uri": uri, "notFound": True}
        return {"$type": f"{FEED_DEFS}#postView", **self.post_view(uri)}

    def _profile_basic(self, did: str) -> JSON:
        view = self.profile_view(did)
        view.pop("description", None)
        view.pop("indexedAt", None)
        return view

    async def _get_profile(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        actor = request.query_params.get("actor", "")
        did = actor if actor in self.actors else self._did_of_handle(actor)
        if did is None:
            return self._error(400, "InvalidRequest", "Profile not found")
        return self._ok(self.profile_view(did))

    async def _create_record(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        body = await _json_body(request)
        did = self._caller(request)
        if body.get("repo") not in (did, self.actors[did]["handle"]):
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        collection = str(body.get("collection") or "")
        record = body.get("record")
        if not isinstance(record, dict):
            return self._error(400, "InvalidRequest", 'Input must have the property "record"')
        problem = _invalid_post(record) if collection == POST else None
        rkey = body.get("rkey")
        if rkey is not None:
            problem = problem or _invalid_rkey(str(rkey), collection)
        if problem:
            return self._error(400, "InvalidRequest", problem)
        moment = self._moment(None)
        key = str(rkey) if rkey else tid(int(moment * 1_000_000), self._serial % 1024)
        if f"at://{did}/{collection}/{key}" in self.posts:
            # Today's PDS fails the commit and answers 500 (bluesky-social/atproto#3718).
            return self._error(500, "InternalServerError", "Internal Server Error")
        uri = self._store(did, collection, key, record, moment)
        cid = self.posts[uri]["cid"]
        return self._ok(
            {
                "uri": uri,
                "cid": cid,
                "validationStatus": "valid",
                "commit": {"cid": _cid(["commit", uri]), "rev": tid(int(moment * 1e6))},
            }
        )

    async def _get_record(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        query = request.query_params
        repo = query.get("repo", "")
        did = repo if repo in self.actors else self._did_of_handle(repo)
        uri = f"at://{did}/{query.get('collection', '')}/{query.get('rkey', '')}"
        if did is None or uri not in self.posts:
            return self._error(400, "RecordNotFound", f"Could not locate record: {uri}")
        post = self.posts[uri]
        return self._ok({"uri": uri, "cid": post["cid"], "value": post["record"]})

    async def _resolve_handle(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        did = self._did_of_handle(request.query_params.get("handle", ""))
        if did is None:
            return self._error(400, "InvalidRequest", "Unable to resolve handle")
        return self._ok({"did": did})

    # ---- threads -------------------------------------------------------------------------------

    def _thread(self, uri: str, depth: int, height: int) -> JSON:
        node: JSON = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.post_view(uri)}
        parent = _parent_uri(self.posts[uri])
        if parent and height > 0:
            if parent in self.posts:
                node["parent"] = self._thread(parent, 0, height - 1)
            else:
                node["parent"] = {
                    "$type": "app.bsky.feed.defs#notFoundPost",
                    "uri": parent,
                    "notFound": True,
                }
        if depth > 0:
            children = sorted(self._replies(uri), key=lambda p: p["indexedAt"])
            node["replies"] = [self._thread(c["uri"], depth - 1, 0) for c in children]
        return node

    # ---- auth, rate limits, answers ------------------------------------------------------------

    def _admit(self, request: Request) -> Response | None:
        """Token check and rate limit for the authenticated methods (None: go ahead)."""
        if self._count():
            return self._error(429, "RateLimitExceeded", "Rate Limit Exceeded", remaining=0)
        token = _bearer(request)
        if not token:
            return self._error(401, "AuthenticationRequired", "Authentication Required")
        if token in self.refresh_tokens:
            return self._error(400, "InvalidToken", "Bad token scope")
        session = self.access_tokens.get(token)
        if session is None:
            return self._error(401, "InvalidToken", "Token could not be verified")
        if session[1] <= self.clock():
            return self._error(400, "ExpiredToken", "Token has expired")
        return None

    def _caller(self, request: Request) -> str:
        return self.access_tokens[_bearer(request) or ""][0]

    def _new_session(self, did: str) -> JSON:
        self._serial += 1
        access = _jwt("com.atproto.access", did, self._serial, self.clock() + self.access_ttl)
        refresh = _jwt("com.atproto.refresh", did, self._serial, self.clock() + 90 * 86400)
        self.access_tokens[access] = (did, self.clock() + self.access_ttl)
        self.refresh_tokens[refresh] = did
        return {
            "did": did,
            "handle": self.actors[did]["handle"],
            "accessJwt": access,
            "refreshJwt": refresh,
        }

    def _count(self) -> bool:
        now = self.clock()
        start = now - now % self.rate_window
        if start != self._window_start:
            self._window_start, self._used = start, 0
        self._used += 1
        return self._used > self.rate_limit

    def _rate_headers(
        self, remaining: int | None = None, limit: int | None = None
    ) -> dict[str, str]:
        cap = self.rate_limit if limit is None else limit
        left = max(0, cap - self._used) if remaining is None else remaining
        return {
            "RateLimit-Limit": str(cap),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(int(self._window_start + self.rate_window)),
            "RateLimit-Policy": f"{cap};w={int(self.rate_window)}",
        }

    def _ok(self, body: Any) -> Response:
        return JSONResponse(body, 200, headers=self._rate_headers())

    def _error(
        self,
        status: int,
        error: str,
        message: str,
        *,
        remaining: int | None = None,
        limit: int | None = None,
    ) -> Response:
        if status == 429:
            remaining = 0
        return JSONResponse(
            {"error": error, "message": message},
            status,
            headers=self._rate_headers(remaining, limit),
        )

    def rate_limit_response(self, fault: Fault) -> Response:
        return JSONResponse(
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            429,
            headers={
                "RateLimit-Limit": str(self.rate_limit),
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": str(int(self.clock() + fault.seconds)),
                "RateLimit-Policy": f"{self.rate_limit};w={int(self.rate_window)}",
            },
        )

    def expired_token_response(self) -> Response:
        return JSONResponse({"error": "ExpiredToken", "message": "Token has expired"}, 400)

    def server_error_response(self, fault: Fault) -> Response:
        return JSONResponse(
            {"error": "InternalServerError", "message": "Internal Server Error"}, fault.status
        )

    # ---- small helpers -------------------------------------------------------------------------

    def _store(self, did: str, collection: str, rkey: str, record: JSON, moment: float) -> str:
        uri = f"at://{did}/{collection}/{rkey}"
        self.posts[uri] = {
            "uri": uri,
            "cid": _cid([uri, record]),
            "author": did,
            "record": record,
            "indexedAt": iso_ms(moment),
        }
        parent = _parent_uri(self.posts[uri])
        siblings = self._replies_to.setdefault(parent, []) if parent is not None else []
        if parent is not None and uri not in siblings:
            siblings.append(uri)
        return uri

    def _replies(self, uri: str) -> list[JSON]:
        """The posts replying to `uri` that still exist (tests delete posts)."""
        children = (self.posts.get(child) for child in self._replies_to.get(uri, ()))
        return [post for post in children if post is not None and _parent_uri(post) == uri]

    def _notify(self, reason: str, uri: str, subject: str | None = None) -> JSON:
        post = self.posts[uri]
        notification = {
            "uri": uri,
            "cid": post["cid"],
            "author": post["author"],
            "reason": reason,
            "reasonSubject": subject,
            "record": post["record"],
            "indexedAt": post["indexedAt"],
        }
        self.notifications.append(notification)
        return self.notification_view(notification)

    def _interaction(self, reason: str, collection: str, author: str, subject: str | None) -> JSON:
        target = subject or self.add_post(self.me, "Something worth a like")
        did = self._did(author)
        moment = self._moment(None)
        record = {
            "$type": collection,
            "subject": {"uri": target, "cid": self.posts[target]["cid"]},
            "createdAt": iso_ms(moment),
        }
        uri = self._store(
            did, collection, tid(int(moment * 1e6), self._serial % 1024), record, moment
        )
        return self._notify(reason, uri, subject=target)

    def _moment(self, at: float | None) -> float:
        """Strictly increasing times (milliseconds apart at least), so notification order is
        well defined even when the test clock stands still."""
        wanted = self.clock() if at is None else at
        micros = max(int(wanted * 1000) * 1000, self._last_micros + 1000)
        self._last_micros = micros
        self._serial += 1
        return micros / 1_000_000

    def _did(self, who: str) -> str:
        if who in self.actors:
            return who
        return self._did_of_handle(who.lstrip("@")) or self.add_actor(who.lstrip("@"))

    def _did_of_handle(self, handle: str) -> str | None:
        handle = handle.lower().lstrip("@")
        for did, actor in self.actors.items():
            if actor["handle"].lower() == handle:
                return did
        return None

    def _detect_facets(self, text: str) -> list[JSON]:
        """What the official app adds: link facets for URLs, mention facets for known handles."""
        facets: list[JSON] = []
        for match in _URL.finditer(text):
            facets.append(
                _facet(text, match.start(), match.end(), {"$type": LINK, "uri": match.group(0)})
            )
        for match in _HANDLE.finditer(text):
            did = self._did_of_handle(match.group(1))
            if did:
                facets.append(
                    _facet(text, match.start(), match.end(), {"$type": MENTION, "did": did})
                )
        return sorted(facets, key=lambda f: f["index"]["byteStart"])

    def _generated_text(self) -> tuple[str, list[JSON] | None]:
        rng = self._rng
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 18)))
        if rng.random() < 0.35:
            path = f"{rng.choice(_WORDS)}/{rng.randint(1000, 99999)}/long-article-title"
            full = f"https://www.example.com/{path}"
            return rich_text(
                f"{words} ",
                Link(f"example.com/{path[:12]}...", full),
                "?" if rng.random() < 0.3 else "",
            )
        return words + ("?" if rng.random() < 0.3 else ""), None


def _facet(text: str, start: int, end: int, feature: JSON) -> JSON:
    byte_start = len(text[:start].encode("utf-8"))
    return {
        "index": {
            "byteStart": byte_start,
            "byteEnd": byte_start + len(text[start:end].encode("utf-8")),
        },
        "features": [feature],
    }


def _invalid_post(record: JSON) -> str | None:
    """What the app.bsky.feed.post lexicon would refuse, or None."""
    text = record.get("text")
    if not isinstance(text, str):
        return "Invalid app.bsky.feed.post record: Record/text must be a string"
    if graphemes(text) > MAX_GRAPHEMES or len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        return (
            f"Invalid app.bsky.feed.post record: Record/text must not be longer than "
            f"{MAX_GRAPHEMES} graphemes"
        )
    try:
        datetime.fromisoformat(str(record.get("createdAt")).replace("Z", "+00:00"))
    except ValueError:
        return "Invalid app.bsky.feed.post record: Record/createdAt must be an valid datetime"
    reply = record.get("reply")
    if reply is not None:
        for part in ("root", "parent"):
            ref = reply.get(part) if isinstance(reply, dict) else None
            if not (isinstance(ref, dict) and ref.get("uri") and ref.get("cid")):
                return (
                    f"Invalid app.bsky.feed.post record: Record/reply/{part} must have uri and cid"
                )
    size = len(text.encode("utf-8"))
    for facet in record.get("facets") or ():
        index = facet.get("index") or {}
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= size):
            return "Invalid app.bsky.feed.post record: facet index out of range"
    return None


def _invalid_rkey(rkey: str, collection: str) -> str | None:
    if not _RKEY.match(rkey) or rkey in (".", ".."):
        return "Invalid record key"
    if collection == POST and not _TID.match(rkey):
        return "Invalid record key: app.bsky.feed.post keys must be TIDs"
    return None


def _parent_uri(post: JSON) -> str | None:
    reply = post["record"].get("reply")
    return reply["parent"]["uri"] if isinstance(reply, dict) else None


def _in_author_feed(post: JSON, did: str, filter_: str) -> bool:
    """Does the author feed with this filter show `did`'s post?"""
    record = post["record"]
    reply = record.get("reply")
    embed = record.get("embed") or {}
    kind = embed.get("$type", "") if isinstance(embed, dict) else ""
    if filter_ == "posts_no_replies":
        return not reply
    if filter_ == "posts_with_media":
        return kind.startswith(("app.bsky.embed.images", "app.bsky.embed.video")) or (
            kind == "app.bsky.embed.recordWithMedia"
        )
    if filter_ == "posts_with_video":
        return kind.startswith("app.bsky.embed.video")
    if filter_ == "posts_and_author_threads":
        # Replies only in the author's own threads.
        return not reply or reply["root"]["uri"].startswith(f"at://{did}/")
    return True


def _sort_key(notification: JSON) -> tuple[str, str]:
    return (notification["indexedAt"], notification["cid"])


def _make_cursor(notification: JSON) -> str:
    moment = datetime.fromisoformat(notification["indexedAt"].replace("Z", "+00:00"))
    return f"{round(moment.timestamp() * 1000)}::{notification['cid']}"


def _parse_cursor(cursor: str) -> tuple[str, str] | None:
    millis, sep, cid = cursor.partition("::")
    if not sep or not millis.isdigit():
        return None
    return (iso_ms(int(millis) / 1000), cid)


def _cid(value: Any) -> str:
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return "bafyrei" + base64.b32encode(digest).decode().lower().rstrip("=")[:52]


def _jwt(scope: str, did: str, serial: int, expires: float) -> str:
    def part(value: JSON) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    header = part({"typ": "at+jwt", "alg": "ES256K"})
    payload = part(
        {
            "scope": scope,
            "sub": did,
            "iat": serial,
            "exp": int(expires),
            "jti": hashlib.sha256(f"{scope}{did}{serial}".encode()).hexdigest()[:16],
        }
    )
    return f"{header}.{payload}.fake-signature"


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def _json_body(request: Request) -> JSON:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
