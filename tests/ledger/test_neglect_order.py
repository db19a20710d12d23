"""`rapport contacts` (sort "neglected"): a documented order of severity, not a count of flags.

The longest wait of an owed reply first, then the longest unanswered streak, then the widest
gap between the user's overall reply rate and this contact's (core.ledger.ledger.NEGLECT_ORDER).
"""

from __future__ import annotations

from datetime import UTC, timedelta

from core.ledger import FlagKind, Ledger
from core.models import ItemState
from tests.ledger.history import DAY, HOUR, History, at, incoming, person

NOW = at(days=20)
OLD = person("old", "@old@a.example", "Old")  # one reply owed for 5 days
RECENT = person("recent", "@recent@a.example", "Recent")  # one owed for a day
BUSY = person("busy", "@busy@a.example", "Busy")  # three owed for 8 h: two flags
STREAKY = person("streaky", "@streaky@a.example", "Streaky")  # 5 unanswered, none owed
LOW = person("low", "@low@a.example", "Low")  # answered 1 of 5, the latest
HIGH = person("high", "@high@a.example", "High")  # answered 4 of 5, the latest too


async def build(history: History) -> None:
    await history.receive(
        incoming("o1", OLD, NOW - 5 * DAY),
        incoming("r1", RECENT, NOW - DAY),
        *(incoming(f"b{n}", BUSY, NOW - (9 - n) * HOUR) for n in range(1, 4)),
        *(incoming(f"s{n}", STREAKY, NOW - 3 * DAY + n * HOUR) for n in range(1, 6)),
        *(incoming(f"l{n}", LOW, NOW - 10 * DAY + n * HOUR) for n in range(1, 6)),
        *(incoming(f"h{n}", HIGH, NOW - 10 * DAY + n * HOUR) for n in range(1, 6)),
    )
    # Handled in the inbox without a reply: unanswered, but owed no more.
    done = [f"s{n}" for n in range(1, 6)] + [f"l{n}" for n in range(1, 5)] + ["h1"]
    await history.store.set_state([history.ids[key] for key in done], ItemState.DONE)
    await history.reply_from_rapport("l5", NOW - 10 * DAY + 6 * HOUR)
    for n in range(2, 6):
        await history.reply_from_rapport(f"h{n}", NOW - 10 * DAY + (n + 1) * HOUR)


async def test_neglected_puts_the_longest_owed_wait_first_then_streak_then_rate_gap(
    history: History,
) -> None:
    await build(history)
    ledger = Ledger(history.store, target_response=timedelta(hours=4), now=NOW, tz=UTC)

    found = await ledger.contacts("neglected")

    assert [s.name for s in found] == ["Old", "Recent", "Busy", "Streaky", "Low", "High"]
    busy = next(s for s in found if s.name == "Busy")
    # More flags than anyone above it, yet below: it has waited 8 h, the others days.
    assert {f.kind for f in busy.flags} == {FlagKind.OWED, FlagKind.NEGLECTED}
    assert all(len(s.flags) < len(busy.flags) for s in found[:2])
    assert [s.oldest_owed_wait for s in found[:3]] == [5 * DAY, DAY, 8 * HOUR]
    assert [s.streak for s in found[3:]] == [5, 0, 0]
    assert (await ledger.contacts("neglected", limit=2))[1].name == "Recent"
