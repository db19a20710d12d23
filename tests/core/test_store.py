"""The store: upserts, cursors in the same transaction, FTS in step, triage with undo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.models import Cursor, ItemState, ReplyState
from core.store.repository import Store
from tests.factories import BASE_TIME, account, contact, item


@pytest.fixture(params=[False, True], ids=["database-thread", "inline"])
async def store(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Every test twice: on aiosqlite's thread (the app) and inline (a sync worker process)."""
    opened = await Store.open(tmp_path / "rapport.db", inline=request.param)
    await opened.ensure_account(account())
    yield opened
    await opened.close()


async def test_reingesting_the_same_page_changes_nothing(store: Store) -> None:
    page = [item(n) for n in range(1, 51)]
    first = await store.ingest("work", page)
    second = await store.ingest("work", page)
    assert len(first.new_ids) == 50
    assert second.new_ids == []
    assert second.updated == 0
    assert second.unchanged == 50
    assert await store.count_items() == 50


async def test_an_edited_item_is_updated_in_place_keeping_user_state(store: Store) -> None:
    result = await store.ingest("work", [item(1)])
    [item_id] = result.new_ids
    await store.change_tags([item_id], add=["bug"])
    await store.set_state([item_id], ItemState.DONE)
    edited = item(1, text="message number 1, edited")
    again = await store.ingest("work", [edited])
    stored = await store.item(item_id)
    assert again.updated == 1
    assert stored is not None
    assert stored.text == "message number 1, edited"
    assert stored.tags == ["bug"]
    assert stored.state is ItemState.DONE


async def test_cursor_advances_with_its_page_or_not_at_all(store: Store) -> None:
    cursor = Cursor("work", "notifications", {"newest": "50"})
    await store.ingest("work", [item(1)], cursor)
    saved = await store.cursor("work", "notifications")
    assert saved is not None
    assert saved.value == {"newest": "50"}

    unstorable = Cursor("work", "notifications", {"x": object()})
    with pytest.raises(TypeError):
        await store.ingest("work", [item(3)], unstorable)
    still = await store.cursor("work", "notifications")
    assert still is not None
    assert still.value == {"newest": "50"}
    assert await store.item_by_remote("work", "status-3") is None


async def test_history_entries_land_with_their_page_or_not_at_all(store: Store) -> None:
    events = [("status-1", "rule", "bugs"), ("status-9", "rule", "not on this page")]
    [item_id] = (await store.ingest("work", [item(1)], events=events)).new_ids
    assert [(a, d) for _, a, d in await store.history(item_id)] == [("rule", "bugs")]

    unstorable = Cursor("work", "notifications", {"x": object()})
    with pytest.raises(TypeError):
        await store.ingest("work", [item(2)], unstorable, events=[("status-2", "rule", "bugs")])
    assert await store.item_by_remote("work", "status-2") is None
    count = await store._one("SELECT count(*) FROM events WHERE detail = 'bugs'")
    assert count[0] == 1


async def test_search_follows_inserts_updates_tags_and_deletes(store: Store) -> None:
    ids = (await store.ingest("work", [item(1, text="the parser crashes on emoji")])).new_ids
    assert await store.search_ids("parser") == ids
    await store.ingest("work", [item(1, text="the lexer crashes on emoji")])
    assert await store.search_ids("parser") == []
    assert await store.search_ids("lexer") == ids
    await store.change_tags(ids, add=["regression"])
    assert await store.search_ids("tags:regression") == ids
    assert await store.search_ids("author:user1") == ids
    await store.conn.execute("DELETE FROM items WHERE id = ?", (ids[0],))
    assert await store.search_ids("lexer") == []


async def test_a_page_newest_first_is_indexed_whole_and_the_index_stays_consistent(
    store: Store,
) -> None:
    # Streams list newest first; the page's full-text rows go in in one statement, in rowid
    # order (migration 8), and single rows (edits) still go through the triggers.
    page = [item(n, text=f"word{n} shared", minutes=n) for n in range(60, 0, -1)]
    ids = (await store.ingest("work", page)).new_ids
    assert len(ids) == 60
    assert sorted(await store.search_ids("shared")) == sorted(ids)
    assert await store.search_ids("word7") == [ids[60 - 7]]
    await store.ingest("work", [item(7, text="word7 edited", minutes=7)])
    assert await store.search_ids("edited") == [ids[60 - 7]]
    await store.conn.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')")
    assert tuple(await store._one("SELECT fts_batched, ledger_batched FROM ingest_state")) == (0, 0)


