"""Reddit: the account's inbox (comment replies, post replies, username mentions and private
messages) through Reddit's OAuth API, as a "script" app.

Authentication is the password grant of a script app: POST /api/v1/access_token on
www.reddit.com with HTTP Basic (client id, client secret) and the account's username and
password. The bearer token lives an hour; it is granted again shortly before it expires (an
injectable clock tells when) and once more if the API answers 401 anyway. API calls go to
oauth.reddit.com. When the account's base_url is not Reddit's (a local fake), that one base
serves both the grant and the API.

The "inbox" stream is GET /message/inbox, newest first, paged with fullnames (`after` goes
older, `before` newer), always with raw_json=1 so bodies are not HTML-escaped.

The "own" stream is the user's own replies, made anywhere (Rapport or not), for the consistency
ledger: its pages carry own_posts and never items. Both listings are needed, because the inbox
holds comments and private messages alike: GET /user/<username>/comments (sort=new; every
comment answers the post or comment its parent_id names) and GET /message/sent (a message
answers the one its parent_id names; one that starts a conversation answers nothing and is
passed over). They are read one after the other, each paged exactly like the inbox, and the
stream's cursor holds one cursor of the form below for each: ``{"comments": ..., "sent": ...}``.

Cursor (JSON), following the convention in core.connectors.base:
- ``{"mode": "walk", ...}``: a top-down walk in progress: `after` (fullname to continue below),
  `floor_utc`/`floor_names` (where the walk stops: the horizon on a first sync, or the newest
  item already stored), `top`/`top_utc`/`top_names` (the newest item the walk started from,
  the next high-water mark) and `ceiling_utc`/`ceiling_names` (the oldest item yielded so far,
  used when the `after` anchor vanishes, see below).
- ``{"mode": "incremental", "newest": fullname, "newest_utc": ..., "newest_names": [...]}``:
  new items are read upwards with `before=<newest>`, one page at a time, the mark moving up
  with each stored page, so an interrupted sync resumes without gaps or repeats.

Reddit answers an empty listing when the anchor of `before`/`after` was deleted (that looks the
same as "nothing new"). So an empty `before` page is checked with a one-item look at the top of
the inbox: if something newer than the mark is there, the anchor is gone and a walk from the
top down to the mark's created_utc fetches what is new. An `after` anchor that vanishes mid-walk
restarts the walk from the top, skipping what was already yielded (everything above the
ceiling). A deleted comment of ours vanishes from our listing the same way.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, TypeVar

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
from core.markup.markdown import markdown_to_text
from core.models import JSON, Account, Contact, ContextPost, Item, ItemKind, MarkupFormat
from core.secrets import Credentials, Secret
from core.timeutil import from_epoch, to_epoch

API_BASE = "https://oauth.reddit.com"
AUTH_BASE = "https://www.reddit.com"
WEB = "https://www.reddit.com"
STREAM = "inbox"
#: The user's own replies, for the consistency ledger (pages carry own_posts, never items).
OWN = "own"
#: Reddit's largest listing page.
PAGE_LIMIT = 100
#: Ask for a new token this long before the old one expires (clock skew, slow requests).
TOKEN_MARGIN = 60.0
#: How many of our own recent comments find_reply looks through.
FIND_REPLY_LIMIT = 25
#: Mark-read requests carry at most this many fullnames.
READ_BATCH = 100

_T1_KINDS = {
    "comment_reply": ItemKind.REPLY,
    "post_reply": ItemKind.COMMENT,
    "username_mention": ItemKind.MENTION,
}
# Reddit words its in-body rate limit as prose: "try again in 5 minutes", "9 seconds", ...
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
_WAIT_UNITS = {"millisecond": 0.001, "second": 1.0, "minute": 60.0, "hour": 3600.0}
# In-body error codes that mean the thing replied to is gone.
_GONE = frozenset({"DELETED_COMMENT", "DELETED_LINK", "DELETED_THING", "NO_THING_ID"})


def _app_version() -> str:
    try:
        return version("rapport-tui")
    except PackageNotFoundError:
        return "0.0.0"


class RedditConnector(Connector):
    platform = "reddit"
    title = "Reddit"
    default_base_url = API_BASE
    credential_keys = ("client_id", "client_secret", "username", "password")
    credential_help = (
        "Create a 'script' app at https://www.reddit.com/prefs/apps (redirect uri "
        "http://localhost:8080), then give client_id=<the id under the app name>, "
        "client_secret=<secret>, username=<your username> and password=<your password> "
        "(accounts with two-factor authentication cannot use the password grant)."
    )
    streams = (STREAM, OWN)
    credential_url = "https://www.reddit.com/prefs/apps"
    max_reply_length = 10_000
    reply_length_unit = "characters"

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
        self._token: Secret | None = None
        self._token_expires_at = 0.0
        # A username given as "u/name" (how Reddit shows it) is the bare name to the API.
        self._username = bare_username(_credential(credentials, "username").reveal())
        # Reddit asks for `<platform>:<app id>:<version> (by /u/<username>)`.
        self.user_agent = f"python:rapport-tui:{_app_version()} (by /u/{self._username})"

    @property
    def auth_base(self) -> str:
        """Where tokens are granted: www.reddit.com for Reddit, the base itself for a fake."""
        return AUTH_BASE if self.base_url == API_BASE else self.base_url

    @property
    def me(self) -> str:
        """Our username as Reddit writes it in `author` (the handle may say u/name)."""
        return bare_username(self.account.handle or self._username)

    def _is_me(self, author: Contact) -> bool:
        return author.handle.lower() == self.me.lower()

    # ---- the contract --------------------------------------------------------------------------

    async def verify(self) -> Identity:
        data = await self._get_json("/api/v1/me", {}, what="Reddit: who am I")
        name = str(require(data, "name", "Reddit /api/v1/me"))
        return Identity(
            remote_id=f"t2_{require(data, 'id', 'Reddit /api/v1/me')}",
            handle=name,
            display_name=name,
            profile_url=f"{WEB}/user/{name}",
        )

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if stream == STREAM:
            async for page in self._listing(self._inbox_source, cursor, horizon):
                yield page
        elif stream == OWN:
            async for page in self._own(cursor, horizon):
                yield page
        else:
            raise ConnectorError(f"Reddit has no stream {stream!r} (it has {STREAM!r}, {OWN!r})")

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        if item.remote_id.startswith("t4_"):
            return await self._message_context(item)
        article = item.thread_root_id.removeprefix("t3_")
        if not article:
            return []
        comment = item.remote_id.removeprefix("t1_")
        params = {"comment": comment, "context": "8", "raw_json": "1"}
        what = "Reddit: the thread above a comment"
        data = await self._get_json(f"/comments/{article}", params, what=what, thread=True)
        if not isinstance(data, list) or len(data) < 2:
            raise BadResponse(f"{what}: expected [submission, comments] listings")
        submissions = _listing_children(data[0], what)
        if not submissions:
            raise NotFound(f"{what}: the submission is gone")
        posts = [self._submission_post(submissions[0], what)]
        chain = _path_to(_listing_children(data[1], what), item.remote_id)
        posts.extend(self._comment_post(node, what) for node in chain[:-1])
        return posts

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        # Reddit has no idempotency key: the sync engine calls find_reply before a retry.
        what = "Reddit: send a reply"
        form = {"api_type": "json", "text": text, "thing_id": item.remote_id}
        response = await self._request(
            "POST", "/api/comment", what=what, params={"raw_json": "1"}, data=form, thread=True
        )
        body = decode_json(response, what)
        result = require(body, "json", what)
        _raise_for_errors(result.get("errors") if isinstance(result, dict) else None, what)
        things = require(require(result, "data", what), "things", what)
        if not things:
            raise BadResponse(f"{what}: Reddit returned no comment")
        data = require(things[0], "data", what)
        return PostedReply(
            remote_id=str(require(data, "name", what)),
            url=_thing_url(data),
            created_at=_created(data, what),
        )

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        what = "Reddit: look for a sent reply"
        if item.remote_id.startswith("t4_"):
            path = "/message/sent"
        else:
            path = f"/user/{self._username}/comments"
        params = {"limit": str(FIND_REPLY_LIMIT), "raw_json": "1"}
        listing = await self._get_json(path, params, what=what)
        # Reddit's clock and ours may differ by a little: allow a minute.
        earliest = to_epoch(since) - 60.0
        wanted = text.strip()
        for child in _listing_children(listing, what):
            data = child.get("data") or {}
            if (
                data.get("parent_id") == item.remote_id
                and str(data.get("body", "")).strip() == wanted
                and float(data.get("created_utc") or 0.0) >= earliest
            ):
                return PostedReply(
                    remote_id=str(require(data, "name", what)),
                    url=_thing_url(data),
                    created_at=_created(data, what),
                )
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:
        names = [item.remote_id for item in items if item.remote_id[:3] in ("t1_", "t4_")]
        for start in range(0, len(names), READ_BATCH):
            batch = ",".join(names[start : start + READ_BATCH])
            await self._request(
                "POST", "/api/read_message", what="Reddit: mark read", data={"id": batch}
            )

    # ---- listings: the inbox, and our own comments and messages --------------------------------

    async def _own(self, cursor: JSON | None, horizon: datetime) -> AsyncIterator[Page]:
        """Our comments, then our sent messages: two listings, each with its own cursor (in
        the inbox's convention) under its name in the stream's cursor."""
        state: JSON = dict(cursor or {})
        for key, source in (("comments", self._comments_source), ("sent", self._sent_source)):
            sub = state.get(key)
            async for page in self._listing(
                source, sub if isinstance(sub, dict) else None, horizon
            ):
                state = {**state, key: page.cursor}
                page.cursor = state
                yield page

    async def _listing(
        self, source: _Source[P], cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if cursor and cursor.get("mode") == "incremental" and cursor.get("newest"):
            async for page in self._upwards(source, cursor):
                yield page
            return
        if cursor and cursor.get("mode") == "walk":
            walk = _Walk.load(cursor)
        else:
            walk = _Walk(floor_utc=to_epoch(horizon))
        async for page in self._walk(source, walk):
            yield page

    async def _walk(self, source: _Source[P], walk: _Walk) -> AsyncIterator[Page]:
        """Top-down from `walk.after` (or the top) until the floor or the end of the listing."""
        while True:
            listing = await self._read(source, {"after": walk.after} if walk.after else {})
            children = listing.children
            if not children and walk.after:
                # The anchor vanished (deleted): start again from the top, skipping the
                # items above the ceiling, which were yielded already.
                walk.after = None
                walk.restarted = True
                continue
            page = source.parse(children)
            if walk.top is None and page.things:
                walk.set_top(page.things)
            items, reached_floor = walk.take(page.things)
            done = reached_floor or listing.after is None or not children
            walk.after = listing.after
            cursor = walk.incremental() if done else walk.dump()
            yield source.page(items, cursor, page)
            if done:
                return

    async def _upwards(self, source: _Source[P], cursor: JSON) -> AsyncIterator[Page]:
        """Incremental: pages newer than the stored mark, each moving the mark up."""
        mark = _Mark.load(cursor)
        first = True
        while True:
            listing = await self._read(source, {"before": mark.newest})
            if not listing.children:
                if first:
                    async for checked in self._check_anchor(source, mark):
                        yield checked
                return
            first = False
            parsed = source.parse(listing.children)
            items = [
                thing.item
                for thing in parsed.things
                if thing.item is not None and thing.name not in mark.names
            ]
            if parsed.things:
                mark = _Mark.of(parsed.things)
            yield source.page(items, mark.dump(), parsed)
            if listing.before is None and len(listing.children) < PAGE_LIMIT:
                return

    async def _check_anchor(self, source: _Source[P], mark: _Mark) -> AsyncIterator[Page]:
        """`before=<mark>` was empty: nothing is new, or the mark's item was deleted."""
        top = await self._read(source, {}, limit=1)
        if not top.children:
            return
        newest = source.parse(top.children).things
        if not newest:
            return
        head = newest[0]
        if head.name == mark.newest:
            return
        if head.utc < mark.utc or (head.utc == mark.utc and head.name in mark.names):
            # The mark's item is gone and nothing newer arrived: move the mark to what exists.
            yield source.page([], _Mark.of(newest).dump(), _ParsedPage())
            return
        walk = _Walk(floor_utc=mark.utc, floor_names=list(mark.names))
        async for page in self._walk(source, walk):
            yield page

    async def _read(
        self, source: _Source[P], anchor: dict[str, str], limit: int = PAGE_LIMIT
    ) -> _Listing:
        params = {"limit": str(limit), "raw_json": "1", **source.params, **anchor}
        body = await self._get_json(source.path, params, what=source.what)
        return _Listing.parse(body, source.what)

    @property
    def _inbox_source(self) -> _Source[Item]:
        return _Source(
            "/message/inbox", "Reddit: read the inbox", {}, self._parse_page, _inbox_page
        )

    @property
    def _comments_source(self) -> _Source[ContextPost]:
        return _Source(
            f"/user/{self._username}/comments",
            "Reddit: read our comments",
            {"sort": "new"},
            _parse_own,
            _own_page,
        )

    @property
    def _sent_source(self) -> _Source[ContextPost]:
        return _Source("/message/sent", "Reddit: read our sent messages", {}, _parse_own, _own_page)

    def _parse_page(self, children: list[Any]) -> _ParsedPage[Item]:
        """Every child parsed before any is used, so a bad one fails the page, never half."""
        page: _ParsedPage[Item] = _ParsedPage()
        for child in children:
            kind = child.get("kind") if isinstance(child, dict) else None
            if kind not in ("t1", "t4"):
                page.skip(f"kind_{kind}")
                continue
            item = parse_thing(child, self.account.name)
            page.things.append(_Thing(item.remote_id, to_epoch(item.created_at), item))
        return page

    # ---- context -------------------------------------------------------------------------------

    async def _message_context(self, item: Item) -> list[ContextPost]:
        root = item.thread_root_id or item.remote_id
        if root == item.remote_id:
            return []
        what = "Reddit: the conversation above a message"
        params = {"raw_json": "1"}
        listing = await self._get_json(
            f"/message/messages/{root.removeprefix('t4_')}", params, what=what, thread=True
        )
        messages: list[JSON] = []
        for child in _listing_children(listing, what):
            data = require(child, "data", what)
            messages.append(data)
            replies = data.get("replies")
            if isinstance(replies, dict):
                messages.extend(require(c, "data", what) for c in _listing_children(replies, what))
        before = to_epoch(item.created_at)
        earlier = [m for m in messages if m.get("name") != item.remote_id]
        earlier = [m for m in earlier if float(m.get("created_utc") or 0.0) <= before]
        earlier.sort(key=lambda m: float(m.get("created_utc") or 0.0))
        return [self._comment_post(m, what) for m in earlier]

    def _submission_post(self, child: Any, what: str) -> ContextPost:
        data = require(child, "data", what)
        author = _author(data)
        title = str(data.get("title") or "")
        body = markdown_to_text(str(data.get("selftext") or ""), soft_break=" ")
        return ContextPost(
            remote_id=str(require(data, "name", what)),
            author=author,
            text=f"{title}\n\n{body}".strip(),
            created_at=_created(data, what),
            url=_thing_url(data),
            is_own=self._is_me(author),
        )

    def _comment_post(self, data: JSON, what: str) -> ContextPost:
        author = _author(data)
        return ContextPost(
            remote_id=str(require(data, "name", what)),
            author=author,
            text=markdown_to_text(str(data.get("body") or ""), soft_break=" "),
            created_at=_created(data, what),
            url=_thing_url(data),
            parent_id=str(data.get("parent_id") or ""),
            is_own=self._is_me(author),
        )

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _get_json(
        self, path: str, params: dict[str, str], *, what: str, thread: bool = False
    ) -> Any:
        response = await self._request("GET", path, what=what, params=params, thread=thread)
        return decode_json(response, what)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        data: dict[str, str] | None = None,
        thread: bool = False,
    ) -> httpx.Response:
        """One API call with a fresh enough token; a 401 earns exactly one new grant."""
        for attempt in (1, 2):
            self.budget.check(what)
            token = await self._access_token()
            response = await send(
                self.client,
                method,
                self.base_url + path,
                what=what,
                params=params,
                data=data,
                headers={
                    "Authorization": f"bearer {token.reveal()}",
                    "User-Agent": self.user_agent,
                },
            )
            self._note_rate_limit(response)
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            if response.is_success:
                return response
            raise self._error(response, what, thread=thread)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _access_token(self) -> Secret:
        if self._token is None or self.clock() >= self._token_expires_at - TOKEN_MARGIN:
            await self._grant()
        assert self._token is not None
        return self._token

    async def _grant(self) -> None:
        what = "Reddit: sign in"
        creds = self.credentials
        response = await send(
            self.client,
            "POST",
            f"{self.auth_base}/api/v1/access_token",
            what=what,
            auth=httpx.BasicAuth(
                _credential(creds, "client_id").reveal(),
                _credential(creds, "client_secret").reveal(),
            ),
            data={
                "grant_type": "password",
                "username": self._username,
                "password": _credential(creds, "password").reveal(),
            },
            headers={"User-Agent": self.user_agent},
        )
        if response.status_code in (401, 403):
            raise AuthError(
                f"{what}: Reddit refused the app's client_id or client_secret "
                f"(HTTP {response.status_code}); check the script app at "
                "https://www.reddit.com/prefs/apps"
            )
        if not response.is_success:
            raise self._error(response, what)
        body = decode_json(response, what)
        if isinstance(body, dict) and "error" in body:
            # A wrong username or password is a 200 with {"error": "invalid_grant"}.
            raise AuthError(
                f"{what}: Reddit refused the username or password ({body['error']}); "
                "accounts with two-factor authentication cannot use a script app's password "
                "grant"
            )
        token = require(body, "access_token", what)
        expires_in = require(body, "expires_in", what)
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise BadResponse(f"{what}: the token answer has no usable access_token/expires_in")
        self._token = Secret(token)
        self._token_expires_at = self.clock() + float(expires_in)

    def _note_rate_limit(self, response: httpx.Response) -> None:
        remaining = header_float(response, "x-ratelimit-remaining")
        reset_in = header_float(response, "x-ratelimit-reset")
        # Remaining is a float ("0.4"): less than one whole request left means none.
        whole = None if remaining is None else float(math.floor(remaining))
        # X-Ratelimit-Reset is seconds until the window resets, not a time.
        self.budget.update(whole, None if reset_in is None else self.clock() + reset_in)

    def _error(self, response: httpx.Response, what: str, *, thread: bool = False) -> Exception:
        status = response.status_code
        if status == 429:
            wait = header_float(response, "x-ratelimit-reset")
            if wait is None:
                wait = header_float(response, "retry-after")
            return RateLimited(f"{what}: Reddit rate limit reached (HTTP 429)", wait or 60.0)
        if status == 401:
            return AuthError(f"{what}: Reddit refused a freshly granted token (HTTP 401)")
        if status == 403 and thread:
            return NotFound(
                f"{what}: Reddit refuses access to this thread (private or quarantined "
                "subreddit, or a ban)"
            )
        if status == 403:
            return AuthError(f"{what}: Reddit refused access (HTTP 403); check the app's scopes")
        if status in (404, 410):
            return NotFound(f"{what}: not found on Reddit (HTTP {status})")
        if status >= 500:
            return NetworkError(f"{what}: Reddit had an error (HTTP {status})")
        return BadResponse(f"{what}: unexpected HTTP {status} from Reddit")


