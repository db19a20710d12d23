"""The Ledger: the consistency ledger's one entry point (definitions in core.ledger)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from core.ledger import engagement
from core.ledger.facts import Facts, Norms, facts_from_row, merge_facts
from core.ledger.hours import WEEKDAYS, BusinessHours
from core.ledger.links import LinkSuggestion, suggest
from core.ledger.model import ContactSummary, OwedItem
from core.ledger.numbers import median, p90
from core.ledger.owed import owed_item
from core.ledger.summary import summarize
from core.query import QueryContext
from core.timeutil import ensure_utc, from_epoch, to_epoch, utcnow

if TYPE_CHECKING:
    from core.config import GeneralConfig
    from core.store.repository import Store

Now = datetime | Callable[[], datetime] | None
SORTS = ("neglected", "recent", "volume")
#: The window for "recent" tone (received and given), against everything before it.
RECENT = timedelta(days=30)


def local_timezone() -> tzinfo:
    return datetime.now().astimezone().tzinfo or UTC


class Ledger:
    """Reads the ledger the store keeps up to date, and turns it into summaries and flags.

    `now` is a datetime or a callable returning one (tests inject time); `business_hours`
    (start, end) counts the target response time in working hours only, in `tz` (default:
    the machine's local time zone, which is also where stats days begin).
    """

    def __init__(
        self,
        store: Store,
        target_response: timedelta = timedelta(hours=4),
        now: Now = None,
        *,
        business_hours: tuple[int, int] | None = None,
        workdays: frozenset[int] = WEEKDAYS,
        tz: tzinfo | None = None,
    ) -> None:
        self.store = store
        self.target_response = target_response
        self._now = now
        self.tz = tz or local_timezone()
        self.business_hours = (
            BusinessHours(business_hours[0], business_hours[1], self.tz, workdays)
            if business_hours
            else None
        )
        # The norms (sums over every contact) are read on every summary: kept until the data
        # changes.
        self._norms: tuple[tuple[int, int], Norms] | None = None

    @classmethod
    def from_config(
        cls, store: Store, general: GeneralConfig, now: Now = None, tz: tzinfo | None = None
    ) -> Ledger:
        return cls(
            store,
            general.target_response_delta,
            now,
            business_hours=general.business_hours,
            tz=tz,
        )

    def now(self) -> datetime:
        if self._now is None:
            return utcnow()
        moment = self._now() if callable(self._now) else self._now
        return ensure_utc(moment)

    def owed_context(self, now: datetime | None = None) -> QueryContext:
        """The context for `is:owed`: past the target, counted in business hours if set."""
        now = now or self.now()
        if self.business_hours is None:
            return QueryContext(now=now, target_response=self.target_response)
        cutoff = self.business_hours.cutoff(now, self.target_response)
        # owed_sql compares created_at with now - target: hand it the cutoff directly.
        return QueryContext(now=cutoff, target_response=timedelta(0))

    async def rebuild(self) -> None:
        """Recompute everything from the stored items, replies and own posts."""
        await self.store.rebuild_ledger()

    # ---- contacts and persons ------------------------------------------------------------------

    async def contact_summary(self, contact_id: int) -> ContactSummary:
        """One contact's summary (fast: it reads the maintained row and the contact's items)."""
        await self.store.ledger_prepare()
        summaries = await self._summaries([contact_id])
        if not summaries:
            raise KeyError(f"no contact with id {contact_id}")
        return summaries[0]

    async def person_summary(self, person_id: int) -> ContactSummary:
        """A person's summary: their linked contacts rolled up."""
        await self.store.ledger_prepare()
        name = await self.store.person_name(person_id)
        if name is None:
            raise KeyError(f"no person with id {person_id}")
        ids = await self.store.person_contact_ids(person_id)
        now = self.now()
        parts = await self._facts(ids, now)
        merged = merge_facts(person_id, name, parts)
        ordered = await self.store.ledger_delays(ids)
        merged.median_delay, merged.p90_delay = median(ordered), p90(ordered)
        merged.streak = await self.store.ledger_streak_after(ids, merged.last_answered_item)
        return summarize(merged, await self._current_norms(), now, self.target_response)

    async def contacts(
        self,
        sort: str = "neglected",
        person: int | str | None = None,
        limit: int | None = None,
    ) -> list[ContactSummary]:
        """Every contact something was received from (or a person's contacts), sorted:
        "neglected" (see NEGLECT_ORDER), "recent" (latest message first) or "volume" (most
        messages first)."""
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        await self.store.ledger_prepare()
        ids = (
            None
            if person is None
            else await self.store.person_contact_ids(await self.resolve_person(person))
        )
        summaries = await self._summaries(ids)
        if sort == "neglected":
            overall = (await self._current_norms()).reply_rate
            summaries.sort(key=lambda s: neglect_key(s, overall))
        else:
            summaries.sort(key=_SORT_KEYS[sort])
        return summaries[:limit] if limit is not None else summaries

    async def resolve_person(self, person: int | str) -> int:
        if isinstance(person, int):
            if await self.store.person_name(person) is None:
                raise KeyError(f"no person with id {person}")
            return person
        found = await self.store.person_named(person)
        if not found:
            raise KeyError(f"no person named {person!r}")
        if len(found) > 1:
            ids = ", ".join(str(pid) for pid, _ in found)
            raise KeyError(f"{len(found)} persons are named {person!r} (ids {ids})")
        return found[0][0]

    async def _summaries(self, contact_ids: Sequence[int] | None) -> list[ContactSummary]:
        now = self.now()
        facts = await self._facts(contact_ids, now)
        norms = await self._current_norms()
        return [summarize(f, norms, now, self.target_response) for f in facts]

    async def _current_norms(self) -> Norms:
        version = await self.store.ledger_data_version()
        if self._norms is None or self._norms[0] != version:
            self._norms = (version, Norms.from_totals(await self.store.ledger_totals()))
        return self._norms[1]

    async def _facts(self, contact_ids: Sequence[int] | None, now: datetime) -> list[Facts]:
        rows = await self.store.ledger_rows(contact_ids)
        recent = to_epoch(now - RECENT)
        received = await self.store.ledger_received_since(recent, contact_ids)
        given = await self.store.ledger_given_since(recent, contact_ids)
        waiting = await self.store.ledger_open_items(self.owed_context(now), contact_ids)
        return [
            facts_from_row(
                row,
                received.get(row.contact_id),
                given.get(row.contact_id),
                waiting.get(row.contact_id),
            )
            for row in rows
        ]

    async def link(self, a_id: int, b_id: int) -> int:
        """Link two contacts as one person (created, extended or merged); returns its id. A new
        person is named after the first contact's display name (or handle)."""
        if a_id == b_id:
            raise ValueError("a contact cannot be linked to itself")
        first = await self.store.contact(a_id)
        if first is None:
            raise KeyError(f"no contact with id {a_id}")
        return await self.store.link_contacts(a_id, b_id, first.label)

    async def unlink(self, contact_id: int) -> None:
        """Take a contact out of its person (the person goes once it has no contact left)."""
        await self.store.unlink_contact(contact_id)

    async def suggest_links(self) -> list[LinkSuggestion]:
        return suggest(await self.store.all_contacts())

    # ---- owed replies and statistics -----------------------------------------------------------

    async def owed(self, limit: int = 100) -> list[OwedItem]:
        """Items owed a reply, longest waiting first."""
        await self.store.ledger_prepare()
        now = self.now()
        rows = await self.store.ledger_owed(self.owed_context(now), limit)
        return [owed_item(row, now, self.target_response) for row in rows]

    async def stats(self, since: datetime | None = None) -> engagement.Stats:
        """Engagement statistics from `since` (default: all history) to now."""
        await self.store.ledger_prepare()
        now = self.now()
        start = to_epoch(since) if since is not None else await self.store.ledger_first_item_time()
        start_epoch = start if start is not None else to_epoch(now)
        until = to_epoch(now) + 1  # include items stamped this very second
        celebrate_since = max(start_epoch, to_epoch(now - engagement.CELEBRATE_WINDOW))
        data = engagement.StatsInput(
            since=since,
            first_day=from_epoch(start_epoch).astimezone(self.tz).date(),
            until=now,
            hours=await self.store.ledger_hours(start_epoch, until),
            delays=await self.store.ledger_delays_between(start_epoch, until),
            top=await self.store.ledger_top_contacts(
                None if since is None else start_epoch, until, engagement.TOP_CONTACTS
            ),
            celebrate=await self.store.ledger_celebrate(
                celebrate_since, engagement.CELEBRATE_POLARITY, engagement.CELEBRATE_LIMIT
            ),
            owed=await self.store.ledger_owed_count(self.owed_context(now)),
        )
        return engagement.build_stats(data, now, self.tz)


