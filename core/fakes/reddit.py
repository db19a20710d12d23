"""A local Reddit that speaks the OAuth API the connector uses, from seeded in-memory data.

What it does like the real one:
- POST /api/v1/access_token: HTTP Basic with the app's client id and secret (401
  `{"message": "Unauthorized", "error": 401}` otherwise), form grant_type=password with the
  account's username and password (`{"error": "invalid_grant"}` in a 200 otherwise); bearer
  tokens expire after `token_lifetime` seconds of the fake's clock (401 with
  `WWW-Authenticate: Bearer realm="reddit", error="invalid_token"`);
- refuses generic User-Agents with a 429, as Reddit does;
- counts requests in a 600-second window and sends `X-Ratelimit-Used`, `X-Ratelimit-Remaining`
  (a float) and `X-Ratelimit-Reset` (seconds until the window ends); 429 once it is spent;
- listings `{"kind": "Listing", "data": {after, before, dist, modhash, geo_filter, children}}`
  newest first, paged by fullname with `after`/`before`/`limit` (at most 100); an anchor that
  no longer exists gives an empty listing; without raw_json=1 text is HTML-escaped;
- inbox children shaped like a recorded /message/inbox answer (t1 without link_id, with
  `context`, `type`, `new` ...; t4 private messages);
- POST /api/comment (api_type=json) reports failures inside a 200 body
  (`{"json": {"errors": [["RATELIMIT", "...", "ratelimit"]]}}`), creates the comment and answers
  `json.data.things[0]`; the new comment shows in /user/<name>/comments and in threads (a reply
  to a private message is a message: it shows in /message/sent);
- GET /user/<name>/comments: the user's comments newest first (`sort=new`, the default; the
  fake keeps that order for the other sorts too), children shaped like Reddit's (link_title,
  link_author, link_permalink, link_url, parent_id, permalink ...), 404 for an unknown user;
  GET /message/sent: the messages we sent, newest first, with parent_id and
  first_message_name;

Tests and the demo build the data with `add_comment_reply`, `add_post_reply`, `add_mention`,
`add_message`, `add_comment` (ours too, with author=<our username>) (or `populate` for many)
and shape failures with `inject(Fault(...))`, `queue_comment_error`, `lock` and `delete`.
"""

from __future__ import annotations

import base64
import html
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.fakes.base import FakePlatform, Fault

JSON = dict[str, Any]

# body_html is what Reddit renders from the Markdown body (the connector never reads it).
_MARKDOWN_HTML = MarkdownIt("commonmark")
WINDOW_SECONDS = 600.0
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
# Reddit blocks the default User-Agents of HTTP libraries.
_GENERIC_AGENTS = ("python-httpx", "python-requests", "python-urllib", "curl/")


def to36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