# ---- parsing (pure functions: the conformance test and the benchmark call them directly) -----


def parse_thing(thing: JSON, account: str) -> Item:
    """One inbox child (`{"kind": "t1"|"t4", "data": {...}}`) as an Item.

    remote_id is the fullname; thread_root_id the submission's fullname (t3_) for comments,
    the first message's fullname for private messages; parent_id Reddit's parent_id."""
    what = "Reddit inbox item"
    data = require(thing, "data", what)
    body = require(data, "body", what)
    name = require(data, "name", what)
    if not isinstance(body, str) or not isinstance(name, str):
        raise BadResponse(f"{what}: body and name must be text")
    if thing.get("kind") == "t4":
        return _message_item(data, name, body, account, what)
    context = str(require(data, "context", what))
    kind = data.get("type")
    return Item(
        account=account,
        platform="reddit",
        remote_id=name,
        kind=_T1_KINDS.get(kind, ItemKind.COMMENT) if isinstance(kind, str) else ItemKind.COMMENT,
        author=_author(data),
        text=markdown_to_text(body, soft_break=" "),
        markup=body,
        markup_format=MarkupFormat.MARKDOWN,
        created_at=_created(data, what),
        url=WEB + context,
        thread_root_id=str(data.get("link_id") or _link_from_context(context)),
        parent_id=str(data.get("parent_id") or ""),
        read=not data.get("new", False),
        platform_data={
            "type": kind or "",
            "subreddit": data.get("subreddit") or "",
            "link_title": data.get("link_title") or "",
            "context": context,
        },
    )


