"""A local GitHub that speaks the REST API the connector uses, from seeded in-memory data.

What it does like the real one:
- token auth (`Authorization: Bearer <token>` or `token <token>`); a wrong token is a 401
  `{"message": "Bad credentials", "documentation_url": ..., "status": "401"}`; no User-Agent is
  a 403; classic tokens list their scopes in `X-OAuth-Scopes` (fine-grained ones send none);
- every answer carries `x-ratelimit-limit/remaining/used/reset` (reset is an epoch time) and
  `x-ratelimit-resource`; once the hour's quota is spent the answer is a 403 with
  `x-ratelimit-remaining: 0`; a secondary limit is a 403 (or 429) with `Retry-After`;
- GET /notifications: unread threads (unless all=true), `participating`, `since`, `before`,
  `per_page` (at most 50) and `page`, newest update first, with `Link` (next/last/prev/first),
  `Last-Modified` and `X-Poll-Interval`; `If-Modified-Since` with nothing newer is a 304 that
  costs no quota; PATCH /notifications/threads/{id} marks it read (205);
- issues, issue comments (`since`, Link paging, POST creates one: 201), pull request review
  comments and replies to them; notification threads are updated as GitHub does when someone
  else comments (unread again, `updated_at`, `latest_comment_url`, reason `mention` when the
  comment @mentions us). Shapes follow recorded GitHub answers.

Tests and the demo build data with `add_issue`, `add_issue_comment`, `add_review_comment`,
`add_notification` (non-conversation ones: releases, CI ...) or `populate`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core.fakes.base import FakePlatform, Fault

JSON = dict[str, Any]

API = "https://api.github.com"
WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"
HOUR = 3600.0
_PARTICIPATING = frozenset(
    {"mention", "team_mention", "author", "comment", "review_requested", "assign", "manual"}
)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


@dataclass
class GitHubFake(FakePlatform):
    token: str = "ghp_fake0123456789abcdefghijklmnopqrstuv"
    login: str = "rapport-dev"
    #: X-OAuth-Scopes of a classic token; None for a fine-grained token (no header).
    scopes: str | None = "notifications, repo"
    poll_interval: int = 60
    rate_limit: int = 5000
    seed: int = 11

    users: dict[str, JSON] = field(default_factory=dict)
    repos: dict[str, JSON] = field(default_factory=dict)
    issues: dict[tuple[str, int], JSON] = field(default_factory=dict)
    issue_comments: dict[tuple[str, int], list[JSON]] = field(default_factory=dict)
    review_comments: dict[tuple[str, int], list[JSON]] = field(default_factory=dict)
    #: Notification threads by id.
    threads: dict[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._ids = {"user": 1000, "repo": 5000, "issue": 700_000, "comment": 9_000_000}
        self._review_id = 1_200_000_000
        self._thread_id = 300_000_000
        self._last_created = 0.0
        self._window_start = 0.0
        self._used = 0
        self._changed = 0.0
        self._secondary: set[int] = set()
        self.add_user(self.login)

    # ---- building data -------------------------------------------------------------------------

    def add_user(self, login: str, *, bot: bool = False) -> JSON:
        if login not in self.users:
            self._ids["user"] += 1
            uid = self._ids["user"]
            self.users[login] = {
                "login": login,
                "id": uid,
                "node_id": f"MDQ6VXNlcj{uid:08d}",
                "type": "Bot" if bot else "User",
            }
        return self.users[login]

    def add_repo(self, full_name: str, *, private: bool = False) -> JSON:
        if full_name not in self.repos:
            self._ids["repo"] += 1
            owner = full_name.split("/")[0]
            self.add_user(owner)
            self.repos[full_name] = {
                "id": self._ids["repo"],
                "node_id": f"R_kgDO{self._ids['repo']:08d}",
                "full_name": full_name,
                "private": private,
                "owner": owner,
            }
        return self.repos[full_name]

    def add_issue(
        self,
        repo: str,
        author: str,
        title: str,
        body: str = "",
        *,
        pull: bool = False,
        created: float | None = None,
        reason: str = "subscribed",
    ) -> int:
        """A new issue (or pull request); notifies us unless we opened it."""
        self.add_repo(repo)
        self.add_user(author)
        number = 1 + sum(1 for key in self.issues if key[0] == repo)
        self._ids["issue"] += 1
        moment = self._created(created)
        self.issues[(repo, number)] = {
            "id": self._ids["issue"],
            "node_id": f"{'PR' if pull else 'I'}_kwDO{self._ids['issue']:08d}",
            "number": number,
            "title": title,
            "body": body,
            "author": author,
            "created_at": moment,
            "updated_at": moment,
            "pull": pull,
            "state": "open",
        }
        self.issue_comments[(repo, number)] = []
        self.review_comments[(repo, number)] = []
        if author == self.login:
            self._thread(repo, number, "author", moment, unread=False, latest=None)
        else:
            why = "mention" if self._mentions(body) else reason
            self._thread(repo, number, why, moment, unread=True, latest=None)
        return number

    def add_issue_comment(
        self, repo: str, number: int, author: str, body: str, *, created: float | None = None
    ) -> int:
        """A comment on an issue or pull request's conversation; returns its id."""
        self.add_user(author)
        self._ids["comment"] += 1
        cid = self._ids["comment"]
        moment = self._created(created)
        self.issue_comments[(repo, number)].append(
            {
                "id": cid,
                "node_id": f"IC_kwDO{cid:010d}",
                "author": author,
                "body": body,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        self._touch(repo, number, author, body, moment, f"issues/comments/{cid}")
        return cid

    def add_review_comment(
        self,
        repo: str,
        number: int,
        author: str,
        body: str,
        *,
        in_reply_to: int | None = None,
        path: str = "README.md",
        created: float | None = None,
    ) -> int:
        """A pull request review comment (on a line of the diff), or a reply to one."""
        self.add_user(author)
        self._review_id += self._rng.randint(1, 50)
        cid = self._review_id
        moment = self._created(created)
        top = self._review_top(repo, number, in_reply_to)
        comment = {
            "id": cid,
            "node_id": f"PRRC_kwDO{cid:010d}",
            "author": author,
            "body": body,
            "created_at": moment,
            "updated_at": moment,
            "path": path,
            "in_reply_to_id": top,
        }
        self.review_comments[(repo, number)].append(comment)
        self._touch(repo, number, author, body, moment, f"pulls/comments/{cid}")
        return cid

    def add_notification(
        self,
        repo: str,
        reason: str,
        subject_type: str,
        title: str,
        *,
        created: float | None = None,
    ) -> str:
        """A notification that is no conversation: a release, a CI run, a state change..."""
        self.add_repo(repo)
        moment = self._created(created)
        self._thread_id += 1
        thread_id = str(self._thread_id)
        kind = {"Release": "releases", "CheckSuite": "check-suites"}.get(subject_type, "issues")
        self.threads[thread_id] = {
            "id": thread_id,
            "repo": repo,
            "number": None,
            "reason": reason,
            "subject_type": subject_type,
            "subject_path": f"/repos/{repo}/{kind}/{self._rng.randint(1000, 99999)}",
            "title": title,
            "updated_at": moment,
            "unread": True,
            "last_read_at": None,
            "latest": None,
        }
        self._changed = max(self._changed, moment)
        return thread_id

    def thread_of(self, repo: str, number: int) -> str:
        """The notification thread id of an issue or pull request."""
        for thread_id, thread in self.threads.items():
            if thread["repo"] == repo and thread["number"] == number:
                return thread_id
        raise KeyError(f"{repo}#{number} has no notification thread")

    def secondary_limit(self, seconds: float, *, status: int = 403, path: str = "") -> None:
        """The next matching request hits a secondary rate limit (Retry-After: seconds)."""
        fault = Fault("rate_limit", path=path, seconds=seconds, status=status)
        self._secondary.add(id(fault))
        self.inject(fault)

    def exhaust(self) -> None:
        """Spend the hour's quota: the next request is refused until the window resets."""
        self._roll_window()
        self._used = self.rate_limit

    def populate(
        self, threads: int, comments_per_thread: int = 3, *, start: float | None = None
    ) -> None:
        """Seeded activity: conversation threads (some pull requests, some mentions of us,
        some of our own comments) and a few releases and CI notifications, going back from
        `start` (default: the clock)."""
        rng = self._rng
        moment = (self.clock() if start is None else start) - threads * comments_per_thread * 90
        repos = [
            f"{rng.choice(_ORGS)}/{rng.choice(_PROJECTS)}" for _ in range(max(2, threads // 8))
        ]
        people = [f"{rng.choice(_PEOPLE)}{n}" for n in range(max(4, threads // 3))]
        for _ in range(threads):
            repo = rng.choice(repos)
            pull = rng.random() < 0.3
            number = self.add_issue(
                repo, rng.choice(people), rng.choice(_TITLES), _text(rng), pull=pull, created=moment
            )
            for _ in range(comments_per_thread):
                moment += rng.randint(1, 90)
                author = self.login if rng.random() < 0.1 else rng.choice(people)
                if pull and rng.random() < 0.3:
                    self.add_review_comment(repo, number, author, _text(rng), created=moment)
                else:
                    self.add_issue_comment(repo, number, author, _text(rng), created=moment)
            if rng.random() < 0.15:
                reason, kind = rng.choice(_NOISE)
                self.add_notification(repo, reason, kind, "v1.2.3", created=moment)
            moment += rng.randint(1, 90)

    # ---- JSON shapes (also used by the benchmark) -----------------------------------------------

    def notifications_json(self, api: str = API) -> list[JSON]:
        ordered = sorted(self.threads.values(), key=lambda t: (t["updated_at"], t["id"]))
        return [self._notification(t, api) for t in reversed(ordered)]

    def comments_json(
        self, repo: str, number: int, kind: str = "issue", api: str = API
    ) -> list[JSON]:
        if kind == "review":
            return [
                self._review_json(repo, number, c, api)
                for c in self.review_comments[(repo, number)]
            ]
        return [
            self._comment_json(repo, number, c, api) for c in self.issue_comments[(repo, number)]
        ]

    # ---- platform-shaped errors ----------------------------------------------------------------

    def rate_limit_response(self, fault: Fault) -> Response:
        status = fault.status if fault.status in (403, 429) else 403
        if id(fault) in self._secondary:
            self._secondary.discard(id(fault))
            body = {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                "before you try again.",
                "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
            }
            headers = {**self._rate_headers(), "retry-after": str(int(fault.seconds))}
            return JSONResponse(body, status_code=status, headers=headers)
        headers = {
            **self._rate_headers(),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(self.clock() + fault.seconds)),
        }
        return JSONResponse(_exceeded(self.users[self.login]["id"]), status, headers=headers)

    def expired_token_response(self) -> Response:
        return _bad_credentials()

    # ---- routes --------------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        repo = "/repos/{owner}/{name}"
        return [
            Route("/user", self._api(self._user), methods=["GET"]),
            Route("/notifications", self._api(self._notifications), methods=["GET"]),
            Route(
                "/notifications/threads/{thread_id}", self._api(self._mark_read), methods=["PATCH"]
            ),
            Route(repo + "/issues/{number:int}", self._api(self._issue), methods=["GET"]),
            Route(
                repo + "/issues/{number:int}/comments",
                self._api(self._comments),
                methods=["GET", "POST"],
            ),
            Route(
                repo + "/pulls/{number:int}/comments",
                self._api(self._reviews),
                methods=["GET"],
            ),
            Route(
                repo + "/pulls/{number:int}/comments/{comment_id:int}/replies",
                self._api(self._review_reply),
                methods=["POST"],
            ),
        ]

    def _api(self, endpoint: Callable[[Request, str], Any]) -> Any:
        """GitHub's checks around every endpoint: User-Agent, token, quota, rate headers."""

        async def checked(request: Request) -> Response:
            if not request.headers.get("user-agent"):
                return JSONResponse(
                    {
                        "message": "Request forbidden by administrative rules. Please make sure "
                        "your request has a User-Agent header."
                    },
                    status_code=403,
                )
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() not in ("bearer", "token") or token != self.token:
                return _bad_credentials()
            self._roll_window()
            if self._used >= self.rate_limit:
                headers = {**self._rate_headers(), "x-ratelimit-remaining": "0"}
                return JSONResponse(
                    _exceeded(self.users[self.login]["id"]), status_code=403, headers=headers
                )
            api = str(request.base_url).rstrip("/")
            response: Response = await endpoint(request, api)
            if response.status_code != 304:  # conditional hits cost no quota
                self._used += 1
            response.headers.update(self._rate_headers())
            return response

        return checked

    async def _user(self, request: Request, api: str) -> Response:
        user = self._user_json(self.login, api)
        user.update(name="Rapport Developer", public_repos=3, created_at="2015-01-01T00:00:00Z")
        headers = {} if self.scopes is None else {"x-oauth-scopes": self.scopes}
        return JSONResponse(user, headers=headers)

    async def _notifications(self, request: Request, api: str) -> Response:
        params = request.query_params
        show_all = params.get("all", "false") == "true"
        participating = params.get("participating", "false") == "true"
        since = _param_time(params.get("since"))
        before = _param_time(params.get("before"))
        per_page = _bounded(params.get("per_page"), 50, 50)
        page = _bounded(params.get("page"), 1, 10_000)
        headers = {
            "x-poll-interval": str(self.poll_interval),
            "last-modified": format_datetime(
                datetime.fromtimestamp(self._changed, UTC), usegmt=True
            ),
        }
        since_header = request.headers.get("if-modified-since")
        if since_header and self._not_modified_since(since_header):
            return Response(status_code=304, headers=headers)
        chosen = [
            thread
            for thread in self.threads.values()
            if (show_all or thread["unread"])
            and (not participating or thread["reason"] in _PARTICIPATING)
            and (since is None or thread["updated_at"] > since)
            and (before is None or thread["updated_at"] < before)
        ]
        chosen.sort(key=lambda t: (t["updated_at"], t["id"]), reverse=True)
        window = chosen[(page - 1) * per_page : page * per_page]
        link = _link(request, api + "/notifications", page, per_page, len(chosen))
        if link:
            headers["link"] = link
        return JSONResponse([self._notification(t, api) for t in window], headers=headers)

    async def _mark_read(self, request: Request, api: str) -> Response:
        thread = self.threads.get(request.path_params["thread_id"])
        if thread is None:
            return _not_found()
        thread["unread"] = False
        thread["last_read_at"] = self.clock()
        self._changed = max(self._changed, self.clock())
        return Response(status_code=205)

    async def _issue(self, request: Request, api: str) -> Response:
        key = _key(request)
        if key not in self.issues:
            return _not_found()
        return JSONResponse(self._issue_json(*key, api))

    async def _comments(self, request: Request, api: str) -> Response:
        key = _key(request)
        if key not in self.issues:
            return _not_found()
        if request.method == "POST":
            body = await _json_body(request)
            if body is None:
                return _validation_failed("IssueComment", "body")
            cid = self.add_issue_comment(key[0], key[1], self.login, body)
            comment = self.issue_comments[key][-1]
            assert comment["id"] == cid
            return JSONResponse(self._comment_json(*key, comment, api), status_code=201)
        return self._paged(request, api, self.issue_comments[key], self._comment_json, key)

    async def _reviews(self, request: Request, api: str) -> Response:
        key = _key(request)
        if key not in self.issues or not self.issues[key]["pull"]:
            return _not_found()
        return self._paged(request, api, self.review_comments[key], self._review_json, key)

    async def _review_reply(self, request: Request, api: str) -> Response:
        key = _key(request)
        target = request.path_params["comment_id"]
        comments = self.review_comments.get(key, [])
        if not any(c["id"] == target for c in comments):
            return _not_found()
        body = await _json_body(request)
        if body is None:
            return _validation_failed("PullRequestReviewComment", "body")
        self.add_review_comment(key[0], key[1], self.login, body, in_reply_to=target)
        return JSONResponse(self._review_json(*key, comments[-1], api), status_code=201)

    def _paged(
        self,
        request: Request,
        api: str,
        rows: list[JSON],
        render: Callable[[str, int, JSON, str], JSON],
        key: tuple[str, int],
    ) -> Response:
        """Comments oldest first, `since` on updated_at, `per_page` (max 100) and `page`."""
        params = request.query_params
        since = _param_time(params.get("since"))
        per_page = _bounded(params.get("per_page"), 30, 100)
        page = _bounded(params.get("page"), 1, 10_000)
        chosen = [row for row in rows if since is None or row["updated_at"] >= since]
        window = chosen[(page - 1) * per_page : page * per_page]
        link = _link(request, api + request.url.path, page, per_page, len(chosen))
        headers = {"link": link} if link else {}
        return JSONResponse([render(*key, row, api) for row in window], headers=headers)

    # ---- shapes --------------------------------------------------------------------------------

    def _user_json(self, login: str, api: str) -> JSON:
        user = self.users[login]
        return {
            "login": login,
            "id": user["id"],
            "node_id": user["node_id"],
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user['id']}?v=4",
            "gravatar_id": "",
            "url": f"{api}/users/{login}",
            "html_url": f"{WEB}/{login}",
            "type": user["type"],
            "site_admin": False,
        }

    def _repo_json(self, full_name: str, api: str) -> JSON:
        repo = self.repos[full_name]
        return {
            "id": repo["id"],
            "node_id": repo["node_id"],
            "name": full_name.split("/")[1],
            "full_name": full_name,
            "private": repo["private"],
            "owner": self._user_json(repo["owner"], api),
            "html_url": f"{WEB}/{full_name}",
            "description": "",
            "fork": False,
            "url": f"{api}/repos/{full_name}",
        }

    def _notification(self, thread: JSON, api: str) -> JSON:
        repo = thread["repo"]
        if thread["number"] is not None:
            kind = "pulls" if thread["subject_type"] == "PullRequest" else "issues"
            subject_url = f"{api}/repos/{repo}/{kind}/{thread['number']}"
        else:
            subject_url = api + thread["subject_path"]
        latest = f"{api}/repos/{repo}/{thread['latest']}" if thread["latest"] else subject_url
        return {
            "id": thread["id"],
            "unread": thread["unread"],
            "reason": thread["reason"],
            "updated_at": iso(thread["updated_at"]),
            "last_read_at": iso(thread["last_read_at"]) if thread["last_read_at"] else None,
            "subject": {
                "title": thread["title"],
                "url": subject_url,
                "latest_comment_url": latest,
                "type": thread["subject_type"],
            },
            "repository": self._repo_json(repo, api),
            "url": f"{api}/notifications/threads/{thread['id']}",
            "subscription_url": f"{api}/notifications/threads/{thread['id']}/subscription",
        }

    def _issue_json(self, repo: str, number: int, api: str) -> JSON:
        issue = self.issues[(repo, number)]
        kind = "pull" if issue["pull"] else "issues"
        data: JSON = {
            "url": f"{api}/repos/{repo}/issues/{number}",
            "repository_url": f"{api}/repos/{repo}",
            "comments_url": f"{api}/repos/{repo}/issues/{number}/comments",
            "html_url": f"{WEB}/{repo}/{kind}/{number}",
            "id": issue["id"],
            "node_id": issue["node_id"],
            "number": number,
            "title": issue["title"],
            "user": self._user_json(issue["author"], api),
            "labels": [],
            "state": issue["state"],
            "locked": False,
            "assignee": None,
            "assignees": [],
            "comments": len(self.issue_comments[(repo, number)]),
            "created_at": iso(issue["created_at"]),
            "updated_at": iso(issue["updated_at"]),
            "closed_at": None,
            "author_association": "NONE",
            "body": issue["body"],
        }
        if issue["pull"]:
            data["pull_request"] = {
                "url": f"{api}/repos/{repo}/pulls/{number}",
                "html_url": f"{WEB}/{repo}/pull/{number}",
            }
        return data

    def _comment_json(self, repo: str, number: int, comment: JSON, api: str) -> JSON:
        cid = comment["id"]
        kind = "pull" if self.issues[(repo, number)]["pull"] else "issues"
        return {
            "url": f"{api}/repos/{repo}/issues/comments/{cid}",
            "html_url": f"{WEB}/{repo}/{kind}/{number}#issuecomment-{cid}",
            "issue_url": f"{api}/repos/{repo}/issues/{number}",
            "id": cid,
            "node_id": comment["node_id"],
            "user": self._user_json(comment["author"], api),
            "created_at": iso(comment["created_at"]),
            "updated_at": iso(comment["updated_at"]),
            "author_association": "OWNER" if comment["author"] == self.login else "NONE",
            "body": comment["body"],
            "reactions": {
                "url": f"{api}/repos/{repo}/issues/comments/{cid}/reactions",
                "total_count": 0,
                "+1": 0,
                "-1": 0,
            },
            "performed_via_github_app": None,
        }

    def _review_json(self, repo: str, number: int, comment: JSON, api: str) -> JSON:
        cid = comment["id"]
        data: JSON = {
            "url": f"{api}/repos/{repo}/pulls/comments/{cid}",
            "pull_request_review_id": cid + 7,
            "id": cid,
            "node_id": comment["node_id"],
            "diff_hunk": "@@ -1,3 +1,4 @@\n # Project\n+A new line",
            "path": comment["path"],
            "commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            "original_commit_id": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            "user": self._user_json(comment["author"], api),
            "body": comment["body"],
            "created_at": iso(comment["created_at"]),
            "updated_at": iso(comment["updated_at"]),
            "html_url": f"{WEB}/{repo}/pull/{number}#discussion_r{cid}",
            "pull_request_url": f"{api}/repos/{repo}/pulls/{number}",
            "author_association": "NONE",
            "line": 2,
            "side": "RIGHT",
        }
        if comment["in_reply_to_id"] is not None:
            data["in_reply_to_id"] = comment["in_reply_to_id"]
        return data

    # ---- helpers -------------------------------------------------------------------------------

    def _thread(
        self,
        repo: str,
        number: int,
        reason: str,
        moment: float,
        *,
        unread: bool,
        latest: str | None,
    ) -> None:
        self._thread_id += 1
        thread_id = str(self._thread_id)
        pull = self.issues[(repo, number)]["pull"]
        self.threads[thread_id] = {
            "id": thread_id,
            "repo": repo,
            "number": number,
            "reason": reason,
            "subject_type": "PullRequest" if pull else "Issue",
            "title": self.issues[(repo, number)]["title"],
            "updated_at": moment,
            "unread": unread,
            "last_read_at": None,
            "latest": latest,
        }
        self._changed = max(self._changed, moment)

    def _touch(
        self, repo: str, number: int, author: str, body: str, moment: float, latest: str
    ) -> None:
        """What GitHub does to our notification thread when someone comments."""
        thread_id = self.thread_of(repo, number)
        thread = self.threads[thread_id]
        self.issues[(repo, number)]["updated_at"] = moment
        thread["latest"] = latest
        if author == self.login:
            if thread["reason"] == "subscribed":
                thread["reason"] = "comment"
            return
        if self._mentions(body):
            thread["reason"] = "mention"
        thread["unread"] = True
        thread["updated_at"] = max(thread["updated_at"], moment)
        self._changed = max(self._changed, moment)

    def _review_top(self, repo: str, number: int, in_reply_to: int | None) -> int | None:
        """GitHub threads review replies under the top comment of the review thread."""
        if in_reply_to is None:
            return None
        for comment in self.review_comments[(repo, number)]:
            if comment["id"] == in_reply_to:
                return int(comment["in_reply_to_id"] or comment["id"])
        raise KeyError(f"no review comment {in_reply_to} on {repo}#{number}")

    def _mentions(self, body: str) -> bool:
        return f"@{self.login}".lower() in body.lower()

    def _created(self, created: float | None) -> float:
        if created is None:
            # A second after the previous thing, never in the past of the clock.
            created = max(float(int(self.clock())), self._last_created + 1.0)
        created = float(int(created))
        self._last_created = max(self._last_created, created)
        return created

    def _not_modified_since(self, header: str) -> bool:
        try:
            since = parsedate_to_datetime(header).timestamp()
        except (TypeError, ValueError):
            return False
        return self._changed <= since

    def _roll_window(self) -> None:
        now = self.clock()
        if now - self._window_start >= HOUR:
            self._window_start = now
            self._used = 0

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.rate_limit),
            "x-ratelimit-remaining": str(max(0, self.rate_limit - self._used)),
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-reset": str(int(self._window_start + HOUR)),
            "x-ratelimit-resource": "core",
        }


def _key(request: Request) -> tuple[str, int]:
    params = request.path_params
    return f"{params['owner']}/{params['name']}", int(params["number"])


async def _json_body(request: Request) -> str | None:
    try:
        body = json.loads(await request.body())
    except ValueError:
        return None
    text = body.get("body") if isinstance(body, dict) else None
    return text if isinstance(text, str) and text.strip() else None


def _param_time(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return _epoch(value)
    except ValueError:
        return None


def _bounded(value: str | None, default: int, most: int) -> int:
    try:
        return max(1, min(most, int(value))) if value else default
    except ValueError:
        return default


def _link(request: Request, base: str, page: int, per_page: int, total: int) -> str:
    """GitHub's Link header: next/last after the first page, first/prev before the last."""
    last = max(1, -(-total // per_page))
    query = dict(request.query_params)

    def url(number: int) -> str:
        return f"{base}?{urlencode({**query, 'page': str(number)})}"

    parts = []
    if page > 1:
        parts += [f'<{url(page - 1)}>; rel="prev"', f'<{url(1)}>; rel="first"']
    if page < last:
        parts += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    return ", ".join(parts)


def _bad_credentials() -> Response:
    return JSONResponse(
        {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
        status_code=401,
    )


def _not_found() -> Response:
    return JSONResponse(
        {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, status_code=404
    )


def _exceeded(user_id: int) -> JSON:
    return {
        "message": f"API rate limit exceeded for user ID {user_id}.",
        "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
    }


def _validation_failed(resource: str, name: str) -> Response:
    return JSONResponse(
        {
            "message": "Validation Failed",
            "errors": [{"resource": resource, "code": "missing_field", "field": name}],
            "documentation_url": DOCS,
            "status": "422",
        },
        status_code=422,
    )


_ORGS = ["acme", "octo-org", "pyfolks", "rustaceans"]
_PROJECTS = ["widget", "parser", "toolkit", "docs", "cli"]
_PEOPLE = ["ada", "linus", "grace", "guido", "margaret", "ken"]
_TITLES = ["Crash on startup", "Add a --json flag", "Docs: typo in README", "Speed up parsing"]
_NOISE = [("ci_activity", "CheckSuite"), ("subscribed", "Release"), ("state_change", "Issue")]
_PLAIN = [
    "Thanks for the report, I can reproduce it on main.",
    "This was fixed in the latest release, could you try again?",
    "I don't think this is the right approach, it breaks the public API.",
    "LGTM once the tests pass.",
]
_MARKDOWN = [
    "Could you run `tool --verbose` and paste the output?\n\n```\n$ tool --verbose\n```",
    "See [the contributing guide](https://example.org/contributing) and **please** add a test.",
    "> It crashes on startup\n\nOnly on Windows, right? cc @rapport-dev",
    "- [ ] docs\n- [x] tests\n\n<!-- template comment -->",
]


def _text(rng: random.Random) -> str:
    # Most comments are plain sentences; a good third use some Markdown.
    return rng.choice(_PLAIN) if rng.random() < 0.6 else rng.choice(_MARKDOWN)
