"""The domain: accounts, contacts, people, items, replies and sync cursors.

Every datetime here is timezone-aware UTC; `core.timeutil` converts at the edges.
Platform ids are always strings, whatever the platform sends.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]


class ItemKind(enum.StrEnum):
    MENTION = "mention"
    REPLY = "reply"
    COMMENT = "comment"
    QUOTE = "quote"
    DIRECT = "direct"
    REVIEW = "review"


class ItemState(enum.StrEnum):
    NEW = "new"
    DONE = "done"
    SNOOZED = "snoozed"
    MUTED = "muted"


class ReplyState(enum.StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MarkupFormat(enum.StrEnum):
    PLAIN = "plain"
    HTML = "html"
    MARKDOWN = "markdown"
    FACETS = "facets"


@dataclass(slots=True)
class Account:
    """One of the user's own accounts on a platform."""

    name: str
    platform: str
    base_url: str
    handle: str = ""
    remote_id: str = ""
    id: int | None = None


@dataclass(slots=True)
class Contact:
    """One identity on one platform (the same human on two platforms is two contacts)."""

    platform: str
    remote_id: str
    handle: str
    display_name: str = ""
    profile_url: str = ""
    instance: str = ""
    links: list[str] = field(default_factory=list)
    bio: str = ""
    person_id: int | None = None
    id: int | None = None

    @property
    def label(self) -> str:
        return self.display_name or self.handle


@dataclass(slots=True)
class Person:
    """Several contacts linked by the user as one human."""

    name: str
    contact_ids: list[int] = field(default_factory=list)
    note: str = ""
    id: int | None = None


@dataclass(slots=True)
class Tone:
    """The tone verdict stored with an item or a reply."""

    polarity: float = 0.0
    risk: float = 0.0
    conflict: bool = False
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Item:
    """An incoming mention, reply, comment, quote or direct message."""

    account: str
    platform: str
    remote_id: str
    kind: ItemKind
    author: Contact
    text: str
    created_at: datetime
    markup: str = ""
    markup_format: MarkupFormat = MarkupFormat.PLAIN
    url: str = ""
    thread_root_id: str = ""
    parent_id: str = ""
    state: ItemState = ItemState.NEW
    snoozed_until: datetime | None = None
    tags: list[str] = field(default_factory=list)
    is_question: bool = False
    important: bool = False
    read: bool = False
    tone: Tone = field(default_factory=Tone)
    # What a connector needs later to reply, fetch context or mark read (e.g. a Bluesky cid).
    platform_data: JSON = field(default_factory=dict)
    id: int | None = None
    #: The store's position of the item in time order (for paging); None until stored.
    sort_key: int | None = None


@dataclass(slots=True)
class Reply:
    """The user's answer to an item, from first keystroke to sent."""

    item_id: int
    account: str
    text: str
    state: ReplyState = ReplyState.DRAFT
    idempotency_key: str = ""
    remote_id: str = ""
    remote_url: str = ""
    error: str = ""
    attempts: int = 0
    forced: bool = False
    tone: Tone | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    id: int | None = None


@dataclass(slots=True)
class Cursor:
    """Where a sync stopped, per account and stream; the value belongs to the connector."""

    account: str
    stream: str
    value: JSON
    updated_at: datetime | None = None


@dataclass(slots=True)
class ContextPost:
    """A post earlier in a thread, shown above an item (cached, never in the inbox)."""

    remote_id: str
    author: Contact
    text: str
    created_at: datetime
    url: str = ""
    parent_id: str = ""
    is_own: bool = False
    #: For the user's own posts: their tone (-1..1), set by the sync's analysis before they
    #: are stored (the ledger counts it as the tone the user gave); None when not scored.
    polarity: float | None = None