def _message_item(data: JSON, name: str, body: str, account: str, what: str) -> Item:
    return Item(
        account=account,
        platform="reddit",
        remote_id=name,
        kind=ItemKind.DIRECT,
        author=_author(data),
        text=markdown_to_text(body, soft_break=" "),
        markup=body,
        markup_format=MarkupFormat.MARKDOWN,
        created_at=_created(data, what),
        url=f"{WEB}/message/messages/{require(data, 'id', what)}",
        thread_root_id=str(data.get("first_message_name") or name),
        parent_id=str(data.get("parent_id") or ""),
        read=not data.get("new", False),
        platform_data={"subject": data.get("subject") or ""},
    )


def _parse_own(children: list[Any]) -> _ParsedPage[ContextPost]:
    """A page of our comments or sent messages: every one that answers something (a comment
    always does: its parent is the post or comment it is under) as an own post."""
    page: _ParsedPage[ContextPost] = _ParsedPage()
    for child in children:
        kind = child.get("kind") if isinstance(child, dict) else None
        if kind not in ("t1", "t4"):
            continue
        post = parse_own(child)
        kept = post if post.parent_id else None
        page.things.append(_Thing(post.remote_id, to_epoch(post.created_at), kept))
    return page


def parse_own(thing: JSON) -> ContextPost:
    """One of our comments (`/user/<name>/comments`) or sent messages (`/message/sent`) as a
    ContextPost. parent_id is what it answers (Reddit's parent_id; for a message without one,
    the conversation's first message) and "" for a message that starts a conversation."""
    what = "Reddit: our own post"
    data = require(thing, "data", what)
    body = require(data, "body", what)
    name = require(data, "name", what)
    if not isinstance(body, str) or not isinstance(name, str):
        raise BadResponse(f"{what}: body and name must be text")
    parent = data.get("parent_id")
    if thing.get("kind") == "t4":
        parent = parent or data.get("first_message_name")
        url = f"{WEB}/message/messages/{require(data, 'id', what)}"
    else:
        url = _thing_url(data)
    return ContextPost(
        remote_id=name,
        author=_author(data),
        text=markdown_to_text(body, soft_break=" "),
        created_at=_created(data, what),
        url=url,
        parent_id=str(parent or ""),
        is_own=True,
    )


