"""The numbers a summary is made from: one contact's (or a person's merged) totals, and the
user's totals over everyone, which are the norms a contact is compared with."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ledger.numbers import mean
from core.store.ledger_sql import LedgerRow, LedgerTotals, OpenItems, WindowSum

#: Below this many messages overall, the user's overall reply rate says too little to compare.
NORM_MIN_RECEIVED = 10
_NONE = WindowSum(0, 0.0)


@dataclass(slots=True)
class Facts:
    kind: str
    name: str
    handle: str
    platforms: list[str]
    contact_ids: list[int]
    contact_id: int | None = None
    person_id: int | None = None
    person_name: str | None = None
    received: int = 0
    answered: int = 0
    deleted: int = 0
    streak: int = 0
    polarity_sum: float = 0.0
    received_recent: WindowSum = field(default=_NONE)
    given_sum: float = 0.0
    given_count: int = 0
    given_recent: WindowSum = field(default=_NONE)
    last_in: float | None = None
    last_out: float | None = None
    last_answered_item: float | None = None
    median_delay: float | None = None
    p90_delay: float | None = None
    open: OpenItems | None = None

    @property
    def reply_rate(self) -> float | None:
        return self.answered / self.received if self.received else None

    @property
    def tone_received(self) -> float | None:
        return mean(self.polarity_sum, self.received)

    @property
    def tone_received_recent(self) -> float | None:
        return mean(self.received_recent.total, self.received_recent.count)

    @property
    def tone_received_before(self) -> float | None:
        return mean(
            self.polarity_sum - self.received_recent.total,
            self.received - self.received_recent.count,
        )

    @property
    def tone_given(self) -> float | None:
        return mean(self.given_sum, self.given_count)

    @property
    def tone_given_recent(self) -> float | None:
        return mean(self.given_recent.total, self.given_recent.count)

    @property
    def given_before_count(self) -> int:
        return self.given_count - self.given_recent.count

    @property
    def tone_given_before(self) -> float | None:
        return mean(self.given_sum - self.given_recent.total, self.given_before_count)


def facts_from_row(
    row: LedgerRow,
    received_recent: WindowSum | None,
    given_recent: WindowSum | None,
    open_items: OpenItems | None,
) -> Facts:
    return Facts(
        kind="contact",
        name=row.display_name or row.handle,
        handle=row.handle,
        platforms=[row.platform],
        contact_ids=[row.contact_id],
        contact_id=row.contact_id,
        person_id=row.person_id,
        person_name=row.person_name,
        received=row.received,
        answered=row.answered,
        deleted=row.deleted,
        streak=row.streak,
        polarity_sum=row.polarity_sum,
        received_recent=received_recent or _NONE,
        given_sum=row.given_sum,
        given_count=row.given_count,
        given_recent=given_recent or _NONE,
        last_in=row.last_in,
        last_out=row.last_out,
        last_answered_item=row.last_answered_item,
        median_delay=row.median_delay,
        p90_delay=row.p90_delay,
        open=open_items,
    )


def merge_facts(person_id: int, name: str, parts: list[Facts]) -> Facts:
    """A person's facts: sums and extremes of their contacts' (the streak and the delay
    percentiles cannot be merged this way: the caller sets them from the items)."""
    waiting = [p.open for p in parts if p.open is not None]
    owed_times = [o.oldest_owed for o in waiting if o.oldest_owed is not None]
    return Facts(
        kind="person",
        name=name,
        handle=", ".join(p.handle for p in parts),
        platforms=sorted({platform for p in parts for platform in p.platforms}),
        contact_ids=[c for p in parts for c in p.contact_ids],
        person_id=person_id,
        person_name=name,
        received=sum(p.received for p in parts),
        answered=sum(p.answered for p in parts),
        deleted=sum(p.deleted for p in parts),
        polarity_sum=sum(p.polarity_sum for p in parts),
        received_recent=_sum_windows([p.received_recent for p in parts]),
        given_sum=sum(p.given_sum for p in parts),
        given_count=sum(p.given_count for p in parts),
        given_recent=_sum_windows([p.given_recent for p in parts]),
        last_in=_latest([p.last_in for p in parts]),
        last_out=_latest([p.last_out for p in parts]),
        last_answered_item=_latest([p.last_answered_item for p in parts]),
        open=OpenItems(
            waiting=sum(o.waiting for o in waiting),
            oldest_waiting=min(o.oldest_waiting for o in waiting),
            owed=sum(o.owed for o in waiting),
            oldest_owed=min(owed_times) if owed_times else None,
        )
        if waiting
        else None,
    )


def _sum_windows(windows: list[WindowSum]) -> WindowSum:
    return WindowSum(sum(w.count for w in windows), sum(w.total for w in windows))


def _latest(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


@dataclass(frozen=True, slots=True)
class Norms:
    """The user's totals over every contact."""

    received: int = 0
    answered: int = 0
    given_sum: float = 0.0
    given_count: int = 0

    @classmethod
    def from_totals(cls, totals: LedgerTotals) -> Norms:
        return cls(totals.received, totals.answered, totals.given_sum, totals.given_count)

    @property
    def reply_rate(self) -> float | None:
        if self.received < NORM_MIN_RECEIVED:
            return None
        return self.answered / self.received

    def given_to_others(self, facts: Facts) -> tuple[float | None, int]:
        """Mean tone of the user's replies to everyone but this contact, and how many."""
        count = self.given_count - facts.given_count
        return mean(self.given_sum - facts.given_sum, count), count