@dataclass
class RedditFake(FakePlatform):
    client_id: str = "fake-client-id"
    client_secret: str = "fake-client-secret"
    username: str = "rapport_user"
    password: str = "correct horse battery staple"
    token_lifetime: int = 3600
    window_limit: int = 1000
    seed: int = 7

    # ---- state (filled in __post_init__) -------------------------------------------------------
    things: dict[str, JSON] = field(default_factory=dict)
    #: Our inbox: fullname -> {"type": ..., "new": bool}, in no particular order.
    inbox: dict[str, JSON] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    comment_errors: deque[list[str]] = field(default_factory=deque)
    locked: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)
    #: Fields left out when a thing is served (to test answers with missing fields).
    dropped: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._next_id = 1_600_000_000
        self._sequence = 0
        self._last_created = 0.0
        self._window_start = 0.0
        self._used = 0
        self.me = self.add_user(self.username)

    # ---- building data -------------------------------------------------------------------------

    def add_user(self, name: str) -> str:
        if name not in self.users:
            self.users[name] = f"t2_{self._new_id()}"
        return self.users[name]

    def add_post(
        self,
        author: str,
        title: str,
        *,
        subreddit: str = "rapport_test",
        selftext: str = "",
        created: float | None = None,
    ) -> str:
        id36 = self._new_id()
        slug = "_".join(title.lower().split())[:40] or "post"
        data = self._base(author, f"t3_{id36}", id36, created)
        data.update(
            kind="t3",
            title=title,
            selftext=selftext,
            subreddit=subreddit,
            permalink=f"/r/{subreddit}/comments/{id36}/{slug}/",
            num_comments=0,
            locked=False,
        )
        self.things[data["name"]] = data
        return str(data["name"])

    def add_comment(
        self, author: str, parent: str, body: str, *, created: float | None = None
    ) -> str:
        """A comment under `parent` (t3_ or t1_); lands in our inbox when it answers us or
        mentions u/<our username>."""
        parent_data = self.things[parent]
        link = parent_data["name"] if parent.startswith("t3_") else parent_data["link_id"]
        post = self.things[link]
        id36 = self._new_id()
        data = self._base(author, f"t1_{id36}", id36, created)
        data.update(
            kind="t1",
            body=body,
            parent_id=parent,
            link_id=link,
            subreddit=post["subreddit"],
            permalink=f"{post['permalink']}{id36}/",
        )
        self.things[data["name"]] = data
        post["num_comments"] += 1
        if author != self.username:
            self._deliver(data, parent_data)
        return str(data["name"])

    def add_comment_reply(
        self, author: str, body: str, *, to: str | None = None, created: float | None = None
    ) -> str:
        """Someone answers one of our comments (a new one, on a new post, unless `to`)."""
        if to is None:
            post = self.add_post(author, "A thread we took part in", created=created)
            to = self.add_comment(self.username, post, "Our earlier comment", created=created)
        return self.add_comment(author, to, body, created=created)

    def add_post_reply(
        self, author: str, body: str, *, post: str | None = None, created: float | None = None
    ) -> str:
        """Someone comments on one of our posts (a new one unless `post`)."""
        if post is None:
            post = self.add_post(self.username, "Our post", selftext="What do you think?")
        return self.add_comment(author, post, body, created=created)

    def add_mention(self, author: str, body: str = "", *, created: float | None = None) -> str:
        """Someone mentions u/<us> in a comment on a post that is not ours."""
        post = self.add_post(author, "Somebody else's post", created=created)
        text = body or f"I think u/{self.username} knows the answer."
        if f"u/{self.username}".lower() not in text.lower():
            text = f"{text} u/{self.username}"
        return self.add_comment(author, post, text, created=created)

    def add_message(
        self,
        author: str,
        body: str,
        *,
        subject: str = "hello",
        reply_to: str | None = None,
        to: str | None = None,
        created: float | None = None,
    ) -> str:
        """A private message (t4) to us, or from us when author is our username."""
        id36 = self._new_id()
        data = self._base(author, f"t4_{id36}", id36, created)
        first = self.things[reply_to]["first_message_name"] or reply_to if reply_to else None
        data.update(
            kind="t4",
            body=body,
            subject=subject if reply_to is None else f"re: {self.things[reply_to]['subject']}",
            parent_id=reply_to,
            first_message_name=first,
            dest=to or (self.username if author != self.username else "someone"),
        )
        self.things[data["name"]] = data
        if author != self.username:
            self.inbox[data["name"]] = {"type": "unknown", "new": True}
        return str(data["name"])

    def delete(self, fullname: str) -> None:
        """Gone from every listing (a deleted anchor makes Reddit answer empty listings)."""
        self.things.pop(fullname, None)
        self.inbox.pop(fullname, None)

    def drop_field(self, fullname: str, name: str) -> None:
        """Serve `fullname` without its field `name` (a malformed answer) in the inbox, our
        comments and our sent messages."""
        self.dropped.setdefault(fullname, set()).add(name)

    def lock(self, link: str) -> None:
        self.locked.add(link)

    def queue_comment_error(self, code: str, message: str, field_name: str = "") -> None:
        """The next POST /api/comment answers this error inside an HTTP 200 body."""
        self.comment_errors.append([code, message, field_name])

    def ratelimit_comment(self, minutes: int = 5) -> None:
        self.queue_comment_error(
            "RATELIMIT",
            f"Looks like you've been doing that a lot. Take a break for {minutes} minutes "
            "before trying again.",
            "ratelimit",
        )

    def populate(
        self, count: int, *, start: float | None = None, answered: float = 0.2
    ) -> list[str]:
        """`count` inbox items of every kind, seeded, one to 600 seconds apart going back from
        `start` (default: the fake's clock). Returns their fullnames, newest first. About
        `answered` of them already have a reply of ours, made on the platform."""
        rng = self._rng
        moment = self.clock() if start is None else start
        top = moment
        authors = [f"{rng.choice(_NAMES)}_{n}" for n in range(max(5, count // 20))]
        made: list[str] = []
        for _ in range(count):
            author = rng.choice(authors)
            body = _body(rng)
            roll = rng.random()
            if roll < 0.55:
                made.append(self.add_comment_reply(author, body, created=moment))
            elif roll < 0.75:
                made.append(self.add_post_reply(author, body, created=moment))
            elif roll < 0.9:
                made.append(self.add_mention(author, body, created=moment))
            else:
                made.append(self.add_message(author, body, subject="a question", created=moment))
            moment -= rng.randint(1, 600)
        self._answer_some(made, answered, top)
        return made

    def _answer_some(self, made: list[str], share: float, latest: float) -> None:
        """Our replies, made outside Rapport, to about `share` of the inbox items in `made`,
        a little after each (never after `latest`). A random generator of their own, so the
        inbox stays what it was."""
        rng = random.Random(self.seed + 1)
        for name in made:
            if rng.random() >= share:
                continue
            thing = self.things[name]
            when = min(
                thing["created_utc"] + rng.randint(1, 600), max(latest, thing["created_utc"])
            )
            body = rng.choice(_PLAIN)
            if name.startswith("t4_"):
                self.add_message(
                    self.username, body, reply_to=name, to=thing["author"], created=when
                )
            else:
                self.add_comment(self.username, name, body, created=when)

    def inbox_children(self, *, raw_json: bool = True) -> list[JSON]:
        """The inbox as /message/inbox serves it, newest first (for benchmarks and the demo)."""
        return [self._inbox_child(name, raw_json) for name in self._inbox_order()]

    # ---- platform-shaped errors ----------------------------------------------------------------

    def rate_limit_response(self, fault: Fault) -> Response:
        headers = {
            "x-ratelimit-used": str(self.window_limit),
            "x-ratelimit-remaining": "0.0",
            "x-ratelimit-reset": str(int(fault.seconds)),
        }
        return JSONResponse(
            {"message": "Too Many Requests", "error": 429}, status_code=429, headers=headers
        )

    def expired_token_response(self) -> Response:
        return _unauthorized()

    # ---- routes --------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        table: list[tuple[str, Any, str]] = [
            ("/api/v1/access_token", self._access_token, "POST"),
            ("/api/v1/me", self._api(self._me), "GET"),
            ("/message/inbox", self._api(self._inbox), "GET"),
            ("/message/sent", self._api(self._sent), "GET"),
            ("/message/messages/{id36}", self._api(self._conversation), "GET"),
            ("/comments/{article}", self._api(self._thread), "GET"),
            ("/user/{name}/comments", self._api(self._user_comments), "GET"),
            ("/api/comment", self._api(self._comment), "POST"),
            ("/api/read_message", self._api(self._read_message), "POST"),
        ]
        routes: list[Route] = []
        for path, endpoint, method in table:
            # Reddit answers with and without the trailing slash (PRAW sends one).
            routes.append(Route(path, endpoint, methods=[method]))
            routes.append(Route(path + "/", endpoint, methods=[method]))
        return routes

    async def _access_token(self, request: Request) -> Response:
        if not self._basic_auth_ok(request.headers.get("authorization", "")):
            return JSONResponse({"message": "Unauthorized", "error": 401}, status_code=401)
        form = await _form(request)
        if form.get("grant_type") != "password":
            return JSONResponse({"error": "unsupported_grant_type"})
        if form.get("username") != self.username or form.get("password") != self.password:
            return JSONResponse({"error": "invalid_grant"})
        token = f"{self._new_id()}-{self._rng.getrandbits(64):016x}"
        self.tokens[token] = self.clock() + self.token_lifetime
        body = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": self.token_lifetime,
            "scope": "*",
        }
        return JSONResponse(body, headers=self._rate_headers())

    def _api(self, endpoint: Any) -> Any:
        """Wrap an endpoint with Reddit's checks: User-Agent, bearer token, rate window."""

        async def checked(request: Request) -> Response:
            agent = request.headers.get("user-agent", "")
            if not agent or agent.lower().startswith(_GENERIC_AGENTS):
                return JSONResponse({"message": "Too Many Requests", "error": 429}, 429)
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            expires = self.tokens.get(token)
            if scheme.lower() != "bearer" or expires is None or self.clock() >= expires:
                return _unauthorized()
            if not self._count_request():
                return JSONResponse(
                    {"message": "Too Many Requests", "error": 429},
                    status_code=429,
                    headers=self._rate_headers(),
                )
            response: Response = await endpoint(request)
            response.headers.update(self._rate_headers())
            return response

        return checked

    async def _me(self, request: Request) -> Response:
        return JSONResponse(
            {
                "name": self.username,
                "id": self.me.removeprefix("t2_"),
                "created_utc": 1_500_000_000.0,
                "has_verified_email": True,
                "is_suspended": False,
                "link_karma": 1,
                "comment_karma": 42,
                "icon_img": "",
            }
        )

    async def _inbox(self, request: Request) -> Response:
        raw = request.query_params.get("raw_json") == "1"
        names = self._inbox_order()
        return self._listing(request, names, lambda name: self._inbox_child(name, raw))

    async def _sent(self, request: Request) -> Response:
        raw = request.query_params.get("raw_json") == "1"
        names = [
            name
            for name in self._sorted(n for n in self.things if n.startswith("t4_"))
            if self.things[name]["author"] == self.username
        ]
        return self._listing(
            request, names, lambda name: self._dropping(self._message_child(name, raw))
        )

    async def _user_comments(self, request: Request) -> Response:
        raw = request.query_params.get("raw_json") == "1"
        author = request.path_params["name"]
        if author not in self.users:
            return JSONResponse({"message": "Not Found", "error": 404}, status_code=404)
        names = [
            name
            for name in self._sorted(n for n in self.things if n.startswith("t1_"))
            if self.things[name]["author"] == author
        ]
        return self._listing(
            request, names, lambda name: self._dropping(self._user_comment_child(name, raw))
        )

    async def _conversation(self, request: Request) -> Response:
        raw = request.query_params.get("raw_json") == "1"
        root = f"t4_{request.path_params['id36']}"
        if root not in self.things:
            return JSONResponse({"message": "Not Found", "error": 404}, status_code=404)
        replies = [
            name
            for name in self._sorted(n for n in self.things if n.startswith("t4_"))
            if self.things[name]["first_message_name"] == root
        ]
        child = self._message_child(root, raw)
        if replies:
            child["data"]["replies"] = _listing_body(
                [self._message_child(name, raw) for name in reversed(replies)], None, None
            )
        return JSONResponse(_listing_body([child], None, None))

    async def _thread(self, request: Request) -> Response:
        raw = request.query_params.get("raw_json") == "1"
        link = f"t3_{request.path_params['article']}"
        if link not in self.things:
            return JSONResponse({"message": "Not Found", "error": 404}, status_code=404)
        focus = request.query_params.get("comment")
        context = min(int(request.query_params.get("context", "0") or 0), 8)
        post = _listing_body([self._post_child(link, raw)], None, None)
        if focus is None:
            tops = [n for n in self._sorted(self.things) if self.things[n].get("parent_id") == link]
            return JSONResponse(
                [post, _listing_body([self._tree(n, raw) for n in tops], None, None)]
            )
        target = f"t1_{focus}"
        if target not in self.things or self.things[target]["link_id"] != link:
            return JSONResponse([post, _listing_body([], None, None)])
        chain = [target]
        while len(chain) <= context and self.things[chain[0]]["parent_id"].startswith("t1_"):
            chain.insert(0, self.things[chain[0]]["parent_id"])
        return JSONResponse([post, _listing_body([self._chain(chain, raw)], None, None)])

    async def _comment(self, request: Request) -> Response:
        form = await _form(request)
        if form.get("api_type") != "json":
            # Without api_type=json Reddit answers in its old jQuery format.
            return JSONResponse({"jquery": [[0, 1, "call", ["body"]]], "success": False})
        if self.comment_errors:
            return _errors(self.comment_errors.popleft())
        text = str(form.get("text") or "")
        parent = str(form.get("thing_id") or "")
        if not text.strip():
            return _errors(["NO_TEXT", "we need something here", "text"])
        if parent not in self.things:
            return _errors(["DELETED_COMMENT", "that comment has been deleted", "parent"])
        parent_data = self.things[parent]
        if parent.startswith("t4_"):
            name = self.add_message(self.username, text, reply_to=parent, to=parent_data["author"])
            return _created(self._message_child(name, raw=True))
        link = parent if parent.startswith("t3_") else parent_data["link_id"]
        if link in self.locked:
            return _errors(["THREAD_LOCKED", "Comments are locked.", "parent"])
        name = self.add_comment(self.username, parent, text)
        return _created(self._comment_child(name, raw=True))

    async def _read_message(self, request: Request) -> Response:
        form = await _form(request)
        for name in str(form.get("id") or "").split(","):
            if name.strip() in self.inbox:
                self.inbox[name.strip()]["new"] = False
        return JSONResponse({})

    # ---- listings and shapes -------------------------------------------------------------------

    def _listing(self, request: Request, names: list[str], render: Any) -> Response:
        """Reddit's fullname paging over `names` (newest first)."""
        params = request.query_params
        try:
            limit = max(1, min(MAX_LIMIT, int(params.get("limit", DEFAULT_LIMIT))))
        except ValueError:
            limit = DEFAULT_LIMIT
        after, before = params.get("after"), params.get("before")
        if after:
            if after not in names:
                return JSONResponse(_listing_body([], None, None))
            start = names.index(after) + 1
            window = names[start : start + limit]
        elif before:
            if before not in names:
                return JSONResponse(_listing_body([], None, None))
            end = names.index(before)
            start = max(0, end - limit)
            window = names[start:end]
        else:
            start = 0
            window = names[:limit]
        more_below = start + len(window) < len(names)
        more_above = start > 0
        children = [render(name) for name in window]
        return JSONResponse(
            _listing_body(
                children,
                window[-1] if window and more_below else None,
                window[0] if window and more_above else None,
            )
        )

    def _inbox_order(self) -> list[str]:
        return self._sorted(name for name in self.inbox if name in self.things)

    def _sorted(self, names: Any) -> list[str]:
        """Newest first, ties broken by creation order (as Reddit's listings are stable)."""
        return sorted(
            names,
            key=lambda n: (self.things[n]["created_utc"], self.things[n]["_seq"]),
            reverse=True,
        )

    def _inbox_child(self, name: str, raw: bool) -> JSON:
        return self._dropping(self._inbox_shape(name, raw))

    def _dropping(self, child: JSON) -> JSON:
        """`child` without the fields `drop_field` asked to leave out."""
        for key in self.dropped.get(child["data"]["name"], ()):
            child["data"].pop(key, None)
        return child

    def _inbox_shape(self, name: str, raw: bool) -> JSON:
        if name.startswith("t4_"):
            child = self._message_child(name, raw)
            child["data"]["new"] = self.inbox[name]["new"]
            return child
        data = self.things[name]
        entry = self.inbox[name]
        post = self.things[data["link_id"]]
        subject = entry["type"].replace("_", " ")
        return {
            "kind": "t1",
            "data": {
                "first_message": None,
                "first_message_name": None,
                "subreddit": data["subreddit"],
                "likes": None,
                "replies": "",
                "author_fullname": self.users[data["author"]],
                "id": data["id"],
                "subject": subject,
                "associated_awarding_id": None,
                "score": 1,
                "author": data["author"],
                "num_comments": post["num_comments"],
                "parent_id": data["parent_id"],
                "subreddit_name_prefixed": f"r/{data['subreddit']}",
                "new": entry["new"],
                "type": entry["type"],
                "body": _text(data["body"], raw),
                "link_title": _text(post["title"], raw),
                "dest": self.username,
                "was_comment": True,
                "body_html": _body_html(data["body"], raw),
                "name": name,
                "created": data["created_utc"],
                "created_utc": data["created_utc"],
                "context": f"{data['permalink']}?context=3",
                "distinguished": None,
            },
        }

    def _message_child(self, name: str, raw: bool) -> JSON:
        data = self.things[name]
        return {
            "kind": "t4",
            "data": {
                "first_message": None
                if not data["first_message_name"]
                else int(data["first_message_name"][3:], 36),
                "first_message_name": data["first_message_name"],
                "subreddit": None,
                "likes": None,
                "replies": "",
                "author_fullname": self.users.get(data["author"]),
                "id": data["id"],
                "subject": _text(data["subject"], raw),
                "associated_awarding_id": None,
                "score": 0,
                "author": data["author"],
                "num_comments": None,
                "parent_id": data["parent_id"],
                "subreddit_name_prefixed": None,
                "new": self.inbox.get(name, {}).get("new", False),
                "type": "unknown",
                "body": _text(data["body"], raw),
                "dest": data["dest"],
                "was_comment": False,
                "body_html": _body_html(data["body"], raw),
                "name": name,
                "created": data["created_utc"],
                "created_utc": data["created_utc"],
                "context": "",
                "distinguished": None,
            },
        }

    def _comment_child(self, name: str, raw: bool) -> JSON:
        data = self.things[name]
        return {
            "kind": "t1",
            "data": {
                "subreddit_id": "t5_2qh1i",
                "link_id": data["link_id"],
                "replies": "",
                "id": data["id"],
                "author": data["author"],
                "author_fullname": self.users[data["author"]],
                "parent_id": data["parent_id"],
                "score": 1,
                "body": _text(data["body"], raw),
                "body_html": _body_html(data["body"], raw),
                "name": name,
                "is_submitter": data["author"] == self.things[data["link_id"]]["author"],
                "permalink": data["permalink"],
                "locked": False,
                "created": data["created_utc"],
                "created_utc": data["created_utc"],
                "subreddit": data["subreddit"],
                "subreddit_name_prefixed": f"r/{data['subreddit']}",
                "distinguished": None,
                "edited": False,
            },
        }

    def _user_comment_child(self, name: str, raw: bool) -> JSON:
        """A comment as a user's comment listing shows it: with the post it is under."""
        child = self._comment_child(name, raw)
        post = self.things[self.things[name]["link_id"]]
        child["data"].update(
            link_title=_text(post["title"], raw),
            link_author=post["author"],
            link_permalink=f"https://www.reddit.com{post['permalink']}",
            link_url=f"https://www.reddit.com{post['permalink']}",
            num_comments=post["num_comments"],
            over_18=False,
            quarantine=False,
            subreddit_type="public",
        )
        return child

    def _post_child(self, name: str, raw: bool) -> JSON:
        data = self.things[name]
        return {
            "kind": "t3",
            "data": {
                "id": data["id"],
                "name": name,
                "title": _text(data["title"], raw),
                "selftext": _text(data["selftext"], raw),
                "author": data["author"],
                "author_fullname": self.users[data["author"]],
                "subreddit": data["subreddit"],
                "subreddit_name_prefixed": f"r/{data['subreddit']}",
                "permalink": data["permalink"],
                "url": f"https://www.reddit.com{data['permalink']}",
                "num_comments": data["num_comments"],
                "locked": name in self.locked,
                "is_self": True,
                "created": data["created_utc"],
                "created_utc": data["created_utc"],
            },
        }

    def _tree(self, name: str, raw: bool) -> JSON:
        child = self._comment_child(name, raw)
        below = [n for n in self._sorted(self.things) if self.things[n].get("parent_id") == name]
        if below:
            child["data"]["replies"] = _listing_body(
                [self._tree(n, raw) for n in reversed(below)], None, None
            )
        return child

    def _chain(self, chain: list[str], raw: bool) -> JSON:
        """The focused view: each ancestor holding only the next one down, the focus last."""
        child = self._comment_child(chain[0], raw)
        if len(chain) > 1:
            child["data"]["replies"] = _listing_body([self._chain(chain[1:], raw)], None, None)
        return child

    # ---- helpers -------------------------------------------------------------------------------

    def _deliver(self, comment: JSON, parent: JSON) -> None:
        """Reddit's inbox rules: replies to our comments/posts, and u/<us> mentions."""
        if parent["author"] == self.username:
            kind = "comment_reply" if parent["name"].startswith("t1_") else "post_reply"
        elif f"u/{self.username}".lower() in comment["body"].lower():
            kind = "username_mention"
        else:
            return
        self.inbox[comment["name"]] = {"type": kind, "new": True}

    def _base(self, author: str, name: str, id36: str, created: float | None) -> JSON:
        self.add_user(author)
        self._sequence += 1
        if created is None:
            # Each new thing a second after the previous one, never in the past of the clock.
            created = max(float(int(self.clock())), self._last_created + 1.0)
        self._last_created = max(self._last_created, created)
        return {
            "name": name,
            "id": id36,
            "author": author,
            "created_utc": float(created),
            "_seq": self._sequence,
            "first_message_name": None,
        }

    def _new_id(self) -> str:
        self._next_id += self._rng.randint(1, 97)
        return to36(self._next_id)

    def _basic_auth_ok(self, header: str) -> bool:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return decoded == f"{self.client_id}:{self.client_secret}"

    def _count_request(self) -> bool:
        now = self.clock()
        if now - self._window_start >= WINDOW_SECONDS:
            self._window_start = now - (now % WINDOW_SECONDS)
            self._used = 0
        self._used += 1
        return self._used <= self.window_limit

    def _rate_headers(self) -> dict[str, str]:
        reset = max(0, int(self._window_start + WINDOW_SECONDS - self.clock()))
        remaining = max(0, self.window_limit - self._used)
        return {
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-remaining": f"{remaining:.1f}",
            "x-ratelimit-reset": str(reset),
        }


async def _form(request: Request) -> dict[str, str]:
    """The urlencoded form (parsed here: Starlette's form parser needs python-multipart)."""
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


def _listing_body(children: list[JSON], after: str | None, before: str | None) -> JSON:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": None,
            "geo_filter": "",
            "children": children,
            "before": before,
        },
    }