def _author(data: JSON) -> Contact:
    handle = data.get("author")
    if not handle:
        # A message sent by a subreddit (moderators) has no author, only the subreddit.
        handle = data.get("subreddit_name_prefixed") or "[unknown]"
    handle = str(handle)
    return Contact(
        platform="reddit",
        remote_id=str(data.get("author_fullname") or handle),
        handle=handle,
        profile_url="" if handle.startswith("[") else f"{WEB}/user/{handle}",
    )


def _created(data: JSON, what: str) -> datetime:
    value = require(data, "created_utc", what)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadResponse(f"{what}: created_utc is not a number")
    return from_epoch(float(value))


def _link_from_context(context: str) -> str:
    """`/r/<sub>/comments/<link id>/<slug>/<comment id>/?context=3` -> `t3_<link id>`."""
    parts = context.split("/")
    try:
        return "t3_" + parts[parts.index("comments") + 1]
    except (ValueError, IndexError):
        return ""


def _thing_url(data: JSON) -> str:
    permalink = data.get("permalink")
    if permalink:
        return WEB + str(permalink)
    if data.get("context"):
        return WEB + str(data["context"])
    return f"{WEB}/message/messages/{data.get('id', '')}"


def _listing_children(listing: Any, what: str) -> list[Any]:
    children = require(require(listing, "data", what), "children", what)
    if not isinstance(children, list):
        raise BadResponse(f"{what}: the listing's children are not a list")
    return children


