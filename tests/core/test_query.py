"""The search language: parsing, clear errors, SQL against a real store, in-memory matching."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from core.models import ItemKind, ItemState, Tone
from core.query import QueryContext, QueryError, matches, parse_query, to_sql
from core.store.repository import Store
from tests.factories import BASE_TIME, account, contact, item

NOW = BASE_TIME + timedelta(days=2)
CONTEXT = QueryContext(now=NOW, target_response=timedelta(hours=4))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "q.db")
    await opened.ensure_account(account())
    maria = contact(1, handle="@maria@social.example")
    maria.display_name = "Maria Souza"
    items = [
        item(1, text="The parser crashes on emoji", author=maria),
        item(2, text="thanks for the quick release!", author=contact(2)),
        item(3, text="is the parser thread-safe?", author=contact(3)),
        item(4, text="memory leak in the exact phrase here", author=contact(4)),
        item(5, text='\'; DROP TABLE items; -- "quoted" OR parser*', author=contact(5)),
    ]
    items[0].tone = Tone(polarity=-0.6, risk=0.7, conflict=True)
    items[1].tone = Tone(polarity=0.8)
    items[2].is_question = True
    items[2].kind = ItemKind.REPLY
    items[3].created_at = NOW - timedelta(hours=1)
    await opened.ingest("work", items)
    first = await opened.item_by_remote("work", "status-1")
    assert first is not None
    assert first.id is not None
    await opened.change_tags([first.id], add=["bug"])
    yield opened
    await opened.close()


async def search(store: Store, text: str) -> list[str]:
    found = await store.query_items(to_sql(parse_query(text), CONTEXT), limit=50)
    return sorted(i.remote_id for i in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("parser", ["status-1", "status-3", "status-5"]),
        ("parser -emoji", ["status-3", "status-5"]),
        ('"memory leak"', ["status-4"]),
        ('"leak memory"', []),
        ("from:maria", ["status-1"]),
        ("from:Souza parser", ["status-1"]),
        ("tag:bug", ["status-1"]),
        ("-tag:bug parser", ["status-3", "status-5"]),
        ("tone:negative", ["status-1"]),
        ("tone:positive", ["status-2"]),
        ("is:flagged", ["status-1"]),
        ("is:question", ["status-3"]),
        ("kind:reply", ["status-3"]),
        ("platform:mastodon account:work thanks", ["status-2"]),
        ("platform:bluesky", []),
        ("is:owed", ["status-1", "status-2", "status-3", "status-5"]),
        ("DROP TABLE", ["status-5"]),
        ('"quoted" OR', ["status-5"]),
    ],
)
async def test_each_filter_finds_what_a_user_expects(
    store: Store, text: str, expected: list[str]
) -> None:
    assert await search(store, text) == expected


async def test_done_items_and_answered_ones_are_not_owed(store: Store) -> None:
    first = await store.item_by_remote("work", "status-1")
    second = await store.item_by_remote("work", "status-2")
    assert first is not None
    assert second is not None
    assert first.id is not None
    assert second.id is not None
    await store.set_state([first.id], ItemState.DONE)
    reply = await store.queue_reply(second.id, "work", "thank you!", None, forced=False)
    assert reply.id is not None
    from core.models import ReplyState

    await store.update_reply(reply.id, ReplyState.SENT, remote_id="r1")
    assert await search(store, "is:owed") == ["status-3", "status-5"]


async def test_keyset_paging_walks_everything_once(store: Store) -> None:
    await store.ingest("work", [item(n) for n in range(10, 60)])
    compiled = to_sql(parse_query("sqlite"), CONTEXT)
    seen: list[str] = []
    before = None
    while page := await store.query_items(compiled, limit=7, before=before):
        seen.extend(i.remote_id for i in page)
        before = page[-1].sort_key
    assert len(seen) == 50
    assert len(set(seen)) == 50
    assert seen[0] == "status-59"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("is:later", "is:later is unknown"),
        ("tone:angry", "tone:angry is unknown"),
        ("from:", "from: needs a value"),
        ('"unclosed', "quote is not closed"),
        ("after:someday", "after:"),
    ],
)
def test_a_bad_query_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_query(text)


@pytest.mark.parametrize("key", ["before", "after"])
def test_date_examples_in_hints_are_relative_or_about_today(key: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(f"{key}:")
    message = str(caught.value)
    examples = re.findall(rf"{key}:(\S+)", message.partition("e.g.")[2])
    assert examples, message
    for example in examples:
        parse_query(f"{key}:{example}")  # every example works as written
    for found in re.findall(r"\d{4}-\d{2}-\d{2}", message):
        days_ago = (date.today() - date.fromisoformat(found)).days
        assert 0 <= days_ago <= 31, f"{found} in {message!r} is not a date near today"


def test_chips_show_what_is_active() -> None:
    query = parse_query('from:maria -tag:bug "exact phrase" crash')
    assert query.chips() == ["from:maria", "-tag:bug", '"exact phrase"', "crash"]


def test_matching_in_memory_agrees_with_the_store_on_the_basics() -> None:
    maria = contact(1, handle="@maria@social.example")
    message = item(1, text="Parser crash again?", author=maria)
    message.tone = Tone(polarity=-0.5, conflict=True)
    assert matches(parse_query("from:maria crash"), message, CONTEXT)
    assert matches(parse_query("tone:negative is:flagged"), message, CONTEXT)
    assert not matches(parse_query("crash -parser"), message, CONTEXT)
    assert not matches(parse_query("cras"), message, CONTEXT)
    assert not matches(parse_query("platform:github"), message, CONTEXT)


async def test_an_item_answered_on_the_platform_or_deleted_is_not_owed(store: Store) -> None:
    from core.models import ContextPost

    own_answer = ContextPost(
        remote_id="my-reply",
        author=contact(99),
        text="answered from my phone",
        created_at=BASE_TIME + timedelta(hours=1),
        parent_id="status-1",
        is_own=True,
    )
    await store.save_own_posts("work", [own_answer])
    third = await store.item_by_remote("work", "status-3")
    assert third is not None
    assert third.id is not None
    await store.conn.execute("UPDATE items SET deleted_at = 1 WHERE id = ?", (third.id,))
    await store.conn.commit()
    assert await search(store, "is:owed") == ["status-2", "status-5"]
