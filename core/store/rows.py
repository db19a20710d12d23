"""Conversions between database rows and domain objects."""

from __future__ import annotations

import json
from typing import Any

from core import jsoncodec
from core.models import (
    Contact,
    Item,
    ItemKind,
    ItemState,
    MarkupFormat,
    Reply,
    ReplyState,
    Tone,
)
from core.timeutil import from_epoch, to_epoch

_ITEM_FIELDS = (
    "id",
    "sort_key",
    "remote_id",
    "kind",
    "text",
    "markup",
    "markup_format",
    "url",
    "created_at",
    "thread_root_id",
    "parent_id",
    "state",
    "snoozed_until",
    "tags",
    "is_question",
    "important",
    "read",
    "polarity",
    "risk",
    "conflict",
    "reasons",
    "platform_data",
)
ITEM_COLUMNS = ", ".join(f"items.{name}" for name in _ITEM_FIELDS) + (
    ", accounts.name AS account, accounts.platform AS platform, "
    "contacts.id AS c_id, contacts.remote_id AS c_remote_id, "
    "contacts.handle AS c_handle, contacts.display_name AS c_display_name, "
    "contacts.profile_url AS c_profile_url, contacts.instance AS c_instance, "
    "contacts.person_id AS c_person_id"
)
ITEM_FROM = (
    "items JOIN accounts ON accounts.id = items.account_id "
    "JOIN contacts ON contacts.id = items.author_id"
)


def tags_to_text(tags: list[str]) -> str:
    if not tags:  # the usual case, on every synced item
        return ""
    return " ".join(sorted({t.strip().lower() for t in tags if t.strip()}))


def tags_from_text(text: str) -> list[str]:
    return text.split() if text else []


def item_from_row(row: Any) -> Item:
    author = Contact(
        platform=row["platform"],
        remote_id=row["c_remote_id"],
        handle=row["c_handle"],
        display_name=row["c_display_name"],
        profile_url=row["c_profile_url"],
        instance=row["c_instance"],
        person_id=row["c_person_id"],
        id=row["c_id"],
    )
    snoozed = row["snoozed_until"]
    return Item(
        id=row["id"],
        account=row["account"],
        platform=row["platform"],
        remote_id=row["remote_id"],
        kind=ItemKind(row["kind"]),
        author=author,
        text=row["text"],
        markup=row["markup"],
        markup_format=MarkupFormat(row["markup_format"]),
        url=row["url"],
        created_at=from_epoch(row["created_at"]),
        thread_root_id=row["thread_root_id"],
        parent_id=row["parent_id"],
        state=ItemState(row["state"]),
        snoozed_until=from_epoch(snoozed) if snoozed is not None else None,
        tags=tags_from_text(row["tags"]),
        is_question=bool(row["is_question"]),
        important=bool(row["important"]),
        read=bool(row["read"]),
        tone=Tone(
            polarity=row["polarity"],
            risk=row["risk"],
            conflict=bool(row["conflict"]),
            reasons=json.loads(row["reasons"]),
        ),
        platform_data=json.loads(row["platform_data"]),
        sort_key=row["sort_key"],
    )


def tone_to_json(tone: Tone | None) -> str | None:
    if tone is None:
        return None
    return json.dumps(
        {
            "polarity": tone.polarity,
            "risk": tone.risk,
            "conflict": tone.conflict,
            "reasons": tone.reasons,
        }
    )


def tone_from_json(text: str | None) -> Tone | None:
    if not text:
        return None
    data = json.loads(text)
    return Tone(
        polarity=float(data.get("polarity", 0.0)),
        risk=float(data.get("risk", 0.0)),
        conflict=bool(data.get("conflict", False)),
        reasons=list(data.get("reasons", [])),
    )


REPLY_COLUMNS = (
    "replies.id, item_id, accounts.name AS account, text, state, idempotency_key, "
    "replies.remote_id, remote_url, error, attempts, forced, tone, replies.created_at, "
    "replies.updated_at, sent_at"
)


def reply_from_row(row: Any) -> Reply:
    sent = row["sent_at"]
    return Reply(
        id=row["id"],
        item_id=row["item_id"],
        account=row["account"],
        text=row["text"],
        state=ReplyState(row["state"]),
        idempotency_key=row["idempotency_key"],
        remote_id=row["remote_id"],
        remote_url=row["remote_url"],
        error=row["error"],
        attempts=row["attempts"],
        forced=bool(row["forced"]),
        tone=tone_from_json(row["tone"]),
        created_at=from_epoch(row["created_at"]),
        updated_at=from_epoch(row["updated_at"]),
        sent_at=from_epoch(sent) if sent is not None else None,
    )


def item_values(item: Item, account_id: int, author_id: int, now: float) -> tuple[Any, ...]:
    """The column values for inserting or refreshing an item (user state is not among them).

    Run for every synced item, so the cheap spellings: str() of a StrEnum is its value (and
    about five times faster than .value, a descriptor), and most items have no reasons."""
    reasons = item.tone.reasons
    return (
        account_id,
        item.remote_id,
        str(item.kind),
        author_id,
        _author_label(item.author),
        item.text,
        item.markup,
        str(item.markup_format),
        item.url,
        to_epoch(item.created_at),
        item.thread_root_id,
        item.parent_id,
        int(item.is_question),
        item.tone.polarity,
        item.tone.risk,
        int(item.tone.conflict),
        jsoncodec.dumps(reasons) if reasons else "[]",
        jsoncodec.dumps(item.platform_data, sort_keys=True),
        now,
        now,
        tags_to_text(item.tags),
        str(item.state),
        to_epoch(item.snoozed_until) if item.snoozed_until else None,
        int(item.important),
    )


def _author_label(author: Contact) -> str:
    if author.display_name and author.display_name != author.handle:
        return f"{author.handle} {author.display_name}"
    return author.handle