def _path_to(children: list[Any], target: str) -> list[JSON]:
    """The chain of comments from a top-level one down to `target` (inclusive), or []."""
    for child in children:
        data = child.get("data") if isinstance(child, dict) else None
        if not isinstance(data, dict) or child.get("kind") != "t1":
            continue
        if data.get("name") == target:
            return [data]
        replies = data.get("replies")
        if isinstance(replies, dict):
            below = _path_to(replies.get("data", {}).get("children", []), target)
            if below:
                return [data, *below]
    return []


def _raise_for_errors(errors: Any, what: str) -> None:
    """Reddit reports most failures of POST /api/comment inside an HTTP 200 body:
    `{"json": {"errors": [["RATELIMIT", "you are doing that too much...", "ratelimit"]]}}`."""
    if not errors:
        return
    if not isinstance(errors, list) or not isinstance(errors[0], list) or not errors[0]:
        raise BadResponse(f"{what}: Reddit reported an error it did not describe")
    code = str(errors[0][0])
    message = str(errors[0][1]) if len(errors[0]) > 1 else code
    if code == "RATELIMIT":
        raise RateLimited(f"{what}: Reddit says: {message}", _wait_from_message(message))
    if code in _GONE:
        raise NotFound(f"{what}: Reddit says: {message} ({code})")
    if code == "USER_REQUIRED":
        raise AuthError(f"{what}: Reddit says the account is not signed in ({code})")
    raise BadResponse(f"{what}: Reddit refused the reply: {message} ({code})")


