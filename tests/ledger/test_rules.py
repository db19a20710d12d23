"""The smaller rules: business hours, wording, and the flags not in the known history."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.ledger import FlagKind, Ledger
from core.ledger.hours import BusinessHours
from core.ledger.wording import duration, ordinal
from tests.ledger.history import DAY, HOUR, History, at, incoming, person

NINE_TO_FIVE = BusinessHours(9, 17, UTC)


def test_durations_read_the_way_people_say_them() -> None:
    assert duration(timedelta(seconds=20)) == "under a minute"
    assert duration(timedelta(minutes=75)) == "75 min"
    assert duration(timedelta(hours=2, minutes=10)) == "2 h"
    assert duration(timedelta(hours=2, minutes=30)) == "3 h"  # half up
    assert duration(timedelta(hours=47)) == "47 h"
    assert duration(timedelta(days=3)) == "3 days"
    assert duration(timedelta(days=30)) == "4 weeks"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 102, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "102nd",
        "111th",
    ]


def test_business_hours_skip_nights_and_weekends() -> None:
    monday_10 = at(days=7, hours=1)  # T0 is Monday 09:00; a week later, 10:00
    friday = at(days=4)  # Friday 09:00
    # 4 h of work before Monday 10:00: one hour on Monday, three on Friday afternoon.
    assert NINE_TO_FIVE.cutoff(monday_10, 4 * HOUR) == friday + 5 * HOUR
    assert NINE_TO_FIVE.elapsed(friday + 5 * HOUR, monday_10) == 4 * HOUR
    assert NINE_TO_FIVE.elapsed(at(days=5), monday_10) == HOUR  # Saturday counts nothing
    assert NINE_TO_FIVE.cutoff(at(days=5), timedelta(0)) == at(days=5)


def test_the_cutoff_agrees_with_elapsed_working_time() -> None:
    rng = random.Random(5)
    paris = BusinessHours(8, 18, ZoneInfo("Europe/Paris"))  # across a daylight-saving change
    start = datetime(2026, 10, 20, tzinfo=UTC)
    for _ in range(300):
        now = start + timedelta(minutes=rng.randrange(0, 20 * 24 * 60))
        created = now - timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
        target = timedelta(minutes=rng.randrange(0, 20 * 60))
        owed = paris.elapsed(created, now) >= target
        assert (created <= paris.cutoff(now, target)) == owed, (created, now, target)


async def test_owed_counts_only_business_hours_when_asked(history: History) -> None:
    ann = person("ann", "@ann@fosstodon.org", "Ann")
    await history.receive(
        incoming("fri-14", ann, at(days=4, hours=5)),  # 3 h on Friday + 1 h Monday: owed
        incoming("fri-1430", ann, at(days=4, hours=5, minutes=30)),  # 3.5 h: not yet
        incoming("sat", ann, at(days=5, hours=2)),  # only Monday's hour
    )
    monday_10 = at(days=7, hours=1)
    office = Ledger(history.store, timedelta(hours=4), monday_10, business_hours=(9, 17), tz=UTC)
    assert [o.item_id for o in await office.owed()] == [history.ids["fri-14"]]
    always = Ledger(history.store, timedelta(hours=4), monday_10, tz=UTC)
    assert len(await always.owed()) == 3
    summary = await office.contact_summary(await history.author_of("sat"))
    assert summary.owed == 1
    assert summary.waiting == 3


async def test_a_reply_rate_far_below_the_users_own_is_neglect(history: History) -> None:
    regulars = [person(f"r{n}", f"@r{n}@fosstodon.org", f"R{n}") for n in range(4)]
    quiet = person("q", "@quiet@fosstodon.org", "Quinn")
    items = [incoming(f"r{n}-{k}", regulars[n], at(days=k)) for n in range(4) for k in range(5)]
    items += [incoming(f"q-{k}", quiet, at(days=k, hours=1)) for k in range(6)]
    await history.receive(*items)
    for n in range(4):
        for k in range(5):
            await history.reply_from_rapport(f"r{n}-{k}", at(days=k, minutes=30))
    for k in (0, 4):  # two of Quinn's six, the last one included: no streak
        await history.reply_from_rapport(f"q-{k}", at(days=k, hours=2))
    ledger = Ledger(history.store, now=at(days=6), tz=UTC)
    quinn = await ledger.contact_summary(await history.author_of("q-0"))
    assert quinn.streak == 1
    # overall: 22 of 26 answered = 85%; Quinn 2 of 6 = 33% (< half, 52 points below)
    neglect = [f.sentence for f in quinn.flags if f.kind is FlagKind.NEGLECTED]
    assert neglect == ["You have answered 2 of Quinn's 6 messages; overall you answer 85%."]
    regular = await ledger.contact_summary(await history.author_of("r0-0"))
    assert regular.flags == []


async def test_replies_colder_than_usual_are_flagged(history: History) -> None:
    kim = person("kim", "@kim@fosstodon.org", "Kim")
    lee = person("lee", "@lee@fosstodon.org", "Lee")
    await history.receive(
        *[incoming(f"k{n}", kim, at(days=n)) for n in range(6)],
        *[incoming(f"l{n}", lee, at(days=n, hours=1)) for n in range(7)],
    )
    # Kim: warm for months, then two curt replies (the last 30 days are "recent").
    now = at(days=40)
    for n, polarity in enumerate([0.6, 0.5, 0.7, 0.6]):
        await history.reply_from_rapport(f"k{n}", now - (60 - n) * DAY, polarity=polarity)
    for n, polarity in ((4, -0.2), (5, 0.0)):
        await history.reply_from_rapport(f"k{n}", now - (10 - n) * DAY, polarity=polarity)
    # Lee: only recent replies, against the replies to everyone else (Kim's six, mean 0.367).
    for n in range(2):
        await history.reply_from_rapport(f"l{n}", now - 5 * DAY, polarity=0.2)
    ledger = Ledger(history.store, now=now, tz=UTC)
    kim_flags = (await ledger.contact_summary(await history.author_of("k0"))).flags
    assert [f.sentence for f in kim_flags if f.kind is FlagKind.COLDER] == [
        "Your recent replies to Kim are colder than your earlier ones."
    ]
    # 0.2 is not 0.3 below 0.367: no flag.
    lee_summary = await ledger.contact_summary(await history.author_of("l0"))
    assert [f for f in lee_summary.flags if f.kind is FlagKind.COLDER] == []
    await history.reply_from_rapport("l2", now - DAY, polarity=-0.4)
    lee_summary = await ledger.contact_summary(await history.author_of("l0"))
    assert lee_summary.tone_given_recent == pytest.approx(0.0)
    assert [f.sentence for f in lee_summary.flags if f.kind is FlagKind.COLDER] == [
        "Your recent replies to Lee are colder than your replies to others."
    ]


async def test_the_one_line_sentence_and_owed_wording_for_newcomers(history: History) -> None:
    newcomer = person("new", "@new@fosstodon.org", "")
    await history.receive(incoming("n1", newcomer, at(), question=True))
    ledger = Ledger(history.store, now=at(hours=6), tz=UTC)
    summary = await ledger.contact_summary(await history.author_of("n1"))
    assert summary.name == "@new@fosstodon.org"  # no display name: the handle
    assert summary.sentence == "First message, not answered yet"
    [owed] = await ledger.owed()
    assert owed.sentence == "@new@fosstodon.org asked you a question 6 h ago; your target is 4 h."
    await history.reply_from_rapport("n1", at(minutes=20))
    summary = await ledger.contact_summary(await history.author_of("n1"))
    assert summary.sentence == "First message, answered in 20 min"
    assert await ledger.owed() == []
