"""The search language, shared by the app's search box, saved views and ingest rules.

    from:maria platform:bluesky is:owed tone:negative tag:bug "exact phrase" crash -wontfix

Filters are ANDed; free words and "phrases" go to the full-text index; a leading `-` negates a
word or a filter. A query compiles to SQL for the store, and can also test one in-memory item
(rules run on items before they are stored).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.models import Item, ItemState
from core.timeutil import parse_date, to_epoch

FILTERS = (
    "from",
    "platform",
    "account",
    "kind",
    "tag",
    "is",
    "tone",
    "before",
    "after",
)
IS_VALUES = (
    "new",
    "done",
    "snoozed",
    "muted",
    "owed",
    "flagged",
    "question",
    "important",
    "unread",
)
TONES = ("negative", "neutral", "positive")
#: Polarity beyond which a message counts as negative / positive.
TONE_THRESHOLD = 0.1
#: Kinds that address the user directly (and so can be owed a reply).
DIRECT_KINDS = ("mention", "reply", "direct", "comment", "review", "quote")


class QueryError(ValueError):
    """A query that cannot be understood; the message says which part and what is allowed."""


@dataclass(frozen=True, slots=True)
class Term:
    key: str  # a filter name, or "" for full-text
    value: str
    negated: bool = False
    phrase: bool = False


@dataclass(slots=True)
class Query:
    terms: list[Term] = field(default_factory=list)
    source: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.terms

    def chips(self) -> list[str]:
        """Short labels of what is active, for the filter chips."""
        labels = []
        for term in self.terms:
            text = f'"{term.value}"' if term.phrase else term.value
            label = f"{term.key}:{text}" if term.key else text
            labels.append(("-" if term.negated else "") + label)
        return labels


def parse_query(text: str) -> Query:
    try:
        tokens = shlex.split(text, posix=True)
    except ValueError:
        raise QueryError('a quote is not closed: end the "phrase" with another "') from None
    raw_phrases = set(re.findall(r'"([^"]*)"', text))
    terms: list[Term] = []
    for token in tokens:
        negated = token.startswith("-") and len(token) > 1
        body = token[1:] if negated else token
        key, sep, value = body.partition(":")
        if sep and key.lower() in FILTERS:
            terms.append(_filter_term(key.lower(), value, negated))
        elif body.strip():
            terms.append(Term("", body, negated, phrase=body in raw_phrases and " " in body))
    return Query(terms=terms, source=text)


def _filter_term(key: str, value: str, negated: bool) -> Term:
    if not value:
        raise QueryError(f"{key}: needs a value, e.g. {key}:{_example(key)}")
    lowered = value.lower()
    if key == "is" and lowered not in IS_VALUES:
        raise QueryError(f"is:{value} is unknown: use one of {', '.join(IS_VALUES)}")
    if key == "tone" and lowered not in TONES:
        raise QueryError(f"tone:{value} is unknown: use one of {', '.join(TONES)}")
    if key in ("before", "after"):
        try:
            parse_date(value)
        except ValueError as exc:
            raise QueryError(f"{key}: {exc}") from None
    return Term(key, lowered if key not in ("from",) else value, negated)


def _example(key: str) -> str:
    """A value that works for `key`. Dates are relative or computed from today, so an example
    never names a day long gone (or one still to come)."""
    if key == "before":
        month_ago = (datetime.now() - timedelta(days=30)).date()
        return f"30d or before:{month_ago.isoformat()}"
    return {
        "from": "maria",
        "platform": "bluesky",
        "account": "work",
        "kind": "mention",
        "tag": "bug",
        "is": "owed",
        "tone": "negative",
        "after": "7d",
    }[key]


# ---- compiling to SQL --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueryContext:
    now: datetime
    target_response: timedelta = timedelta(hours=4)


def owed_sql(context: QueryContext) -> tuple[str, list[Any]]:
    """Addressed to the user, still open and there, older than the target, and not answered:
    neither by a reply sent from Rapport nor by one the user posted on the platform (the
    ledger's item_answers; the sent-reply test stays for a database whose ledger is still to be
    rebuilt)."""
    kinds = ",".join(f"'{k}'" for k in DIRECT_KINDS)
    sql = (
        f"(items.state = 'new' AND items.kind IN ({kinds}) AND items.created_at <= ? "
        "AND items.deleted_at IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM replies r WHERE r.item_id = items.id "
        "AND r.state = 'sent') "
        "AND NOT EXISTS (SELECT 1 FROM item_answers a WHERE a.item_id = items.id))"
    )
    return sql, [to_epoch(context.now - context.target_response)]


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """SQL for the store: an FTS5 expression (or None) and a WHERE clause over
    `items JOIN accounts JOIN contacts` with its parameters."""

    match: str | None
    where: str
    params: list[Any]


def to_sql(query: Query, context: QueryContext) -> CompiledQuery:
    clauses: list[str] = []
    params: list[Any] = []
    words = [t for t in query.terms if not t.key and not t.negated]
    unwanted = [t for t in query.terms if not t.key and t.negated]
    # Tags are indexed too: a tag filter can drive the search (the exact test stays below).
    tags = [t for t in query.terms if t.key == "tag" and not t.negated]
    match = None
    if words or tags:
        # FTS5 does AND and NOT itself, walking its matches newest first.
        wanted = [_fts_literal(t.value) for t in words]
        wanted += [f"tags : {_fts_literal(t.value)}" for t in tags]
        match = " AND ".join(wanted)
        match += "".join(f" NOT {_fts_literal(t.value)}" for t in unwanted)
    elif unwanted:
        clauses.append(
            "items.sort_key NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)"
        )
        params.append(" OR ".join(_fts_literal(t.value) for t in unwanted))
    for term in query.terms:
        if not term.key:
            continue
        sql, values = _filter_sql(term, context)
        clauses.append(f"NOT {sql}" if term.negated else sql)
        params.extend(values)
    return CompiledQuery(match=match, where=" AND ".join(clauses) or "1", params=params)


def _fts_literal(value: str) -> str:
    """A word or phrase as a safe FTS5 string (the user's quotes and operators are data)."""
    return '"' + value.replace('"', '""') + '"'


def _filter_sql(term: Term, context: QueryContext) -> tuple[str, list[Any]]:
    key, value = term.key, term.value
    if key == "from":
        pattern = f"%{_like_escape(value.lstrip('@'))}%"
        return (
            "(contacts.handle LIKE ? ESCAPE '\\' OR contacts.display_name LIKE ? ESCAPE '\\')",
            [pattern, pattern],
        )
    if key == "platform":
        return "accounts.platform = ?", [value]
    if key == "account":
        return "accounts.name = ?", [value]
    if key == "kind":
        return "items.kind = ?", [value]
    if key == "tag":
        return "instr(' ' || items.tags || ' ', ?) > 0", [f" {value} "]
    if key == "tone":
        if value == "negative":
            return "items.polarity <= ?", [-TONE_THRESHOLD]
        if value == "positive":
            return "items.polarity >= ?", [TONE_THRESHOLD]
        return "(items.polarity > ? AND items.polarity < ?)", [-TONE_THRESHOLD, TONE_THRESHOLD]
    if key == "before":
        return "items.created_at < ?", [to_epoch(parse_date(value))]
    if key == "after":
        return "items.created_at >= ?", [to_epoch(parse_date(value))]
    return _is_sql(value, context)


def _is_sql(value: str, context: QueryContext) -> tuple[str, list[Any]]:
    if value in ("new", "done", "snoozed", "muted"):
        return "items.state = ?", [value]
    if value == "owed":
        return owed_sql(context)
    if value == "flagged":
        return "items.conflict = 1", []
    if value == "question":
        return "items.is_question = 1", []
    if value == "important":
        return "items.important = 1", []
    return "items.read = 0", []  # unread


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---- matching one item in memory (ingest rules) ------------------------------------------------


def matches(query: Query, item: Item, context: QueryContext) -> bool:
    return all(_term_matches(term, item, context) != term.negated for term in query.terms)


def _term_matches(term: Term, item: Item, context: QueryContext) -> bool:
    key, value = term.key, term.value.lower()
    if not key:
        haystack = f"{item.text} {item.author.handle} {item.author.display_name}".lower()
        if term.phrase:
            return value in haystack
        return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", haystack) is not None
    if key == "from":
        needle = value.lstrip("@")
        return needle in item.author.handle.lower() or needle in item.author.display_name.lower()
    if key == "platform":
        return item.platform == value
    if key == "account":
        return item.account.lower() == value
    if key == "kind":
        return item.kind.value == value
    if key == "tag":
        return value in item.tags
    if key == "tone":
        polarity = item.tone.polarity
        if value == "negative":
            return polarity <= -TONE_THRESHOLD
        if value == "positive":
            return polarity >= TONE_THRESHOLD
        return -TONE_THRESHOLD < polarity < TONE_THRESHOLD
    if key == "before":
        return item.created_at < parse_date(term.value)
    if key == "after":
        return item.created_at >= parse_date(term.value)
    return _is_matches(value, item, context)


def _is_matches(value: str, item: Item, context: QueryContext) -> bool:
    if value in ("new", "done", "snoozed", "muted"):
        return item.state == ItemState(value)
    if value == "owed":
        return (
            item.state is ItemState.NEW
            and item.kind.value in DIRECT_KINDS
            and item.created_at <= context.now - context.target_response
        )
    if value == "flagged":
        return item.tone.conflict
    if value == "question":
        return item.is_question
    if value == "important":
        return item.important
    return not item.read
