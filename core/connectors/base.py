"""The connector contract: one abstract interface, one module per platform.

A connector speaks one platform's real HTTP API through an injected `httpx.AsyncClient`. It turns
platform responses into core Items and raises only the typed errors below. It never touches the
store: the sync engine persists each page together with the cursor the connector hands back.

Cursor values are the connector's own JSON-able dicts. The convention every built-in connector
follows: a first sync pages backwards from the newest notification to the
horizon, remembering where it is (`older`), and only when that backfill is complete does the
cursor switch to incremental mode from the high-water mark (`newest`). An interrupted backfill
resumes where it stopped; nothing is skipped and nothing is fetched twice for long.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import httpx

from core.models import JSON, Account, ContextPost, Item
from core.secrets import Credentials

# ---- typed errors ------------------------------------------------------------------------------


class ConnectorError(Exception):
    """Base of every error a connector raises. The message is safe to show (no secrets)."""

    retryable: ClassVar[bool] = False


class AuthError(ConnectorError):
    """Credentials are wrong, expired beyond refresh, or lack a needed scope. Never retried."""


class RateLimited(ConnectorError):
    """The platform asked us to wait `retry_after` seconds before the next request."""

    retryable = True

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class NotFound(ConnectorError):
    """The thing asked for is gone (deleted, made private, or never existed)."""


class BadResponse(ConnectorError):
    """The platform answered with something we cannot use; the message says what was wrong."""


class NetworkError(ConnectorError):
    """Timeouts, refused connections, resets and 5xx: transient, retried with backoff."""

    retryable = True


# ---- what connectors return --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the credentials belong to."""

    remote_id: str
    handle: str
    display_name: str = ""
    profile_url: str = ""


@dataclass(slots=True)
class Page:
    """One page of a stream: the items on it and the cursor to store once they are stored."""

    stream: str
    items: list[Item]
    cursor: JSON
    skipped: int = 0
    # Why items were skipped, e.g. {"favourite": 3, "status_missing": 1}.
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # The user's own posts seen on this page (for replies made outside Rapport).
    own_posts: list[ContextPost] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PostedReply:
    remote_id: str
    url: str
    created_at: datetime | None = None


# ---- the interface -----------------------------------------------------------------------------


class Connector(abc.ABC):
    """Subclass per platform and register it under the `rapport.connectors` entry point group."""

    #: The platform's name as used in config (`platform = "mastodon"`).
    platform: ClassVar[str]
    #: Human name for messages.
    title: ClassVar[str] = ""
    #: Where no --base-url is given.
    default_base_url: ClassVar[str] = ""
    #: Credential parts expected on standard input by `accounts add --token-stdin`.
    credential_keys: ClassVar[tuple[str, ...]] = ("token",)
    #: Where a user creates the credential, and with which scopes (shown by `accounts add`).
    credential_help: ClassVar[str] = ""
    #: The settings page where the credential is made; `{base_url}` is filled in.
    credential_url: ClassVar[str] = ""
    #: Whether users must name their own server (Mastodon, Lemmy) rather than take the default.
    asks_for_server: ClassVar[bool] = False
    #: The streams `fetch` understands, e.g. ("notifications",).
    streams: ClassVar[tuple[str, ...]] = ("notifications",)
    #: Longest reply the platform accepts, and the unit ("characters" or "graphemes").
    max_reply_length: ClassVar[int] = 0
    reply_length_unit: ClassVar[str] = "characters"

    def __init__(
        self,
        account: Account,
        credentials: Credentials,
        client: httpx.AsyncClient,
    ) -> None:
        self.account = account
        self.credentials = credentials
        self.client = client
        self.base_url = account.base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(account={self.account.name!r})"

    @abc.abstractmethod
    async def verify(self) -> Identity:
        """Check the credentials; return whose they are. Raises AuthError if they are wrong."""

    @abc.abstractmethod
    def fetch(self, stream: str, cursor: JSON | None, horizon: datetime) -> AsyncIterator[Page]:
        """Yield pages of new conversation items after `cursor` (None: first sync, back to
        `horizon`). Each page carries the cursor to store once its items are stored."""

    @abc.abstractmethod
    async def fetch_context(self, item: Item) -> list[ContextPost]:
        """The posts above `item` in its thread, root first, up to its parent."""

    @abc.abstractmethod
    async def post_reply(self, item: Item, text: str, idempotency_key: str) -> PostedReply:
        """Publish `text` as a reply to `item`, threaded as the platform expects."""

    async def find_reply(
        self, item: Item, text: str, since: datetime, idempotency_key: str = ""
    ) -> PostedReply | None:
        """Look on the platform for a reply to `item` with `text` posted after `since`.

        `idempotency_key` is the key the reply was sent with: where the platform keeps it
        (Bluesky: the record key is derived from it) the reply is found by it exactly.

        Used before retrying a send whose outcome is unknown. Return None when none is found;
        connectors that cannot look return None and rely on platform idempotency instead."""
        return None

    async def mark_read(self, items: Sequence[Item]) -> None:  # noqa: B027 - optional hook
        """Tell the platform these items were read, where its API allows. Default: nothing."""


def connector_error_for_status(
    response: httpx.Response, what: str, *, retry_after: float | None = None
) -> ConnectorError:
    """Map an HTTP error status to a typed error with a message naming `what` was asked."""
    status = response.status_code
    if status in (401, 403) and retry_after is None:
        return AuthError(f"{what}: the platform refused the credentials (HTTP {status})")
    if status in (404, 410):
        return NotFound(f"{what}: not found on the platform (HTTP {status})")
    if status == 429 or retry_after is not None:
        return RateLimited(f"{what}: rate limited (HTTP {status})", retry_after or 60.0)
    if status >= 500:
        return NetworkError(f"{what}: the platform had an error (HTTP {status})")
    return BadResponse(f"{what}: unexpected HTTP {status}")


def require(data: Mapping[str, Any], key: str, what: str) -> Any:
    """`data[key]`, or BadResponse naming the missing field."""
    try:
        return data[key]
    except (KeyError, TypeError):
        raise BadResponse(f"{what}: the response has no {key!r} field") from None