#: The "neglected" order, most pressing first (what `rapport contacts` documents):
NEGLECT_ORDER = (
    "the longest wait of an owed reply (owed: addressed to you, unanswered, past your target)",
    "then the longest unanswered streak",
    "then the widest gap between your overall reply rate and theirs",
    "then the most flags, then whoever wrote last",
)


def neglect_key(s: ContactSummary, overall_rate: float | None) -> tuple[float, ...]:
    """The sort key of NEGLECT_ORDER (ascending sorts the most neglected first)."""
    waited = s.oldest_owed_wait.total_seconds() if s.oldest_owed_wait is not None else 0.0
    gap = 0.0
    if overall_rate is not None and s.reply_rate is not None:
        gap = max(0.0, overall_rate - s.reply_rate)
    latest = s.last_received.timestamp() if s.last_received else 0.0
    return (-waited, -s.streak, -gap, -len(s.flags), -latest)


def _recent_key(s: ContactSummary) -> tuple[float, ...]:
    return (-(s.last_received.timestamp() if s.last_received else 0.0), -s.received)


def _volume_key(s: ContactSummary) -> tuple[float, ...]:
    latest = s.last_received.timestamp() if s.last_received else 0.0
    return (-s.received, -latest)


_SORT_KEYS: dict[str, Callable[[ContactSummary], tuple[float, ...]]] = {
    "recent": _recent_key,
    "volume": _volume_key,
}