async def test_a_page_that_fails_leaves_the_index_and_its_switches_untouched(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.store import page_sql

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(page_sql, "_log_events", broken)
    with pytest.raises(RuntimeError):
        await store.ingest("work", [item(1, text="lost words")], events=[("1", "rule", "x")])
    assert await store.search_ids("lost") == []
    assert tuple(await store._one("SELECT fts_batched, ledger_batched FROM ingest_state")) == (0, 0)
    assert (await store._one("SELECT paused FROM ledger_state"))[0] == 0


async def test_every_triage_action_can_be_undone(store: Store) -> None:
    ids = (await store.ingest("work", [item(n) for n in range(1, 4)])).new_ids
    snooze = await store.set_state(ids, ItemState.SNOOZED, BASE_TIME + timedelta(hours=4))
    tagged = await store.change_tags(ids[:1], add=["later"])
    await store.restore(tagged)
    first = await store.item(ids[0])
    assert first is not None
    assert first.tags == []
    assert first.state is ItemState.SNOOZED
    await store.restore(snooze)
    for item_id in ids:
        restored = await store.item(item_id)
        assert restored is not None
        assert restored.state is ItemState.NEW
        assert restored.snoozed_until is None
    history = await store.history(ids[0])
    assert [action for _, action, _ in history] == ["snoozed", "tag", "undo", "undo"]


async def test_snoozed_items_wake_when_their_time_comes(store: Store) -> None:
    ids = (await store.ingest("work", [item(1), item(2)])).new_ids
    await store.set_state(ids[:1], ItemState.SNOOZED, BASE_TIME + timedelta(hours=1))
    await store.set_state(ids[1:], ItemState.SNOOZED, BASE_TIME + timedelta(hours=5))
    assert await store.wake_snoozed(BASE_TIME + timedelta(hours=2)) == 1
    woken = await store.item(ids[0])
    assert woken is not None
    assert woken.state is ItemState.NEW


async def test_a_changed_handle_updates_the_same_contact(store: Store) -> None:
    before = contact(5, handle="@old@social.example")
    after = contact(5, handle="@new@social.example")
    await store.ingest("work", [item(1, author=before)])
    await store.ingest("work", [item(2, author=after)])
    first = await store.item_by_remote("work", "status-1")
    second = await store.item_by_remote("work", "status-2")
    assert first is not None
    assert second is not None
    assert first.author.id == second.author.id
    assert second.author.handle == "@new@social.example"


async def test_only_one_draft_per_item_and_queueing_replaces_it(store: Store) -> None:
    [item_id] = (await store.ingest("work", [item(1)])).new_ids
    await store.save_draft(item_id, "work", "first words")
    draft = await store.save_draft(item_id, "work", "first words, then more")
    assert draft.text == "first words, then more"
    queued = await store.queue_reply(item_id, "work", "final text", None, forced=False)
    assert queued.state is ReplyState.QUEUED
    assert await store.draft(item_id) is None
    assert [r.text for r in await store.replies_for(item_id)] == ["final text"]
    assert queued.id is not None
    assert await store.update_reply(queued.id, ReplyState.SENDING, expect=ReplyState.QUEUED)
    assert not await store.update_reply(queued.id, ReplyState.SENDING, expect=ReplyState.QUEUED)


async def test_export_iteration_pages_through_everything_in_order(store: Store) -> None:
    await store.ingest("work", [item(n) for n in range(1, 2501)])
    seen = [i.remote_id async for i in store.iter_items(batch=700)]
    assert len(seen) == 2500
    assert len(set(seen)) == 2500
    assert seen[0] == "status-1"
    assert seen[-1] == "status-2500"
    recent = [i async for i in store.iter_items(BASE_TIME + timedelta(minutes=2400))]
    assert len(recent) == 101


async def test_a_bulk_writer_checkpoints_its_log_less_often(tmp_path: Path) -> None:
    plain = await Store.open(tmp_path / "rapport.db")
    bulk = await Store.open(tmp_path / "rapport.db", inline=True, checkpoint_pages=8000)
    try:
        assert (await plain._one("PRAGMA wal_autocheckpoint"))[0] == 1000
        assert (await bulk._one("PRAGMA wal_autocheckpoint"))[0] == 8000
    finally:
        await bulk.close()
        await plain.close()
