"""The inbox's views (numbered tabs and the user's saved searches) and the search on top of one.

A view is a query in the search language (core.query); what the list shows is the view's query
and the user's search ANDed together, compiled fresh each time (the owed threshold moves with
the clock).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from core.query import CompiledQuery, Query, QueryContext, Term, matches, parse_query, to_sql
from core.store.inbox_sql import InboxRow


@dataclass(frozen=True, slots=True)
class View:
    id: str
    name: str
    query: str
    description: str
    #: The digit that selects it, for the built-in views.
    key: str = ""
    empty: str = "Nothing here."
    #: Drawn oldest first (who has waited longest at the top) instead of newest first.
    oldest_first: bool = False


BUILTIN_VIEWS: tuple[View, ...] = (
    View(
        "inbox",
        "Inbox",
        "is:new",
        "open items: not done, snoozed or muted",
        "1",
        "Inbox zero. New mentions and replies land here as they sync.",
    ),
    View(
        "unread",
        "Unread",
        "is:new is:unread",
        "open items you have not read yet",
        "2",
        "Nothing unread. An item counts as read once the cursor has rested on it.",
    ),
    View(
        "owed",
        "Owed",
        "is:owed",
        "addressed to you, open, older than your target reply time, unanswered; "
        "the longest waiting first",
        "3",
        "You owe nobody a reply right now.",
        oldest_first=True,
    ),
    View(
        "flagged",
        "Flagged",
        "is:new is:flagged",
        "open items whose tone looks like a conflict",
        "4",
        "No open item looks like a conflict.",
    ),
    View("all", "All", "", "everything, including done, snoozed and muted items", "5"),
)


def builtin_view(view_id: str) -> View:
    return next(v for v in BUILTIN_VIEWS if v.id == view_id)


def saved_views(saved: dict[str, str]) -> list[View]:
    """The user's [views] from config, as views (invalid queries are left out)."""
    views = []
    for name, text in saved.items():
        try:
            parse_query(text)
        except ValueError:
            continue
        views.append(View(f"saved:{name}", name, text, f"saved search: {text}"))
    return views


@dataclass(slots=True)
class Scope:
    """What the list shows: a view, plus the search typed over it."""

    view: View
    search: Query = field(default_factory=Query)

    @property
    def query(self) -> Query:
        base = parse_query(self.view.query)
        return Query(terms=[*base.terms, *self.search.terms], source=self.source)

    @property
    def source(self) -> str:
        return " ".join(p for p in (self.view.query, self.search.source) if p)

    def compiled(self, now: datetime, target: timedelta) -> CompiledQuery:
        return to_sql(self.query, QueryContext(now=now, target_response=target))

    def also(self, extra: str, now: datetime, target: timedelta) -> CompiledQuery:
        """This scope narrowed by `extra` (e.g. is:owed, for jumping to the next owed item)."""
        query = self.query
        more = parse_query(extra)
        return to_sql(
            Query(terms=[*query.terms, *more.terms]),
            QueryContext(now=now, target_response=target),
        )

    def still_matches(self, row: InboxRow, now: datetime, target: timedelta) -> bool:
        """Whether a changed row still belongs in the list, judged in memory.

        Full-text words are skipped: triage never changes an item's text, so an item the index
        matched before still matches. is:owed also asks whether the item was answered, which
        the row knows (from Rapport or on the platform) and the item alone does not. The exact
        count is checked afterwards in the background.
        """
        context = QueryContext(now=now, target_response=target)
        for term in self.query.terms:
            if not term.key:
                continue
            if term.key == "is" and term.value == "owed":
                hit = matches(Query(terms=[Term("is", "owed")]), row.item, context)
                hit = hit and not row.answered and not row.deleted
            else:
                hit = matches(Query(terms=[replace(term, negated=False)]), row.item, context)
            if hit == term.negated:
                return False
        return True