def _wait_from_message(message: str) -> float:
    match = _WAIT.search(message)
    if not match:
        return 60.0
    return float(match.group(1)) * _WAIT_UNITS[match.group(2).lower()]


def bare_username(handle: str) -> str:
    """A Reddit username as the API spells it (`author`, paths, the password grant): without
    the "u/", "/u/" or "@" in front that people write (any case), nor surrounding spaces."""
    text = handle.strip()
    for prefix in ("/u/", "u/", "/user/", "user/", "@"):
        if text.lower().startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _credential(credentials: Credentials, key: str) -> Secret:
    try:
        return credentials[key]
    except KeyError:
        raise AuthError(
            f"Reddit: the credentials have no {key!r}; give client_id, client_secret, "
            "username and password"
        ) from None


# ---- small state holders -------------------------------------------------------------------------


#: What a listing's children become: inbox items, or our own posts.
P = TypeVar("P", Item, ContextPost)


@dataclass(slots=True)
class _Thing(Generic[P]):
    """One child of a listing; `item` is None for one that is passed over (our message that
    answers nobody) but still counts for where the listing was read to."""

    name: str
    utc: float
    item: P | None


@dataclass(slots=True)
class _ParsedPage(Generic[P]):
    things: list[_Thing[P]] = field(default_factory=list)
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


