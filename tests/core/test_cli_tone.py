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


# ---- an item's stored verdict follows its correction (as the app's `c` does) ------------------

FLAGGED = "Are you serious? Nobody asked for this garbage, read the issue."
CALM = "Message 4 about the parser release"


def store_as_synced(*texts: str) -> list[int]:
    """Store received messages with the verdict a sync gives them (no corrections yet)."""
    from core.sync.setup import tone_analyzer
    from core.workspace import Workspace

    analyzer = tone_analyzer(Workspace.load())
    messages = [item(n, text=text) for n, text in enumerate(texts, start=1)]
    for message in messages:
        message.tone = analyzer.check(message.text, role="incoming").to_tone()

    async def fill() -> list[int]:
        store = await Store.open(resolve_paths().database)
        try:
            await store.ensure_account(account())
            return list((await store.ingest("work", messages)).new_ids)
        finally:
            await store.close()

    return asyncio.run(fill())


def exported(capsys: pytest.CaptureFixture[str]) -> dict[int, dict[str, object]]:
    """What `rapport export` shows of each item, by id."""
    code, out, _ = cli(capsys, "export")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    return {int(r["id"]): r for r in records}


def flagged_ids() -> list[int]:
    """The items `is:flagged` finds: those stored as a conflict."""

    async def read() -> list[int]:
        store = await Store.open(resolve_paths().database)
        try:
            return [i.id async for i in store.iter_items(None) if i.tone.conflict and i.id]
        finally:
            await store.close()

    return asyncio.run(read())


def test_correcting_a_flagged_item_unflags_it_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    [item_id] = store_as_synced(FLAGGED)
    before = exported(capsys)[item_id]
    assert before["conflict"] is True
    code, out, err = cli(capsys, "correct", str(item_id), "--not-conflict")
    assert code == 0, err
    after = exported(capsys)[item_id]
    assert after["conflict"] is False
    assert float(after["risk"]) < float(before["risk"])  # type: ignore[arg-type]
    assert any(str(r).startswith("correction:") for r in after["reasons"])  # type: ignore[attr-defined]
    assert flagged_ids() == []
    assert out.strip() == (
        f"Marked not a conflict; item {item_id} is no longer flagged "
        f"(risk {before['risk']:.2f} → {after['risk']:.2f})."
    )


def test_marking_a_calm_item_a_conflict_flags_it_at_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    calm_id, _calm_too = store_as_synced(CALM, "Thanks for the quick fix on the parser!")
    assert exported(capsys)[calm_id]["conflict"] is False
    code, out, err = cli(capsys, "correct", str(calm_id), "--conflict")
    assert code == 0, err
    after = exported(capsys)[calm_id]
    assert after["conflict"] is True
    assert flagged_ids() == [calm_id]  # only the corrected one
    assert out.startswith(f"Marked a conflict; item {calm_id} is now flagged (risk ")
    assert len(out.strip().splitlines()) == 1


def test_correcting_an_item_again_replaces_its_earlier_correction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    [item_id] = store_as_synced(CALM)
    assert cli(capsys, "correct", str(item_id), "--conflict")[0] == 0
    assert exported(capsys)[item_id]["conflict"] is True
    code, out, _ = cli(capsys, "correct", str(item_id), "--not-conflict")
    assert code == 0
    assert exported(capsys)[item_id]["conflict"] is False
    assert f"item {item_id} is no longer flagged" in out
    assert stored() == [(CALM, "incoming", False, item_id)]  # the user changed their mind


@pytest.mark.parametrize(
    "args",
    [
        ["correct", "{other}", "--not-conflict"],  # no such item
        ["correct", "{item}", "--not-conflict", "--conflict"],  # both verdicts
        ["correct", "{item}"],  # neither
    ],
)
def test_a_bad_item_correction_changes_nothing(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    [item_id] = store_as_synced(FLAGGED)
    before = exported(capsys)
    given = [a.format(item=item_id, other=item_id + 100) for a in args]
    code, out, err = cli(capsys, *given)
    assert code == 2
    assert out == ""
    assert err.startswith("rapport: ")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    if "{other}" in args:
        assert f"no item with id {item_id + 100}" in err
    assert exported(capsys) == before
    assert stored() == []
