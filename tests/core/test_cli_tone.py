"""`rapport correct`: teaching the tone check about drafts as well as received items."""

from __future__ import annotations

import asyncio
import io
import json
import sys

import pytest

from core.cli.main import run
from core.paths import resolve_paths
from core.store.repository import Store
from tests.factories import account, item


def no_app(workspace: object) -> int:
    raise AssertionError("the app should not open")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        code = run(list(args), open_app=no_app)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def check(capsys: pytest.CaptureFixture[str], text: str, role: str) -> dict[str, object]:
    code, out, _ = cli(capsys, "check", text, "--role", role)
    assert code == 0
    verdict: dict[str, object] = json.loads(out)
    return verdict


def stored() -> list[tuple[str, str, bool, int | None]]:
    async def read() -> list[tuple[str, str, bool, int | None]]:
        store = await Store.open(resolve_paths().database)
        try:
            return [(c.text, c.role, c.verdict, c.item_id) for c in await store.corrections()]
        finally:
            await store.close()

    return asyncio.run(read())


def test_a_draft_verdict_can_be_corrected_with_text(capsys: pytest.CaptureFixture[str]) -> None:
    draft = "lol ok"
    assert check(capsys, draft, "draft")["conflict"] is True
    code, out, _ = cli(capsys, "correct", "--text", draft, "--not-conflict")
    assert code == 0
    assert "draft" in out
    assert "no conflict" in out  # it says what the draft reads as now
    assert stored() == [(draft, "draft", False, None)]
    after = check(capsys, draft, "draft")
    assert after["conflict"] is False
    assert any("correction" in str(reason) for reason in after["reasons"])  # type: ignore[attr-defined]


def test_a_missed_draft_can_be_marked_as_a_conflict(capsys: pytest.CaptureFixture[str]) -> None:
    draft = "Maybe try turning it off and on again, genius."
    assert check(capsys, draft, "draft")["conflict"] is False
    code, _, _ = cli(capsys, "correct", "--text", draft, "--role", "draft", "--conflict")
    assert code == 0
    assert check(capsys, "maybe try turning it off and on again genius", "draft")["conflict"]


def test_an_incoming_text_can_be_corrected_without_an_item(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, _ = cli(capsys, "correct", "--text", "Whatever.", "--role", "incoming", "--conflict")
    assert code == 0
    assert stored() == [("Whatever.", "incoming", True, None)]


def test_an_item_correction_is_stored_as_incoming(capsys: pytest.CaptureFixture[str]) -> None:
    async def fill() -> int:
        store = await Store.open(resolve_paths().database)
        await store.ensure_account(account())
        [item_id] = (await store.ingest("work", [item(1, text="Whatever.")])).new_ids
        await store.close()
        return item_id

    item_id = asyncio.run(fill())
    code, _, _ = cli(capsys, "correct", str(item_id), "--not-conflict")
    assert code == 0
    assert stored() == [("Whatever.", "incoming", False, item_id)]


@pytest.mark.parametrize(
    "args",
    [
        ["correct", "--not-conflict"],  # neither an item nor a text
        ["correct", "1", "--text", "hi", "--conflict"],  # both
        ["correct", "--text", "  ", "--conflict"],  # empty text
        ["correct", "1", "--role", "draft", "--conflict"],  # an item is never a draft
        ["correct", "--text", "hi"],  # no verdict
    ],
)
def test_bad_correct_arguments_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    code, _, err = cli(capsys, *args)
    assert code == 2
    assert err.strip()
    if resolve_paths().database.exists():
        assert stored() == []