@dataclass(frozen=True, slots=True)
class _Listing:
    children: list[Any]
    after: str | None
    before: str | None

    @classmethod
    def parse(cls, body: Any, what: str) -> _Listing:
        if not isinstance(body, dict) or body.get("kind") != "Listing":
            raise BadResponse(f"{what}: expected a Listing")
        data = require(body, "data", what)
        children = _listing_children(body, what)
        return cls(children, data.get("after") or None, data.get("before") or None)


@dataclass(frozen=True, slots=True)
class _Source(Generic[P]):
    """A listing read with the inbox's paging: where it is, how its children are parsed, and
    how a page of them is handed out."""

    path: str
    what: str
    params: dict[str, str]
    parse: Callable[[list[Any]], _ParsedPage[P]]
    page: Callable[[list[P], JSON, _ParsedPage[P]], Page]


def _inbox_page(items: list[Item], cursor: JSON, parsed: _ParsedPage[Item]) -> Page:
    return Page(STREAM, items, cursor, parsed.skipped, dict(parsed.reasons))


def _own_page(posts: list[ContextPost], cursor: JSON, parsed: _ParsedPage[ContextPost]) -> Page:
    return Page(OWN, [], cursor, own_posts=posts)


def _edge(things: Sequence[_Thing[Any]], utc: float) -> list[str]:
    return [thing.name for thing in things if thing.utc == utc]