def _unauthorized() -> Response:
    return JSONResponse(
        {"message": "Unauthorized", "error": 401},
        status_code=401,
        headers={"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
    )


def _errors(error: list[str]) -> Response:
    return JSONResponse({"json": {"errors": [error]}})


def _created(child: JSON) -> Response:
    return JSONResponse({"json": {"errors": [], "data": {"things": [child]}}})


def _text(text: str, raw: bool) -> str:
    """Without raw_json=1 Reddit escapes &, < and > in every text field."""
    return text if raw else html.escape(text, quote=False)


def _body_html(body: str, raw: bool) -> str:
    rendered = _MARKDOWN_HTML.render(body)
    value = f'<!-- SC_OFF --><div class="md">{rendered}</div><!-- SC_ON -->'
    return value if raw else html.escape(value, quote=False)


_NAMES = ["ferris", "octo", "pixel", "quill", "nimbus", "tango", "maple", "juniper", "atlas"]
_PLAIN = [
    "Thanks, that fixed it for me.",
    "I disagree, the second approach scales better in my experience.",
    "Could you share the config you used? I can't reproduce it here.",
    "This is exactly what I was looking for, great write-up.",
    "Did you try clearing the cache first?",
]
_MARKDOWN = [
    "Have a look at [the docs](https://example.org/docs) first, **then** ask again.",
    "> Could you share the config\n\nSure:\n\n    retries = 3\n    timeout = 10\n",
    "Two things:\n\n- the `--force` flag is gone\n- use *strict* mode instead",
    "&gt; quoting is fun, see ^(tiny) and ~~old~~ new",
]


def _body(rng: random.Random) -> str:
    # Most replies are plain sentences; about a third use some Markdown.
    if rng.random() < 0.65:
        return rng.choice(_PLAIN)
    return rng.choice(_MARKDOWN)
