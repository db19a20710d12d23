"""A local Mastodon that speaks the REST API the connector uses, from seeded in-memory data.

What it does like the real one (Mastodon 4.x, shapes after recorded answers):
- bearer tokens; a missing, wrong or revoked token gets 401 `{"error": "The access token is
  invalid"}` on every route;
- `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (an ISO time at the end of
  the current 5-minute window) on every answer; once the window's `rate_limit` requests are spent,
  429 `{"error": "Too many requests"}` with the same headers;
- GET /api/v1/notifications: newest first, `types[]`, `exclude_types[]`, `max_id`, `since_id`,
  `min_id` (the oldest chunk above it), `limit` (default 40, at most 80); a `Link` header with
  `rel="next"` (max_id) and `rel="prev"` (min_id) on every page that is not empty (the recorded
  answer carries both for a page of one); ids are decimal snowflake strings; a notification whose
  post is no longer visible has `"status": null`; `supports_types=False` acts like servers that
  ignore `types[]` (Mastodon before 3.5, some forks), so other types come through;
- statuses with HTML `content` rendered like Mastodon's formatter (paragraphs, `<br />`, h-card
  mentions, hashtags, links with `invisible`/`ellipsis` spans);
- GET /api/v1/accounts/:id/statuses: the account's statuses newest first, `limit` (default 20,
  at most 40), `max_id`/`since_id`/`min_id`, `exclude_reblogs`, `exclude_replies` (replies to
  oneself stay, as in Mastodon), `only_media`, `pinned`, `tagged`; the account's owner sees all
  of them (direct ones too), anyone else, or no token at all, only public and unlisted ones (an
  unknown or revoked token is still 401); boosts are statuses whose `reblog` holds the boosted
  one; the `Link` header has `rel="prev"` on every page that is not empty and `rel="next"` only
  after a full page (Mastodon's `records_continue?`); 404 `{"error": "Record not found"}` for an
  unknown account;
- GET /api/v1/statuses/:id/context (ancestors root first, descendants depth first), 404
  `{"error": "Record not found"}` for an unknown id;
- POST /api/v1/statuses, form or JSON: 422 for a blank or too long text, 404 for an unknown
  `in_reply_to_id`; `Idempotency-Key` returns the same status for an hour; the new status is
  threaded and shows in the context afterwards;
- GET and POST /api/v1/markers (`notifications[last_read_id]`, form or JSON).

Tests and the demo build the data with `add_account`, `add_status`, `add_mention`, `add_reply`,
`add_direct`, `add_quote`, `add_favourite`/`add_reblog`/`add_follow`, `add_hidden_mention`,
`add_boost` (a boost made by anyone, us included), or `populate(n)` for many; faults come from
`inject(Fault(...))`, and `revoke()` kills the token.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.fakes.base import FakePlatform, Fault

JSON = dict[str, Any]

DEFAULT_LIMIT = 40
MAX_LIMIT = 80
#: GET /api/v1/accounts/:id/statuses: DEFAULT_STATUSES_LIMIT, and twice that at most.
STATUSES_LIMIT = 20
MAX_STATUSES_LIMIT = 40
#: What Rails reads as false in a query parameter (anything else is true).
_FALSE = frozenset({"", "0", "f", "F", "false", "FALSE", "off", "OFF"})
MAX_CHARS = 500
VISIBILITIES = ("public", "unlisted", "private", "direct")
_INVALID_TOKEN = {"error": "The access token is invalid"}
_NOT_FOUND = {"error": "Record not found"}
_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"]+[^\s<>\".,:;!?)\]'])"
    r"|(?<![\w/])@(?P<user>[A-Za-z0-9_]+)(?:@(?P<domain>[A-Za-z0-9.-]+[A-Za-z0-9]))?"
    r"|(?<![\w&#])#(?P<tag>\w+)"
)
_WORDS = [
    "release",
    "docs",
    "issue",
    "thanks",
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
    "talk",
    "slides",
    "meetup",
]


def id_key(remote_id: str) -> tuple[int, str]:
    return (len(remote_id), remote_id)


def iso_ms(moment: float) -> str:
    """Mastodon's timestamp format: milliseconds and a Z."""
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class MastodonFake(FakePlatform):
    domain: str = "mastodon.example"
    username: str = "me"
    token: str = "fake-mastodon-token"
    rate_limit: int = 300
    rate_window: float = 300.0
    idempotency_ttl: float = 3600.0
    seed: int = 7
    supports_types: bool = True

    accounts: dict[str, JSON] = field(default_factory=dict)
    #: Stored statuses refer to their author by "account_id"; answers embed the account.
    statuses: dict[str, JSON] = field(default_factory=dict)
    #: {"id", "type", "created_at", "account_id", "status_id"}, oldest first.
    notifications: list[JSON] = field(default_factory=list)
    #: Statuses that exist but are not visible to us any more (notifications show null).
    hidden: set[str] = field(default_factory=set)
    markers: dict[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._last_id = 0
        self._window_start = 0.0
        self._used = 0
        self._idempotency: dict[str, tuple[str, float]] = {}
        self.me = self.add_account(self.username, display_name="Rapport Tester")
        self.tokens: set[str] = {self.token}

    # ---- building data -------------------------------------------------------------------------

    def add_account(
        self,
        username: str,
        domain: str | None = None,
        *,
        display_name: str = "",
        note: str = "",
        fields: list[tuple[str, str, bool]] | None = None,
        bot: bool = False,
    ) -> JSON:
        """An account; `fields` are (name, plain value, verified) and render like Mastodon's."""
        host = domain or self.domain
        acct = username if host == self.domain else f"{username}@{host}"
        for existing in self.accounts.values():
            if existing["acct"] == acct:
                return existing
        account_id = self._new_id()
        account: JSON = {
            "id": account_id,
            "username": username,
            "acct": acct,
            "display_name": display_name,
            "locked": False,
            "bot": bot,
            "discoverable": True,
            "indexable": False,
            "group": False,
            "created_at": iso_ms(self.clock()),
            "note": self.render_html(note) if note else "",
            "url": f"https://{host}/@{username}",
            "uri": f"https://{host}/users/{username}",
            "avatar": f"https://{self.domain}/avatars/original/missing.png",
            "avatar_static": f"https://{self.domain}/avatars/original/missing.png",
            "avatar_description": "",
            "header": f"https://{self.domain}/headers/original/missing.png",
            "header_static": f"https://{self.domain}/headers/original/missing.png",
            "header_description": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": 0,
            "last_status_at": None,
            "hide_collections": None,
            "show_media": True,
            "show_media_replies": True,
            "show_featured": True,
            "noindex": False,
            "feature_approval": {"automatic": [], "manual": [], "current_user": "denied"},
            "emojis": [],
            "roles": [],
            "fields": [
                {
                    "name": name,
                    "value": self.render_html(value, paragraphs=False),
                    "verified_at": iso_ms(self.clock()) if verified else None,
                }
                for name, value, verified in fields or []
            ],
        }
        self.accounts[account_id] = account
        return account

    def add_status(
        self,
        author: JSON | str,
        text: str,
        *,
        in_reply_to: JSON | str | None = None,
        visibility: str = "public",
        spoiler_text: str = "",
        language: str | None = "en",
        quote_of: JSON | str | None = None,
        at: float | None = None,
    ) -> JSON:
        """A status by `author` (an account or its acct); @acct and #tags in `text` become
        mentions and hashtags as Mastodon's formatter makes them."""
        account = self._account(author)
        parent = self.statuses[_id_of(in_reply_to)] if in_reply_to is not None else None
        status_id = self._new_id(at)
        mentions = self._mentions_in(text)
        status: JSON = {
            "id": status_id,
            "created_at": iso_ms(at if at is not None else self.clock()),
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account_id"] if parent else None,
            "sensitive": bool(spoiler_text),
            "spoiler_text": spoiler_text,
            "visibility": visibility,
            "language": language,
            "uri": f"{account['uri']}/statuses/{status_id}",
            "url": f"{account['url']}/{status_id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "quotes_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "content": self.render_html(text),
            "filtered": [],
            "reblog": None,
            "application": {"name": "Web", "website": None},
            "account_id": account["id"],
            "media_attachments": [],
            "mentions": [
                {"id": m["id"], "username": m["username"], "url": m["url"], "acct": m["acct"]}
                for m in mentions
            ],
            "tags": [
                {"name": tag.lower(), "url": f"https://{self.domain}/tags/{tag.lower()}"}
                for tag in re.findall(r"(?<![\w&#])#(\w+)", text)
            ],
            "emojis": [],
            "tagged_collections": [],
            "quote": None,
            "card": None,
            "poll": None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
        }
        if account is self.me:
            status["pinned"] = False  # only our own statuses say whether they are pinned
        if quote_of is not None:
            status["quote"] = {"state": "accepted", "quoted_status_id": _id_of(quote_of)}
        if parent is not None:
            parent["replies_count"] += 1
        account["statuses_count"] += 1
        account["last_status_at"] = status["created_at"][:10]
        self.statuses[status_id] = status
        return status

    def add_boost(self, by: JSON | str, status: JSON | str, *, at: float | None = None) -> JSON:
        """`by` boosts `status`: a status of its own, with no text, whose `reblog` is the boosted
        one (no notification: use `add_reblog` for someone boosting one of ours)."""
        account = self._account(by)
        boosted = self.statuses[_id_of(status)]
        status_id = self._new_id(at)
        boost: JSON = {
            "id": status_id,
            "created_at": iso_ms(at if at is not None else self.clock()),
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": "public",
            "language": None,
            "uri": f"{account['uri']}/statuses/{status_id}/activity",
            "url": None,
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "quotes_count": 0,
            "edited_at": None,
            "favourited": False,
            "reblogged": account is self.me,
            "muted": False,
            "bookmarked": False,
            "content": "",
            "filtered": [],
            "reblog_of_id": boosted["id"],
            "application": None,
            "account_id": account["id"],
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "quote": None,
            "card": None,
            "poll": None,
        }
        boosted["reblogs_count"] += 1
        account["statuses_count"] += 1
        self.statuses[status_id] = boost
        return self.render_status(boost)

    def add_notification(
        self, kind: str, author: JSON | str, status: JSON | None = None, at: float | None = None
    ) -> JSON:
        """A notification for us of any type (mention, quote, favourite, reblog, follow ...)."""
        account = self._account(author)
        notification = {
            "id": self._new_id(at),
            "type": kind,
            "created_at": iso_ms(at if at is not None else self.clock()),
            "account_id": account["id"],
            "status_id": status["id"] if status else None,
        }
        self.notifications.append(notification)
        return self.render_notification(notification)

    def add_mention(
        self,
        author: JSON | str,
        text: str,
        *,
        in_reply_to: JSON | str | None = None,
        visibility: str = "public",
        spoiler_text: str = "",
        at: float | None = None,
    ) -> JSON:
        """Someone mentions us (the text gets our @ if it lacks it); returns the notification."""
        status = self.add_status(
            author,
            self._addressed(text),
            in_reply_to=in_reply_to,
            visibility=visibility,
            spoiler_text=spoiler_text,
            at=at,
        )
        return self.add_notification("mention", author, status, at)

    def add_reply(
        self, author: JSON | str, text: str, *, to: JSON | str | None = None, **options: Any
    ) -> JSON:
        """Someone replies to one of our statuses (a new one unless `to` is given)."""
        parent = to if to is not None else self.add_status(self.me, "A post of mine")
        return self.add_mention(author, text, in_reply_to=parent, **options)

    def add_direct(self, author: JSON | str, text: str, **options: Any) -> JSON:
        return self.add_mention(author, text, visibility="direct", **options)

    def add_quote(self, author: JSON | str, text: str, *, quoted: JSON | str | None = None) -> JSON:
        """Someone quotes one of our statuses (Mastodon 4.5 `quote` notification)."""
        target = quoted if quoted is not None else self.add_status(self.me, "Something I said")
        status = self.add_status(author, text, quote_of=target)
        return self.add_notification("quote", author, status)

    def add_favourite(self, author: JSON | str, status: JSON | None = None) -> JSON:
        return self.add_notification("favourite", author, status or self._own_post())

    def add_reblog(self, author: JSON | str, status: JSON | None = None) -> JSON:
        return self.add_notification("reblog", author, status or self._own_post())

    def add_follow(self, author: JSON | str) -> JSON:
        return self.add_notification("follow", author)

    def add_hidden_mention(self, author: JSON | str, text: str = "gone") -> JSON:
        """A mention whose post we can no longer see: the notification carries status null."""
        notification = self.add_mention(author, text)
        self.hidden.add(notification["status"]["id"])
        notification["status"] = None
        return notification

    def revoke(self) -> None:
        """The user revoked the app's token: every call is refused from now on."""
        self.tokens.clear()

    def populate(
        self, count: int, *, conversations_only: bool = False, answered: float = 0.2
    ) -> list[JSON]:
        """Many notifications shaped like real ones: varied authors with bios and profile
        links, links, hashtags, content warnings, replies, DMs and quotes (and, unless
        `conversations_only`, favourites, boosts and follows). About `answered` of the
        conversations already have a reply of ours, made on the platform (some boosted too)."""
        rng = self._rng
        authors = [self._generated_account(n) for n in range(max(8, count // 5))]
        own_posts = [
            self.add_status(self.me, f"Post {n} about {rng.choice(_WORDS)}") for n in range(20)
        ]
        made = []
        for _ in range(count):
            author = rng.choice(authors)
            roll = rng.random()
            if not conversations_only and roll < 0.35:
                kind = rng.choice(("favourite", "reblog", "follow"))
                status = None if kind == "follow" else rng.choice(own_posts)
                made.append(self.add_notification(kind, author, status))
            elif roll < 0.55:
                made.append(self.add_reply(author, self._sentence(), to=rng.choice(own_posts)))
            elif roll < 0.6:
                made.append(self.add_direct(author, self._sentence()))
            elif roll < 0.65:
                made.append(self.add_quote(author, self._sentence(), quoted=rng.choice(own_posts)))
            else:
                warning = "spoilers" if rng.random() < 0.05 else ""
                made.append(self.add_mention(author, self._sentence(), spoiler_text=warning))
        self._answer_some(made, answered)
        return made

    def _answer_some(self, made: list[JSON], share: float) -> None:
        """Our replies, made outside Rapport, to about `share` of the conversations in `made`.
        A random generator of their own, so the notifications stay what they were."""
        rng = random.Random(self.seed + 1)
        for notification in made:
            status = notification.get("status")
            if notification["type"] not in ("mention", "quote") or not status:
                continue
            if rng.random() >= share:
                continue
            self.add_status(
                self.me,
                f"@{status['account']['acct']} thanks, {rng.choice(_WORDS)} noted",
                in_reply_to=status["id"],
                visibility=status["visibility"],
            )
            if rng.random() < 0.1:
                self.add_boost(self.me, status["id"])

    # ---- rendering (what the API answers) ------------------------------------------------------

    def render_status(self, status: JSON) -> JSON:
        rendered = {k: v for k, v in status.items() if k not in ("account_id", "reblog_of_id")}
        rendered["account"] = self.accounts[status["account_id"]]
        if status.get("reblog_of_id"):
            boosted = self.statuses.get(status["reblog_of_id"])
            rendered["reblog"] = self.render_status(boosted) if boosted else None
        if status.get("quote"):
            quoted = self.statuses.get(status["quote"]["quoted_status_id"])
            rendered["quote"] = {
                "state": "accepted",
                "quoted_status": self.render_status(quoted) if quoted else None,
            }
        return _copy(rendered)

    def render_notification(self, notification: JSON) -> JSON:
        status_id = notification["status_id"]
        status = None
        if status_id and status_id not in self.hidden and status_id in self.statuses:
            status = self.render_status(self.statuses[status_id])
        return {
            "id": notification["id"],
            "type": notification["type"],
            "created_at": notification["created_at"],
            "group_key": f"ungrouped-{notification['id']}",
            "account": _copy(self.accounts[notification["account_id"]]),
            "status": status,
        }

    def render_html(self, text: str, *, paragraphs: bool = True) -> str:
        """Plain text as Mastodon's formatter renders it."""
        blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b] or [""]
        rendered = [
            "<br />".join(self._render_line(line) for line in b.split("\n")) for b in blocks
        ]
        if not paragraphs:
            return "".join(rendered)
        return "".join(f"<p>{block}</p>" for block in rendered)

    def _render_line(self, line: str) -> str:
        out: list[str] = []
        position = 0
        for match in _TOKEN.finditer(line):
            out.append(html.escape(line[position : match.start()], quote=False))
            out.append(self._render_token(match))
            position = match.end()
        out.append(html.escape(line[position:], quote=False))
        return "".join(out)

    def _render_token(self, match: re.Match[str]) -> str:
        if match.group("url"):
            return link_html(match.group("url"))
        if match.group("tag"):
            tag = match.group("tag")
            return (
                f'<a href="https://{self.domain}/tags/{tag.lower()}" class="mention hashtag" '
                f'rel="tag">#<span>{html.escape(tag)}</span></a>'
            )
        account = self._find_account(match.group("user"), match.group("domain"))
        if account is None:
            return html.escape(match.group(0), quote=False)
        return (
            f'<span class="h-card" translate="no"><a href="{account["url"]}" '
            f'class="u-url mention">@<span>{html.escape(account["username"])}</span></a></span>'
        )

    # ---- the API -------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        return [
            Route("/api/v1/accounts/verify_credentials", self._verify_credentials),
            Route("/api/v1/notifications", self._list_notifications),
            Route("/api/v1/accounts/{id}/statuses", self._account_statuses),
            Route("/api/v1/statuses", self._create_status, methods=["POST"]),
            Route("/api/v1/statuses/{id}", self._get_status),
            Route("/api/v1/statuses/{id}/context", self._context),
            Route("/api/v1/markers", self._markers, methods=["GET", "POST"]),
        ]

    async def _verify_credentials(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        account = dict(self.me)
        account["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": "en",
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
        }
        account["role"] = {
            "id": "-99",
            "name": "",
            "permissions": "0",
            "color": "",
            "highlighted": False,
        }
        return self._json(account)

    async def _list_notifications(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        query = request.query_params
        try:
            limit = min(MAX_LIMIT, max(1, int(query.get("limit", DEFAULT_LIMIT))))
        except ValueError:
            return self._json({"error": "limit is not a number"}, 400)
        types = query.getlist("types[]") if self.supports_types else []
        chosen = self._filtered(types, query.getlist("exclude_types[]"))
        page = self._window(chosen, query, limit)
        headers = {}
        link = self._link(request, page)
        if link:
            headers["Link"] = link
        return self._json([self.render_notification(n) for n in page], headers=headers)

    async def _account_statuses(self, request: Request) -> Response:
        # A public method: without a token it answers anonymously, but a token it is given
        # must be valid.
        if "authorization" in request.headers:
            refused = self._admit(request)
            if refused:
                return refused
            viewer: JSON | None = self.me
        else:
            if self._count_request():
                return self._json({"error": "Too many requests"}, 429, remaining=0)
            viewer = None
        account = self.accounts.get(request.path_params["id"])
        if account is None:
            return self._json(_NOT_FOUND, 404)
        query = request.query_params
        try:
            wanted = abs(int(query.get("limit", STATUSES_LIMIT)))
        except ValueError:
            return self._json({"error": "limit is not a number"}, 400)
        limit = min(wanted, MAX_STATUSES_LIMIT)
        chosen = self._statuses_of(account, viewer is account, query)
        page = self._window(chosen, query, limit) if limit else []
        headers = {}
        link = self._link(request, page, older=len(page) == limit)
        if link:
            headers["Link"] = link
        return self._json([self.render_status(s) for s in page], headers=headers)

    def _statuses_of(self, account: JSON, by_owner: bool, query: Any) -> list[JSON]:
        """An account's statuses as the listing filters them, newest first."""
        visible = VISIBILITIES if by_owner else ("public", "unlisted")
        no_reblogs = _flag(query.get("exclude_reblogs"))
        no_replies = _flag(query.get("exclude_replies"))
        only_media = _flag(query.get("only_media"))
        pinned = _flag(query.get("pinned"))
        tagged = (query.get("tagged") or "").lower()
        chosen = []
        for status in self.statuses.values():
            if status["account_id"] != account["id"] or status["id"] in self.hidden:
                continue
            if status["visibility"] not in visible:
                continue
            if no_reblogs and status.get("reblog_of_id"):
                continue
            # Mastodon keeps replies to oneself (threads) when replies are excluded.
            if (
                no_replies
                and status["in_reply_to_id"]
                and (status["in_reply_to_account_id"] != account["id"])
            ):
                continue
            if only_media and not status["media_attachments"]:
                continue
            if pinned and not status.get("pinned"):
                continue
            if tagged and tagged not in {t["name"] for t in status["tags"]}:
                continue
            chosen.append(status)
        return sorted(chosen, key=lambda s: id_key(s["id"]), reverse=True)

    async def _get_status(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        status = self._visible(request.path_params["id"])
        if status is None:
            return self._json(_NOT_FOUND, 404)
        return self._json(self.render_status(status))

    async def _context(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        status = self._visible(request.path_params["id"])
        if status is None:
            return self._json(_NOT_FOUND, 404)
        ancestors = []
        parent_id = status["in_reply_to_id"]
        while parent_id and parent_id in self.statuses:
            ancestors.append(self.statuses[parent_id])
            parent_id = self.statuses[parent_id]["in_reply_to_id"]
        ancestors.reverse()
        return self._json(
            {
                "ancestors": [self.render_status(s) for s in ancestors],
                "descendants": [self.render_status(s) for s in self._descendants(status["id"])],
            }
        )

    async def _create_status(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        params = await _params(request)
        key = request.headers.get("idempotency-key")
        if key:
            remembered = self._idempotency.get(key)
            if remembered and self.clock() - remembered[1] < self.idempotency_ttl:
                return self._json(self.render_status(self.statuses[remembered[0]]))
        text = str(params.get("status") or "")
        visibility = str(params.get("visibility") or "public")
        if not text.strip():
            return self._json({"error": "Validation failed: Text can't be blank"}, 422)
        if len(text) > MAX_CHARS:
            return self._json(
                {"error": f"Validation failed: Text character limit of {MAX_CHARS} exceeded"}, 422
            )
        if visibility not in VISIBILITIES:
            return self._json({"error": "Validation failed: Visibility is not included"}, 422)
        reply_to = params.get("in_reply_to_id")
        if reply_to and self._visible(str(reply_to)) is None:
            return self._json(_NOT_FOUND, 404)
        status = self.add_status(
            self.me,
            text,
            in_reply_to=str(reply_to) if reply_to else None,
            visibility=visibility,
            spoiler_text=str(params.get("spoiler_text") or ""),
            language=str(params.get("language") or "en"),
        )
        if key:
            self._idempotency[key] = (status["id"], self.clock())
        return self._json(self.render_status(status))

    async def _markers(self, request: Request) -> Response:
        refused = self._admit(request)
        if refused:
            return refused
        if request.method == "GET":
            wanted = request.query_params.getlist("timeline[]")
            return self._json({k: v for k, v in self.markers.items() if k in wanted})
        params = await _params(request)
        for timeline in ("home", "notifications"):
            last_read = _marker_param(params, timeline)
            if last_read is None:
                continue
            previous = self.markers.get(timeline, {"version": 0})
            self.markers[timeline] = {
                "last_read_id": last_read,
                "version": previous["version"] + 1,
                "updated_at": iso_ms(self.clock()),
            }
        return self._json(self.markers)

    # ---- paging --------------------------------------------------------------------------------

    def _filtered(self, types: list[str], exclude: list[str]) -> list[JSON]:
        chosen = [
            n
            for n in self.notifications
            if (not types or n["type"] in types) and n["type"] not in exclude
        ]
        return sorted(chosen, key=lambda n: id_key(n["id"]), reverse=True)

    @staticmethod
    def _window(newest_first: list[JSON], query: Any, limit: int) -> list[JSON]:
        max_id, since_id, min_id = query.get("max_id"), query.get("since_id"), query.get("min_id")
        chosen = newest_first
        if max_id:
            chosen = [n for n in chosen if id_key(n["id"]) < id_key(max_id)]
        if since_id:
            chosen = [n for n in chosen if id_key(n["id"]) > id_key(since_id)]
        if min_id:
            # The oldest `limit` above min_id, answered newest first like every page.
            above = [n for n in chosen if id_key(n["id"]) > id_key(min_id)]
            return above[-limit:]
        return chosen[:limit]

    @staticmethod
    def _link(request: Request, page: list[JSON], *, older: bool = True) -> str:
        """`rel="next"` (older, max_id) unless `older` is False, and `rel="prev"` (newer,
        min_id), for a page that is not empty."""
        if not page:
            return ""
        base = str(request.url.replace(query="")).rstrip("/")
        kept = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k not in ("max_id", "min_id", "since_id")
        ]
        newer = urlencode([("min_id", page[0]["id"]), *kept])
        prev = f'<{base}?{newer}>; rel="prev"'
        if not older:
            return prev
        below = urlencode([("max_id", page[-1]["id"]), *kept])
        return f'<{base}?{below}>; rel="next", {prev}'

    def _descendants(self, status_id: str) -> list[JSON]:
        children = sorted(
            (s for s in self.statuses.values() if s["in_reply_to_id"] == status_id),
            key=lambda s: id_key(s["id"]),
        )
        found: list[JSON] = []
        for child in children:
            found.append(child)
            found.extend(self._descendants(child["id"]))
        return found

    # ---- auth, rate limits, answers ------------------------------------------------------------

    def _admit(self, request: Request) -> Response | None:
        """The token check and the rate limit every route shares (None: go ahead)."""
        spent = self._count_request()
        if spent:
            return self._json({"error": "Too many requests"}, 429, remaining=0)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token not in self.tokens:
            return self._json(_INVALID_TOKEN, 401)
        return None

    def _count_request(self) -> bool:
        now = self.clock()
        start = now - now % self.rate_window
        if start != self._window_start:
            self._window_start, self._used = start, 0
        self._used += 1
        return self._used > self.rate_limit

    def _rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        left = max(0, self.rate_limit - self._used) if remaining is None else remaining
        reset = datetime.fromtimestamp(self._window_start + self.rate_window, UTC)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }

    def _json(
        self,
        body: Any,
        status: int = 200,
        *,
        headers: dict[str, str] | None = None,
        remaining: int | None = None,
    ) -> Response:
        return JSONResponse(
            body,
            status,
            headers={**self._rate_headers(remaining), **(headers or {})},
            media_type="application/json; charset=utf-8",
        )

    def rate_limit_response(self, fault: Fault) -> Response:
        reset = datetime.fromtimestamp(self.clock() + fault.seconds, UTC)
        return JSONResponse(
            {"error": "Too many requests"},
            429,
            headers={
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            },
        )

    def expired_token_response(self) -> Response:
        # Mastodon tokens do not expire; a dead token is refused like a wrong one.
        return self._json(_INVALID_TOKEN, 401)

    # ---- small helpers -------------------------------------------------------------------------

    def _new_id(self, at: float | None = None) -> str:
        """A snowflake-like id: milliseconds << 16, kept strictly increasing."""
        moment = self.clock() if at is None else at
        candidate = int(moment * 1000) << 16
        self._last_id = max(self._last_id + 1, candidate)
        return str(self._last_id)

    def _account(self, who: JSON | str) -> JSON:
        if isinstance(who, dict):
            return self.accounts[who["id"]]
        if who in self.accounts:
            return self.accounts[who]
        user, _, domain = who.lstrip("@").partition("@")
        found = self._find_account(user, domain or None)
        if found is None:
            return self.add_account(user, domain or None)
        return found

    def _find_account(self, username: str, domain: str | None) -> JSON | None:
        acct = username if domain in (None, self.domain) else f"{username}@{domain}"
        for account in self.accounts.values():
            if account["acct"].lower() == acct.lower():
                return account
        return None

    def _mentions_in(self, text: str) -> list[JSON]:
        found: list[JSON] = []
        for match in _TOKEN.finditer(text):
            if match.group("user"):
                account = self._find_account(match.group("user"), match.group("domain"))
                if account is not None and account not in found:
                    found.append(account)
        return found

    def _addressed(self, text: str) -> str:
        mine = f"@{self.username}"
        return text if mine in text else f"{mine} {text}"

    def _visible(self, status_id: str) -> JSON | None:
        if status_id in self.hidden:
            return None
        return self.statuses.get(status_id)

    def _own_post(self) -> JSON:
        return self.add_status(self.me, "Something worth a star")

    def _generated_account(self, n: int) -> JSON:
        rng = self._rng
        domain = rng.choice([self.domain, "fosstodon.example", "hachyderm.example"])
        return self.add_account(
            f"user{n}",
            domain,
            display_name=f"User {n} 🐘" if n % 3 else "",
            note=f"Maintainer of thing{n}. Writes about {rng.choice(_WORDS)} "
            f"at https://blog{n}.example/posts #{rng.choice(_WORDS)}",
            fields=[("Website", f"https://www.site{n}.example/about/me", n % 2 == 0)],
        )

    def _sentence(self) -> str:
        rng = self._rng
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 24))]
        if rng.random() < 0.4:
            words.insert(
                rng.randint(0, len(words)),
                f"https://www.example.com/{rng.choice(_WORDS)}/"
                f"{rng.randint(1000, 99999)}/a-rather-long-path-segment",
            )
        if rng.random() < 0.3:
            words.append(f"#{rng.choice(_WORDS)}")
        if rng.random() < 0.2:
            words.insert(len(words) // 2, "\n")
        text = " ".join(words)
        return text + ("?" if rng.random() < 0.3 else ".")


def link_html(url: str) -> str:
    """A link as Mastodon renders it: scheme (and www.) invisible, 30 visible characters, the
    rest invisible behind an ellipsis."""
    prefix_match = re.match(r"https?://(?:www\.)?", url)
    prefix = prefix_match.group(0) if prefix_match else ""
    rest = url[len(prefix) :]
    shown, hidden = rest[:30], rest[30:]
    return (
        f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{html.escape(prefix)}</span>'
        f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
        f'<span class="invisible">{html.escape(hidden)}</span></a>'
    )


def _copy(value: JSON) -> JSON:
    """A deep copy, so what an answer carries cannot change the fake's data."""
    copied: JSON = json.loads(json.dumps(value))
    return copied


def _id_of(status: JSON | str | None) -> str:
    if isinstance(status, dict):
        return str(status["id"])
    return str(status)


async def _params(request: Request) -> dict[str, Any]:
    """The body's parameters, JSON or form-encoded (Mastodon takes both)."""
    body = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(body.decode("utf-8", "replace")))


def _flag(value: str | None) -> bool:
    """A boolean query parameter as Rails reads it (absent is false)."""
    return value is not None and value not in _FALSE


def _marker_param(params: dict[str, Any], timeline: str) -> str | None:
    nested = params.get(timeline)
    if isinstance(nested, dict) and nested.get("last_read_id"):
        return str(nested["last_read_id"])
    flat = params.get(f"{timeline}[last_read_id]")
    return str(flat) if flat else None
