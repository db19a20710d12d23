"""GitHub: the conversations behind the account's notifications, through the REST API.

A notification is a *thread* (an issue, pull request, release, check suite ...) with a reason
(mention, comment, author, review_requested, ci_activity, state_change ...). The inbox wants
the people, not the events: for conversation threads (issues and pull requests, for the reasons in
`CONVERSATION_REASONS`) the connector reads the comments added since it last looked and turns
every comment by someone else into an Item; a new issue or pull request also brings its opening
post. Other notifications are skipped and counted by reason (or subject type).

Identifiers:
- remote_id of a comment is its `node_id`, GitHub's global id, unique across issue comments and
  review comments (whose numeric ids come from separate sequences). The numeric id, needed by
  the REST calls, is platform_data["comment_id"]. (Bodies from servers too old to send node ids
  get "<issuecomment|pullrequestreviewcomment>-<id>".)
- the opening post of an issue or pull request has remote_id = thread_root_id = "owner/repo#n";
  GitHub conversations are flat, so every comment's parent_id is that root too (a review reply
  also carries platform_data["in_reply_to_id"]).

Polling follows GitHub's rules for notifications: `If-Modified-Since` with the stored
`Last-Modified` (a 304 costs no quota and means nothing new), and `X-Poll-Interval`: the cursor
keeps the earliest time of the next poll, and a fetch before it sends nothing.

Cursor (JSON):
- ``since``: the newest notification update seen by the last completed pass (None at first);
- ``last_modified``/``next_poll_at``: as above;
- ``threads``: per notification thread, ``{"at": ISO, "issue": id, "review": id}``: the newest
  comment time seen (the `since` of the next comment listing) and the highest issue/review
  comment ids seen, so a comment is never yielded twice; entries older than the horizon are
  dropped, which keeps the cursor bounded;
- ``walk``: while a pass over the notification pages is in progress: its ``since``, the
  ``before`` to resume from (notifications come newest first) and the ``top`` seen so far.
  When the last page is stored, ``since`` becomes ``top`` and ``walk`` goes away.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

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
from core.connectors.http import USER_AGENT, RateBudget, decode_json, header_float, send
from core.markup.clean import clean_text
from core.markup.markdown import markdown_to_text
from core.models import JSON, Account, Contact, ContextPost, Item, ItemKind, MarkupFormat
from core.secrets import Credentials, Secret
from core.timeutil import parse_iso

API_BASE = "https://api.github.com"
WEB = "https://github.com"
STREAM = "notifications"
API_VERSION = "2022-11-28"
#: GitHub's largest notifications page, and comments page.
NOTIFICATIONS_PER_PAGE = 50
COMMENTS_PER_PAGE = 100
#: When GitHub sends no X-Poll-Interval (it usually says 60).
DEFAULT_POLL_INTERVAL = 60.0
#: A secondary rate limit without Retry-After: GitHub says to wait at least a minute.
SECONDARY_WAIT = 60.0

TOKEN_HELP = (
    "create a new token at GitHub → Settings → Developer settings → Personal access tokens "
    "(classic) with the notifications and repo scopes"
)
#: Reasons whose thread is a conversation the user may want to answer.
CONVERSATION_REASONS = frozenset(
    {
        "mention",
        "team_mention",
        "comment",
        "author",
        "review_requested",
        "subscribed",
        "manual",
        "assign",
    }
)
CONVERSATION_TYPES = frozenset({"Issue", "PullRequest"})
ISSUE = "issue"
REVIEW = "review"
OPENING = "opening"
_NODE_PREFIX = {ISSUE: "issuecomment", REVIEW: "pullrequestreviewcomment"}
_COMMENT_ID = re.compile(r"/(issues|pulls)/comments/(\d+)$")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubConnector(Connector):
    platform = "github"
    title = "GitHub"
    default_base_url = API_BASE
    credential_keys = ("token",)
    credential_help = (
        "Create a personal access token (classic) at https://github.com/settings/tokens with "
        "the notifications and repo scopes (GitHub's notifications API does not accept "
        "fine-grained tokens)."
    )
    credential_url = (
        "https://github.com/settings/tokens/new?scopes=notifications,repo&description=Rapport"
    )
    streams = (STREAM,)
    max_reply_length = 65_536
    reply_length_unit = "characters"

    def __init__(
        self,
        account: Account,
        credentials: Credentials,
        client: httpx.AsyncClient,
        *,
        clock: Callable[[], float] = time.time,
        participating: bool = False,
    ) -> None:
        super().__init__(account, credentials, client)
        self.clock = clock
        self.participating = participating
        self.budget = RateBudget(clock)
        # The login as GitHub spells it: a handle written "@login" in the config would
        # otherwise never match an author or a mention.
        self._login = account.handle.strip().removeprefix("@")

    # ---- the contract --------------------------------------------------------------------------

    async def verify(self) -> Identity:
        what = "GitHub: who am I"
        response = await self._request("GET", "/user", what=what)
        _check_scopes(response.headers.get("x-oauth-scopes"), what)
        data = decode_json(response, what)
        login = str(require(data, "login", what))
        self._login = login
        return Identity(
            remote_id=str(require(data, "id", what)),
            handle=login,
            display_name=str(data.get("name") or ""),
            profile_url=str(data.get("html_url") or f"{WEB}/{login}"),
        )

    async def fetch(
        self, stream: str, cursor: JSON | None, horizon: datetime
    ) -> AsyncIterator[Page]:
        if stream != STREAM:
            raise ConnectorError(f"GitHub has no stream {stream!r} (it has {STREAM!r})")
        state = _State.load(cursor or {})
        if state.walk is None:
            if state.next_poll_at is not None and self.clock() < state.next_poll_at:
                return  # GitHub's X-Poll-Interval has not passed: ask nothing.
            state.walk = _Walk(since=_minus_second(state.since) or _iso(horizon))
            conditional = state.last_modified if state.since else None
        else:
            conditional = None
        me = await self._me()
        async for page in self._walk(state, conditional, horizon, me):
            yield page

    async def fetch_context(self, item: Item) -> list[ContextPost]:
        ref = _Ref.of(item)
        if ref.kind == OPENING:
            return []  # the opening post is the root: nothing is above it
        me = await self._me()
        what = "GitHub: the conversation above a comment"
        issue = await self._get_json(ref.issue_path, {}, what=what)
        posts = [_opening_post(issue, ref, me, what)]
        if ref.kind == REVIEW:
            comments = await self._list(f"{ref.pulls_path}/comments", {}, what, stop_at=ref.id)
            top = item.platform_data.get("in_reply_to_id") or ref.id
            comments = [c for c in comments if c.get("id") == top or c.get("in_reply_to_id") == top]
        else:
            comments = await self._list(f"{ref.issue_path}/comments", {}, what, stop_at=ref.id)
        earlier = [c for c in comments if int(c.get("id") or 0) < ref.id]
        posts.extend(_comment_post(c, ref, me, what) for c in earlier)
        return posts

    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        # GitHub has no idempotency key: the sync engine calls find_reply before a retry.
        ref = _Ref.of(item)
        what = "GitHub: send a reply"
        if ref.kind == REVIEW:
            path = f"{ref.pulls_path}/comments/{ref.id}/replies"
        else:
            path = f"{ref.issue_path}/comments"
        response = await self._request("POST", path, what=what, json={"body": text})
        data = decode_json(response, what)
        return _posted(data, REVIEW if ref.kind == REVIEW else ISSUE, what)

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        ref = _Ref.of(item)
        me = (await self._me()).lower()
        what = "GitHub: look for a sent reply"
        kind = REVIEW if ref.kind == REVIEW else ISSUE
        path = f"{ref.pulls_path}/comments" if kind == REVIEW else f"{ref.issue_path}/comments"
        # A minute of slack for the difference between GitHub's clock and ours.
        params = {"since": _iso(since - timedelta(minutes=1))}
        wanted = text.strip()
        for comment in await self._list(path, params, what):
            user = comment.get("user") or {}
            if str(user.get("login", "")).lower() == me and _body(comment).strip() == wanted:
                return _posted(comment, kind, what)
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:
        threads = dict.fromkeys(str(i.platform_data.get("thread_id") or "") for i in items)
        for thread_id in threads:
            if thread_id:
                path = f"/notifications/threads/{thread_id}"
                await self._request("PATCH", path, what="GitHub: mark a thread read")

    # ---- the notifications stream --------------------------------------------------------------

    async def _walk(
        self, state: _State, conditional: str | None, horizon: datetime, me: str
    ) -> AsyncIterator[Page]:
        walk = state.walk
        assert walk is not None
        params = {
            "all": "false",
            "participating": "true" if self.participating else "false",
            "since": walk.since,
            "per_page": str(NOTIFICATIONS_PER_PAGE),
        }
        if walk.before:
            params["before"] = walk.before
        url: str | None = f"{self.base_url}/notifications"
        request_params: dict[str, str] | None = params
        what = "GitHub: read notifications"
        while url is not None:
            headers = {"If-Modified-Since": conditional} if conditional else {}
            response = await self._request(
                "GET", url, what=what, params=request_params, headers=headers
            )
            poll = header_float(response, "x-poll-interval") or DEFAULT_POLL_INTERVAL
            if response.status_code == 304:
                state.walk = None
                state.next_poll_at = self.clock() + poll
                yield Page(STREAM, [], state.dump())
                return
            if conditional or walk.last_modified is None:
                walk.last_modified = response.headers.get("last-modified")
            conditional = None
            notifications = decode_json(response, what)
            if not isinstance(notifications, list):
                raise BadResponse(f"{what}: expected a list of notifications")
            page = await self._page(notifications, state, horizon, me)
            url = self._next_link(response, what)
            request_params = None
            walk.advance(notifications)
            if url is None:
                state.finish(self.clock() + poll, horizon)
            yield page.to_page(state.dump())

    async def _page(
        self, notifications: list[Any], state: _State, horizon: datetime, me: str
    ) -> _PageBuilder:
        """Every notification parsed first (a malformed one fails the page before any
        request), then each conversation thread read."""
        page = _PageBuilder()
        threads: list[Thread] = []
        for raw in notifications:
            parsed = parse_notification(raw)
            if isinstance(parsed, str):
                page.skip(parsed)
            else:
                threads.append(parsed)
        for thread in threads:
            await self._read_thread(thread, state, horizon, me, page)
        return page

    async def _read_thread(
        self, thread: Thread, state: _State, horizon: datetime, me: str, page: _PageBuilder
    ) -> None:
        seen = state.threads.get(thread.thread_id)
        if seen is not None and seen.has_seen(thread.latest_comment_url):
            return  # the latest comment is already stored: nothing new, no request
        seen = seen or _Seen(at=_iso(horizon))
        # Both listings start from the same time: reading one must not move the other's start.
        since = seen.at
        kept_items, kept_own = len(page.items), len(page.own_posts)
        try:
            if thread.thread_id not in state.threads:
                opening_comments = await self._read_opening(thread, seen, horizon, me, page)
            else:
                opening_comments = None
            if opening_comments != 0:
                await self._read_comments(thread, ISSUE, since, seen, horizon, me, page)
            if thread.subject_type == "PullRequest":
                await self._read_comments(thread, REVIEW, since, seen, horizon, me, page)
        except NotFound:
            # Gone (or made private) while being read: keep none of it, so the thread's
            # items and its cursor entry are stored together or not at all.
            del page.items[kept_items:], page.own_posts[kept_own:]
            page.skip("thread_gone")
            return
        state.threads[thread.thread_id] = seen

    async def _read_opening(
        self, thread: Thread, seen: _Seen, horizon: datetime, me: str, page: _PageBuilder
    ) -> int | None:
        """A thread new to us: its opening post, if recent. Returns its comment count."""
        what = "GitHub: read an issue"
        issue = await self._get_json(thread.issue_path, {}, what=what, thread=True)
        item = opening_to_item(issue, thread, self.account.name, me)
        if item.created_at >= horizon:
            seen.saw(item.created_at)
            if item.author.handle.lower() == me.lower():
                page.own_posts.append(_own(item))
            else:
                page.items.append(item)
        count = issue.get("comments")
        return count if isinstance(count, int) else None

    async def _read_comments(
        self,
        thread: Thread,
        kind: str,
        since: str,
        seen: _Seen,
        horizon: datetime,
        me: str,
        page: _PageBuilder,
    ) -> None:
        what = f"GitHub: read {kind} comments"
        path = f"{thread.issue_path}/comments" if kind == ISSUE else f"{thread.pulls_path}/comments"
        comments = await self._list(path, {"since": since}, what, thread=True)
        # Parse the whole listing before keeping anything: a bad comment fails the page.
        parsed = [comment_to_item(c, thread, self.account.name, me, kind) for c in comments]
        for item in parsed:
            comment_id = int(item.platform_data["comment_id"])
            if comment_id <= seen.last_id(kind):
                continue
            seen.saw(item.created_at, kind, comment_id)
            if item.created_at < horizon:
                continue
            if item.author.handle.lower() == me.lower():
                page.own_posts.append(_own(item))
            else:
                page.items.append(item)

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _me(self) -> str:
        if not self._login:
            self._login = (await self.verify()).handle
        return self._login

    async def _get_json(
        self, path: str, params: dict[str, str], *, what: str, thread: bool = False
    ) -> Any:
        response = await self._request("GET", path, what=what, params=params, thread=thread)
        return decode_json(response, what)

    async def _list(
        self,
        path: str,
        params: dict[str, str],
        what: str,
        *,
        thread: bool = False,
        stop_at: int | None = None,
    ) -> list[Any]:
        """Every page of a listing (following Link: rel="next"), or up to the page holding
        the comment `stop_at`."""
        out: list[Any] = []
        url: str | None = path
        query: dict[str, str] | None = {**params, "per_page": str(COMMENTS_PER_PAGE)}
        while url is not None:
            response = await self._request("GET", url, what=what, params=query, thread=thread)
            body = decode_json(response, what)
            if not isinstance(body, list):
                raise BadResponse(f"{what}: expected a list")
            out.extend(body)
            if stop_at is not None and any(_id(c) >= stop_at for c in body):
                break
            url, query = self._next_link(response, what), None
        return out

    def _next_link(self, response: httpx.Response, what: str) -> str | None:
        match = _NEXT_LINK.search(response.headers.get("link", ""))
        if match is None:
            return None
        url = match.group(1)
        # Never send the token to another host, whatever a Link header says.
        if not url.startswith(self.base_url + "/"):
            raise BadResponse(f"{what}: GitHub's next page is on another host")
        return url

    async def _request(
        self,
        method: str,
        path_or_url: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        thread: bool = False,
    ) -> httpx.Response:
        self.budget.check(what)
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        response = await send(
            self.client,
            method,
            url,
            what=what,
            params=params,
            json=json,
            headers=self._headers(headers),
        )
        self.budget.update(
            header_float(response, "x-ratelimit-remaining"),
            header_float(response, "x-ratelimit-reset"),
        )
        if response.is_success or response.status_code == 304:
            return response
        raise self._error(response, what, thread=thread)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        # Plain text headers: the client builds them once per token and set (see
        # core.http_client.RapportClient.build_request).
        return {
            "Authorization": f"Bearer {self._token().reveal()}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
            **(extra or {}),
        }

    def _token(self) -> Secret:
        try:
            return self.credentials["token"]
        except KeyError:
            raise AuthError(f"GitHub: the credentials have no token; {TOKEN_HELP}") from None

    def _error(self, response: httpx.Response, what: str, *, thread: bool) -> ConnectorError:
        status = response.status_code
        message = _message(response)
        if status in (403, 429):
            limited = self._rate_limited(response, what, message)
            if limited is not None:
                return limited
        if status == 401:
            return AuthError(f"{what}: GitHub says: {message or 'Bad credentials'}; {TOKEN_HELP}")
        if status == 403 and thread:
            return NotFound(f"{what}: GitHub refuses access to this thread: {message}")
        if status == 403:
            return AuthError(
                f"{what}: GitHub refused access (HTTP 403: {message}); the token needs the "
                "notifications and repo scopes"
            )
        if status in (404, 410):
            return NotFound(f"{what}: not found on GitHub (HTTP {status})")
        if status >= 500:
            return NetworkError(f"{what}: GitHub had an error (HTTP {status})")
        return BadResponse(f"{what}: GitHub answered HTTP {status}: {message}")

    def _rate_limited(
        self, response: httpx.Response, what: str, message: str
    ) -> RateLimited | None:
        """GitHub's limits arrive as 403 or 429: the primary one with x-ratelimit-remaining: 0
        (wait until x-ratelimit-reset), a secondary one with Retry-After (or only a message)."""
        retry_after = header_float(response, "retry-after")
        if retry_after is not None:
            return RateLimited(f"{what}: GitHub secondary rate limit: {message}", retry_after)
        if header_float(response, "x-ratelimit-remaining") == 0:
            reset = header_float(response, "x-ratelimit-reset")
            wait = (reset - self.clock()) if reset is not None else SECONDARY_WAIT
            resource = response.headers.get("x-ratelimit-resource", "core")
            return RateLimited(f"{what}: GitHub rate limit for {resource} spent", wait)
        if "rate limit" in message.lower() or response.status_code == 429:
            return RateLimited(f"{what}: GitHub secondary rate limit: {message}", SECONDARY_WAIT)
        return None


# ---- parsing (pure functions: the conformance test and the benchmark call them directly) -----


@dataclass(frozen=True, slots=True)
class Thread:
    """A conversation notification: which issue or pull request, and why."""

    thread_id: str
    repo: str
    number: int
    subject_type: str
    reason: str
    title: str
    updated_at: str
    latest_comment_url: str

    @property
    def root_id(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def issue_path(self) -> str:
        return f"/repos/{self.repo}/issues/{self.number}"

    @property
    def pulls_path(self) -> str:
        return f"/repos/{self.repo}/pulls/{self.number}"


def parse_notification(raw: Any) -> Thread | str:
    """A notification as a Thread to read, or the reason it is skipped ("ci_activity",
    "release", ...). Raises BadResponse when a field the decision needs is missing."""
    what = "GitHub notification"
    reason = str(require(raw, "reason", what))
    subject = require(raw, "subject", what)
    subject_type = str(require(subject, "type", what))
    thread_id = str(require(raw, "id", what))
    updated_at = str(require(raw, "updated_at", what))
    repo = str(require(require(raw, "repository", what), "full_name", what))
    if reason not in CONVERSATION_REASONS:
        return reason
    if subject_type not in CONVERSATION_TYPES:
        return subject_type.lower()
    url = subject.get("url")
    number = url.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    if not number.isdigit():
        raise BadResponse(f"{what}: the subject url names no issue or pull request number")
    return Thread(
        thread_id=thread_id,
        repo=repo,
        number=int(number),
        subject_type=subject_type,
        reason=reason,
        title=str(subject.get("title") or ""),
        updated_at=updated_at,
        latest_comment_url=str(subject.get("latest_comment_url") or ""),
    )


def comment_to_item(raw: Any, thread: Thread, account: str, me: str, kind: str) -> Item:
    """An issue comment (kind "issue") or pull request review comment ("review") as an Item."""
    what = f"GitHub {kind} comment"
    comment_id = _id(raw)
    body = _body(raw)
    author = _user(require(raw, "user", what), what)
    data: JSON = {
        "repo": thread.repo,
        "number": thread.number,
        "comment_id": comment_id,
        "thread_id": thread.thread_id,
        "comment_kind": kind,
        "reason": thread.reason,
        "title": thread.title,
    }
    if kind == REVIEW:
        data["in_reply_to_id"] = raw.get("in_reply_to_id")
        data["path"] = raw.get("path") or ""
        item_kind = ItemKind.REVIEW
    else:
        item_kind = ItemKind.MENTION if mentions(body, me) else ItemKind.COMMENT
    return Item(
        account=account,
        platform="github",
        remote_id=str(raw.get("node_id") or f"{_NODE_PREFIX[kind]}-{comment_id}"),
        kind=item_kind,
        author=author,
        text=markdown_to_text(body),
        markup=body,
        markup_format=MarkupFormat.MARKDOWN,
        created_at=_time(raw, "created_at", what),
        url=str(require(raw, "html_url", what)),
        thread_root_id=thread.root_id,
        parent_id=thread.root_id,
        platform_data=data,
    )


def opening_to_item(raw: Any, thread: Thread, account: str, me: str) -> Item:
    """The opening post of an issue or pull request (remote_id "owner/repo#n")."""
    what = "GitHub issue"
    body = _body(raw)
    return Item(
        account=account,
        platform="github",
        remote_id=thread.root_id,
        kind=ItemKind.MENTION if mentions(body, me) else ItemKind.COMMENT,
        author=_user(require(raw, "user", what), what),
        text=markdown_to_text(f"{raw.get('title') or thread.title}\n\n{body}"),
        markup=body,
        markup_format=MarkupFormat.MARKDOWN,
        created_at=_time(raw, "created_at", what),
        url=str(require(raw, "html_url", what)),
        thread_root_id=thread.root_id,
        platform_data={
            "repo": thread.repo,
            "number": thread.number,
            "comment_id": 0,
            "thread_id": thread.thread_id,
            "comment_kind": OPENING,
            "reason": thread.reason,
            "title": thread.title,
        },
    )


def mentions(body: str, login: str) -> bool:
    """Whether `body` @mentions `login` (not as part of an e-mail address or a longer name)."""
    if not login or "@" not in body:
        return False
    return _mention_pattern(login.lower()).search(body) is not None


@cache
def _mention_pattern(login: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@/.-])@{re.escape(login)}(?![\w-])", re.IGNORECASE)


def _id(raw: Any) -> int:
    value = require(raw, "id", "GitHub comment")
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadResponse("GitHub comment: id is not a number")
    return value


def _body(raw: Any) -> str:
    body = raw.get("body") if isinstance(raw, dict) else None
    return body if isinstance(body, str) else ""


def _user(raw: Any, what: str) -> Contact:
    if raw is None:
        # A deleted account shows as the "ghost" user on github.com.
        return Contact(platform="github", remote_id="ghost", handle="ghost")
    login = str(require(raw, "login", what))
    return Contact(
        platform="github",
        remote_id=str(require(raw, "id", what)),
        handle=login,
        profile_url=str(raw.get("html_url") or f"{WEB}/{login}"),
    )


def _time(raw: Any, key: str, what: str) -> datetime:
    value = require(raw, key, what)
    try:
        return parse_iso(str(value))
    except ValueError:
        raise BadResponse(f"{what}: {key} is not a time") from None


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _minus_second(iso: str | None) -> str | None:
    # `since` one second early: a thread updated in the same second as the last one seen is
    # listed again rather than missed; the per-thread comment ids keep it from repeating.
    return _iso(parse_iso(iso) - timedelta(seconds=1)) if iso else None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    message = body.get("message") if isinstance(body, dict) else None
    return clean_text(str(message))[:200] if message else f"HTTP {response.status_code}"


def _check_scopes(header: str | None, what: str) -> None:
    """Classic tokens list their scopes in X-OAuth-Scopes; fine-grained ones send none."""
    if header is None:
        return
    scopes = {scope.strip() for scope in header.split(",") if scope.strip()}
    missing = []
    if not scopes & {"notifications", "repo"}:
        missing.append("notifications")
    if not scopes & {"repo", "public_repo"}:
        missing.append("repo")
    if missing:
        names = " and ".join(missing)
        raise AuthError(
            f"{what}: the token lacks the {names} scope{'s' if len(missing) > 1 else ''}; "
            f"{TOKEN_HELP}"
        )


def _posted(data: Any, kind: str, what: str) -> PostedReply:
    comment_id = _id(data)
    return PostedReply(
        remote_id=str(data.get("node_id") or f"{_NODE_PREFIX[kind]}-{comment_id}"),
        url=str(data.get("html_url") or ""),
        created_at=_time(data, "created_at", what),
    )


def _opening_post(raw: Any, ref: _Ref, me: str, what: str) -> ContextPost:
    author = _user(require(raw, "user", what), what)
    title = str(raw.get("title") or "")
    return ContextPost(
        remote_id=ref.root_id,
        author=author,
        text=markdown_to_text(f"{title}\n\n{_body(raw)}"),
        created_at=_time(raw, "created_at", what),
        url=str(raw.get("html_url") or ""),
        is_own=author.handle.lower() == me.lower(),
    )


def _comment_post(raw: Any, ref: _Ref, me: str, what: str) -> ContextPost:
    author = _user(require(raw, "user", what), what)
    return ContextPost(
        remote_id=str(raw.get("node_id") or _id(raw)),
        author=author,
        text=markdown_to_text(_body(raw)),
        created_at=_time(raw, "created_at", what),
        url=str(raw.get("html_url") or ""),
        parent_id=ref.root_id,
        is_own=author.handle.lower() == me.lower(),
    )


def _own(item: Item) -> ContextPost:
    return ContextPost(
        remote_id=item.remote_id,
        author=item.author,
        text=item.text,
        created_at=item.created_at,
        url=item.url,
        parent_id=item.parent_id,
        is_own=True,
    )


# ---- small state holders -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """Where an item lives, from its platform_data."""

    repo: str
    number: int
    id: int
    kind: str

    @classmethod
    def of(cls, item: Item) -> _Ref:
        data = item.platform_data
        try:
            return cls(
                str(data["repo"]),
                int(data["number"]),
                int(data["comment_id"]),
                data["comment_kind"],
            )
        except (KeyError, TypeError, ValueError):
            raise BadResponse(
                f"GitHub: item {item.remote_id} lacks the repository, number or comment id"
            ) from None

    @property
    def root_id(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def issue_path(self) -> str:
        return f"/repos/{self.repo}/issues/{self.number}"

    @property
    def pulls_path(self) -> str:
        return f"/repos/{self.repo}/pulls/{self.number}"


@dataclass(slots=True)
class _Seen:
    """What is stored of one thread: newest comment time, highest comment ids."""

    at: str
    issue: int = 0
    review: int = 0
    # The JSON form, kept until the thread changes: every page's cursor holds every thread
    # read so far, and most of them did not change since the page before.
    _json: JSON | None = field(default=None, compare=False, repr=False)

    def last_id(self, kind: str) -> int:
        return self.review if kind == REVIEW else self.issue

    def saw(self, moment: datetime, kind: str = "", comment_id: int = 0) -> None:
        self._json = None
        stamp = _iso(moment)
        if stamp > self.at:  # same-format ISO strings sort as times do
            self.at = stamp
        if kind == ISSUE:
            self.issue = max(self.issue, comment_id)
        elif kind == REVIEW:
            self.review = max(self.review, comment_id)

    def has_seen(self, latest_comment_url: str) -> bool:
        match = _COMMENT_ID.search(latest_comment_url)
        if match is None:
            return False
        kind = ISSUE if match.group(1) == "issues" else REVIEW
        return int(match.group(2)) <= self.last_id(kind)

    def dump(self) -> JSON:
        """The thread's cursor entry (shared by the cursors of the pages it did not change on,
        which nothing modifies once a page is handed out)."""
        if self._json is None:
            self._json = {"at": self.at, "issue": self.issue, "review": self.review}
        return self._json


@dataclass(slots=True)
class _Walk:
    since: str
    before: str | None = None
    top: str | None = None
    last_modified: str | None = None

    def advance(self, notifications: list[Any]) -> None:
        """After a stored page: resume below its oldest notification (one second inclusive,
        since GitHub's `before` is exclusive and the per-thread ids absorb the overlap)."""
        stamps = [str(n["updated_at"]) for n in notifications]
        if not stamps:
            return
        newest, oldest = max(stamps), min(stamps)
        if self.top is None or newest > self.top:
            self.top = newest
        self.before = _iso(parse_iso(oldest) + timedelta(seconds=1))

    def dump(self) -> JSON:
        return {
            "since": self.since,
            "before": self.before,
            "top": self.top,
            "last_modified": self.last_modified,
        }


@dataclass(slots=True)
class _State:
    since: str | None = None
    last_modified: str | None = None
    next_poll_at: float | None = None
    threads: dict[str, _Seen] = field(default_factory=dict)
    walk: _Walk | None = None

    @classmethod
    def load(cls, cursor: JSON) -> _State:
        walk = cursor.get("walk")
        return cls(
            since=cursor.get("since"),
            last_modified=cursor.get("last_modified"),
            next_poll_at=cursor.get("next_poll_at"),
            threads={
                key: _Seen(str(v["at"]), int(v.get("issue", 0)), int(v.get("review", 0)))
                for key, v in (cursor.get("threads") or {}).items()
            },
            walk=_Walk(**walk) if isinstance(walk, dict) else None,
        )

    def finish(self, next_poll_at: float, horizon: datetime) -> None:
        """The pass is complete: move the high-water mark, drop threads older than the horizon."""
        assert self.walk is not None
        self.since = self.walk.top or self.since or self.walk.since
        self.last_modified = self.walk.last_modified or self.last_modified
        self.next_poll_at = next_poll_at
        self.walk = None
        floor = _iso(horizon)
        self.threads = {key: seen for key, seen in self.threads.items() if seen.at >= floor}

    def dump(self) -> JSON:
        return {
            "since": self.since,
            "last_modified": self.last_modified,
            "next_poll_at": self.next_poll_at,
            "threads": {key: seen.dump() for key, seen in self.threads.items()},
            "walk": self.walk.dump() if self.walk else None,
        }


@dataclass(slots=True)
class _PageBuilder:
    items: list[Item] = field(default_factory=list)
    own_posts: list[ContextPost] = field(default_factory=list)
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def to_page(self, cursor: JSON) -> Page:
        return Page(STREAM, self.items, cursor, self.skipped, self.reasons, self.own_posts)