@dataclass(slots=True)
class _Mark:
    """The high-water mark: the newest stored item and every stored name at its second."""

    newest: str
    utc: float
    names: list[str]

    @classmethod
    def of(cls, things: Sequence[_Thing[Any]]) -> _Mark:
        head = max(things, key=lambda thing: thing.utc)
        return cls(head.name, head.utc, _edge(things, head.utc))

    @classmethod
    def load(cls, cursor: JSON) -> _Mark:
        return cls(
            str(cursor["newest"]),
            float(cursor.get("newest_utc") or 0.0),
            [str(n) for n in cursor.get("newest_names") or [cursor["newest"]]],
        )

    def dump(self) -> JSON:
        return {
            "mode": "incremental",
            "newest": self.newest,
            "newest_utc": self.utc,
            "newest_names": self.names,
        }


@dataclass(slots=True)
class _Walk:
    """A top-down walk from the newest item to a floor (see the module docstring)."""

    floor_utc: float
    floor_names: list[str] | None = None
    after: str | None = None
    top: _Mark | None = None
    ceiling_utc: float | None = None
    ceiling_names: list[str] | None = None
    restarted: bool = False

    @classmethod
    def load(cls, cursor: JSON) -> _Walk:
        top = None
        if cursor.get("top"):
            top = _Mark(str(cursor["top"]), float(cursor["top_utc"]), list(cursor["top_names"]))
        ceiling = cursor.get("ceiling_utc")
        return cls(
            floor_utc=float(cursor["floor_utc"]),
            floor_names=list(cursor.get("floor_names") or []),
            after=cursor.get("after"),
            top=top,
            ceiling_utc=None if ceiling is None else float(ceiling),
            ceiling_names=list(cursor.get("ceiling_names") or []),
            restarted=bool(cursor.get("restarted")),
        )

    def dump(self) -> JSON:
        return {
            "mode": "walk",
            "after": self.after,
            "floor_utc": self.floor_utc,
            "floor_names": self.floor_names or [],
            "top": self.top.newest if self.top else None,
            "top_utc": self.top.utc if self.top else None,
            "top_names": self.top.names if self.top else [],
            "ceiling_utc": self.ceiling_utc,
            "ceiling_names": self.ceiling_names or [],
            "restarted": self.restarted,
        }

    def incremental(self) -> JSON:
        if self.top is None:
            # Nothing in the inbox yet: the next sync walks again from the same floor.
            return {"mode": "walk", "after": None, "floor_utc": self.floor_utc}
        return self.top.dump()

    def set_top(self, things: Sequence[_Thing[Any]]) -> None:
        self.top = _Mark.of(things)

    def take(self, things: Sequence[_Thing[P]]) -> tuple[list[P], bool]:
        """The items of a page between ceiling and floor, and whether the floor was reached."""
        kept: list[_Thing[P]] = []
        reached_floor = False
        floor_names = set(self.floor_names or ())
        ceiling_names = set(self.ceiling_names or ())
        for thing in things:
            if thing.utc < self.floor_utc or (
                thing.utc == self.floor_utc and thing.name in floor_names
            ):
                reached_floor = True
                continue
            if (
                self.restarted
                and self.ceiling_utc is not None
                and (
                    thing.utc > self.ceiling_utc
                    or (thing.utc == self.ceiling_utc and thing.name in ceiling_names)
                )
            ):
                continue  # yielded before the walk restarted
            kept.append(thing)
        if kept:
            lowest = min(thing.utc for thing in kept)
            names = [thing.name for thing in kept if thing.utc == lowest]
            if self.ceiling_utc == lowest:
                names = sorted(set(names) | ceiling_names)
            self.ceiling_utc, self.ceiling_names = lowest, names
        return [thing.item for thing in kept if thing.item is not None], reached_floor
