"""The pure parts: snooze times, text helpers, the undo stack, keyset paging in the store."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from core.models import ItemState
from core.query import QueryContext, parse_query, to_sql
from core.store.repository import StateSnapshot, Store
from core.workspace import Workspace
from tests.tui.conftest import NOW, item, seed
from tui.snooze_time import parse_snooze, quick_choices
from tui.text import age, ago, duration, graphemes, length_in, ordinal
from tui.undo import UndoStack

MONDAY_NOON = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2h", MONDAY_NOON + timedelta(hours=2)),
        ("30m", MONDAY_NOON + timedelta(minutes=30)),
        ("3d", MONDAY_NOON + timedelta(days=3)),
        ("17:30", MONDAY_NOON.replace(hour=17, minute=30)),
        ("9am", MONDAY_NOON.replace(day=3, hour=9)),  # 9:00 has passed today: tomorrow
        ("5pm", MONDAY_NOON.replace(hour=17)),
        ("tomorrow", MONDAY_NOON.replace(day=3, hour=9)),
        ("tomorrow 14:00", MONDAY_NOON.replace(day=3, hour=14)),
        ("fri", MONDAY_NOON.replace(day=6, hour=9)),
        ("friday 8:00", MONDAY_NOON.replace(day=6, hour=8)),
        ("mon", MONDAY_NOON.replace(day=9, hour=9)),  # today is Monday: next week's
        ("next week", MONDAY_NOON.replace(day=9, hour=9)),
        ("2026-11-04", MONDAY_NOON.replace(day=4, hour=9)),
        ("2026-11-04 15:45", MONDAY_NOON.replace(day=4, hour=15, minute=45)),
    ],
)
def test_parse_snooze(typed: str, expected: datetime) -> None:
    assert parse_snooze(typed, MONDAY_NOON) == expected


@pytest.mark.parametrize("typed", ["", "banana", "25:00", "2020-01-01", "yesterday"])
def test_parse_snooze_refuses_with_a_hint(typed: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_snooze(typed, MONDAY_NOON)


def test_snooze_examples_are_later_than_the_clock() -> None:
    later = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # past every date written in the code
    with pytest.raises(ValueError, match="not a time") as refused:
        parse_snooze("banana", later)
    found = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", str(refused.value))
    assert found is not None
    assert parse_snooze(found.group(0), later) > later  # the example it gives is accepted
    with pytest.raises(ValueError, match="passed") as passed:
        parse_snooze("2026-11-03 14:00", later)
    found = re.search(r"\d{4}-\d{2}-\d{2}", str(passed.value))
    assert found is not None
    assert parse_snooze(found.group(0), later) > later


def test_ago_says_just_now() -> None:
    assert ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=5), NOW) == "5m ago"
    assert age(NOW - timedelta(seconds=20), NOW) == "now"  # the list's column stays short


def test_quick_choices() -> None:
    choices = quick_choices(MONDAY_NOON)
    assert [c.key for c in choices] == ["1", "2", "3", "4"]
    assert [c.until for c in choices] == [
        MONDAY_NOON + timedelta(hours=1),
        MONDAY_NOON + timedelta(hours=3),
        MONDAY_NOON.replace(day=3, hour=9),
        MONDAY_NOON.replace(day=9, hour=9),
    ]


def test_graphemes_as_bluesky_counts_them() -> None:
    assert graphemes("hello") == 5
    assert graphemes("e\u0301") == 1  # e + combining acute
    assert graphemes("👍🏽") == 1  # skin tone
    assert graphemes("👨\u200d👩\u200d👧") == 1  # ZWJ family
    assert graphemes("🇫🇷🇩🇪") == 2  # two flags, four regional indicators
    assert length_in("👍🏽", "characters") == 2
    assert length_in("👍🏽", "graphemes") == 1


def test_short_ages_and_durations() -> None:
    assert age(NOW - timedelta(seconds=30), NOW) == "now"
    assert age(NOW - timedelta(minutes=5), NOW) == "5m"
    assert age(NOW - timedelta(hours=3), NOW) == "3h"
    assert age(NOW - timedelta(days=2), NOW) == "2d"
    assert age(NOW - timedelta(days=30), NOW) == "4w"
    assert age(NOW - timedelta(days=800), NOW) == "2y"
    assert age(NOW + timedelta(minutes=5), NOW) == "now"  # a clock running ahead
    assert duration(45) == "45 s"
    assert duration(7200) == "2 h"
    assert duration(5400) == "1.5 h"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
    ]  # fmt: skip


def test_undo_stack_is_last_in_first_out_and_bounded() -> None:
    stack = UndoStack(limit=3)
    snap = StateSnapshot(1, "new", None, "", 0, 0)
    assert stack.push("nothing", []) is None  # an action that changed nothing
    for n in range(5):
        stack.push(f"a{n}", [snap])
    assert len(stack) == 3
    popped = [stack.pop(), stack.pop(), stack.pop(), stack.pop()]
    assert [e.label if e else None for e in popped] == ["a4", "a3", "a2", None]


async def open_store() -> Store:
    return await Store.open(Workspace.load().paths.database)


def compiled(text: str):  # type: ignore[no-untyped-def]
    return to_sql(parse_query(text), QueryContext(now=NOW))


async def test_keyset_windows_cover_the_view_exactly() -> None:
    entries = [
        item(n, minutes_ago=n, text=f"alpha {n}" if n % 3 else f"beta {n}",
             state=ItemState.DONE if n % 7 == 0 else ItemState.NEW)
        for n in range(1, 301)
    ]  # fmt: skip
    await seed(entries)
    store = await open_store()
    try:
        for text in ("is:new", "", "alpha", "beta is:new", "-beta"):
            query = compiled(text)
            total = await store.inbox_count(query)
            everything = await store.inbox_rows(query, limit=1000)
            assert len(everything) == total
            keys = [r.sort_key for r in everything]
            assert keys == sorted(keys, reverse=True)
            # walking down by keyset, page by page, gives every row once
            walked, before = [], None
            while True:
                page = await store.inbox_rows(query, before=before, limit=37)
                if not page:
                    break
                walked += [r.sort_key for r in page]
                before = page[-1].sort_key
            assert walked == keys
            # newer than a row, oldest, at an offset, and positions agree
            middle = keys[len(keys) // 2]
            newer = await store.inbox_rows(query, after=middle, limit=5)
            assert [r.sort_key for r in newer] == keys[len(keys) // 2 - 5 : len(keys) // 2]
            oldest = await store.inbox_oldest(query, 4)
            assert [r.sort_key for r in oldest] == keys[-4:]
            at = await store.inbox_rows_at(query, 10, 3)
            assert [r.sort_key for r in at] == keys[10:13]
            assert await store.inbox_position(query, middle) == len(keys) // 2
            assert await store.inbox_next(query, keys[3]) == keys[4]
            assert await store.inbox_next(query, None) == keys[0]
            assert await store.inbox_next(query, keys[-1]) is None
    finally:
        await store.close()


async def test_counts_without_joins_match_counts_with_them() -> None:
    await seed([item(n, minutes_ago=n, author=n % 3, platform="bluesky" if n % 2 else "mastodon",
                     account="sky" if n % 2 else "work") for n in range(1, 60)])  # fmt: skip
    store = await open_store()
    try:
        for text in ("", "platform:bluesky", "from:maria", "account:work is:new", "message"):
            query = compiled(text)
            assert await store.inbox_count(query) == len(await store.inbox_rows(query, limit=999))
    finally:
        await store.close()


async def test_tags_in_use_and_thread_members() -> None:
    await seed([
        item(1, tags=["bug", "ui"]), item(2, tags=["bug"]), item(3),
        item(4, thread_root_id="root", parent_id="root"), item(5, thread_root_id="root"),
    ])  # fmt: skip
    store = await open_store()
    try:
        assert await store.tag_counts() == [("bug", 2), ("ui", 1)]
        ids = await store.thread_item_ids("work", "root")
        rows = await store.inbox_rows_by_id(ids)
        assert sorted(r.item.remote_id for r in rows) == ["mastodon-4", "mastodon-5"]
    finally:
        await store.close()


async def test_muted_thread_roots() -> None:
    await seed([
        item(1, thread_root_id="r1", state=ItemState.MUTED), item(2, thread_root_id="r1"),
        item(3, thread_root_id="r2"),
    ])  # fmt: skip
    store = await open_store()
    try:
        assert await store.muted_thread_roots("work", ["r1", "r2", "", "r9"]) == {"r1"}
        assert await store.muted_thread_roots("work", []) == set()
    finally:
        await store.close()
