"""Engagement statistics and spike detection."""

from __future__ import annotations

import math
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.ledger import Ledger
from core.ledger.engagement import find_spikes
from core.models import ItemState
from tests.ledger.history import History, at, incoming
from tests.ledger.test_known_history import BOB, MARIA, NOW, build


def test_a_spike_is_above_the_trailing_week_by_two_deviations() -> None:
    calm = [10, 12, 9, 11, 10, 10, 11]
    spikes = find_spikes([*calm, 30, 11])
    assert [s.index for s in spikes] == [7]
    assert spikes[0].mean == pytest.approx(73 / 7)
    # mean + 2 x population deviation of the seven days before: squared deviations sum to 40/7
    assert spikes[0].threshold == pytest.approx(73 / 7 + 2 * math.sqrt(40) / 7)
    # Just under the bar: not a spike.
    assert find_spikes([*calm, 12]) == []
    # The day after a spike is judged against a week that includes it.
    assert find_spikes([*calm, 30, 25]) == find_spikes([*calm, 30])


def test_a_quiet_week_needs_a_real_jump() -> None:
    assert find_spikes([0] * 7 + [2]) == []  # above 0 + 2 x 0, but only by 2
    assert [s.index for s in find_spikes([0] * 7 + [3])] == [7]
    assert find_spikes([5] * 6 + [50]) == []  # fewer than seven days before it


async def test_stats_on_a_known_history(history: History) -> None:
    await build(history)
    stats = await Ledger(history.store, now=NOW, tz=UTC).stats()
    overall = stats.overall
    assert stats.days == 10  # 2 to 11 November
    assert (overall.items, overall.answered) == (11, 5)
    assert overall.items_per_day == pytest.approx(1.1)
    assert overall.reply_rate == pytest.approx(5 / 11)
    # 10, 30, 60, 90, 120 min
    assert overall.median_reply == timedelta(minutes=60)
    assert overall.response_times == {
        "under 1 h": 2,
        "1-4 h": 3,
        "4-24 h": 0,
        "1-3 days": 0,
        "3-7 days": 0,
        "over 7 days": 0,
    }
    assert set(stats.platforms) == {"mastodon", "bluesky"}
    assert (stats.platforms["bluesky"].items, stats.platforms["bluesky"].answered) == (2, 1)
    assert (stats.accounts["work"].items, stats.accounts["work"].answered) == (9, 4)
    assert [(c.name, c.items, c.answered) for c in stats.top_contacts] == [
        ("Maria", 9, 4),
        ("Bob", 2, 1),
    ]
    assert [d.items for d in stats.daily] == [1, 1, 1, 1, 1, 1, 1, 1, 2, 1]
    assert stats.owed == 3
    assert stats.spikes == []


async def test_stats_since_a_date_and_json_shape(history: History) -> None:
    await build(history)
    stats = await Ledger(history.store, now=NOW, tz=UTC).stats(since=at(days=8))
    # The 24 h from 10 November 09:00 to 11 November 09:00: one day, though it touches two.
    assert stats.days == 1
    assert [d.day.isoformat() for d in stats.daily] == ["2026-11-10", "2026-11-11"]
    assert (stats.overall.items, stats.overall.answered) == (3, 1)
    assert [c.name for c in stats.top_contacts] == ["Bob", "Maria"]
    data = stats.to_json()
    assert set(data) == {
        "since",
        "until",
        "days",
        "overall",
        "platforms",
        "accounts",
        "daily",
        "spikes",
        "top_contacts",
        "celebrate",
        "owed",
    }
    assert data["since"] == "2026-11-10T09:00:00Z"
    assert data["overall"]["reply_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert data["daily"][0] == {
        "date": "2026-11-10",
        "items": 2,
        "answered": 1,
        "negative": 0,
        "tone": 0.0,
    }


async def test_a_negativity_spike_is_named_and_warm_messages_are_celebrated(
    history: History,
) -> None:
    quiet = [
        incoming(f"q{day}-{n}", MARIA, at(days=day, hours=n), polarity=0.0)
        for day in range(7)
        for n in range(3)
    ]
    angry = [incoming(f"a{n}", BOB, at(days=7, hours=n), polarity=-0.8) for n in range(3)]
    warm = [
        incoming("w1", MARIA, at(days=7, hours=5), polarity=0.9),
        incoming("w2", MARIA, at(days=7, hours=6), polarity=0.6),
        incoming("w3", MARIA, at(days=7, hours=7), polarity=0.95),  # answered below
        incoming("w4", MARIA, at(days=7, hours=8), polarity=0.99),  # muted below
        incoming("w5", MARIA, at(days=7, hours=9), polarity=0.3),  # not warm enough
    ]
    await history.receive(*quiet, *angry, *warm)
    await history.reply_from_rapport("w3", at(days=7, hours=8))
    await history.store.set_state([history.ids["w4"]], ItemState.MUTED)
    now = at(days=7, hours=12)
    stats = await Ledger(history.store, now=now, tz=UTC).stats()

    # 8 messages that Monday against 3 a day, 3 of them negative against none.
    assert [(s.day, s.what, s.value) for s in stats.spikes] == [
        (date(2026, 11, 9), "negativity", 3),
        (date(2026, 11, 9), "volume", 8),
    ]
    assert [s.sentence for s in stats.spikes] == [
        "Mon 09 Nov: 3 negative messages, against under 1 a day the week before.",
        "Mon 09 Nov: 8 messages, against 3 a day the week before.",
    ]
    assert [c.item_id for c in stats.celebrate] == [history.ids["w1"], history.ids["w2"]]
    assert stats.celebrate[0].sentence == (
        "Maria said something kind 7 h ago and has had no answer yet."
    )
    assert stats.celebrate[0].excerpt == "message w1"


async def test_days_are_local_days(history: History) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")  # UTC+9: 20:00 UTC is the next morning there
    await history.receive(
        incoming("late", MARIA, at(hours=11)),  # Monday 20:00 UTC = Tuesday 05:00 JST
        incoming("early", MARIA, at(hours=-8)),  # Monday 01:00 UTC = Monday 10:00 JST
    )
    stats = await Ledger(history.store, now=at(days=1), tz=tokyo).stats()
    assert [(d.day.isoformat(), d.items) for d in stats.daily] == [
        ("2026-11-02", 1),
        ("2026-11-03", 1),
    ]
