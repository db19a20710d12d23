"""Ingest rules: matching, actions, and config validation that names the rule's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import RuleConfig, load_config
from core.errors import ConfigError
from core.models import ItemKind, ItemState, Tone
from core.paths import resolve_paths
from core.rules import compile_rules
from tests.factories import contact, item


def test_a_rule_tags_and_finishes_matching_items_only() -> None:
    rules = compile_rules(
        [RuleConfig(name="ci noise", words=["flaky", "rerun"], tag=["CI"], done=True)]
    )
    noisy = item(1, text="The test is flaky again, can you rerun?")
    other = item(2, text="flakyness is not a word")
    hits = rules.apply([noisy, other])
    assert hits == [("status-1", "ci noise")]
    assert noisy.tags == ["ci"]
    assert noisy.state is ItemState.DONE
    assert other.state is ItemState.NEW


def test_every_condition_must_hold() -> None:
    rules = compile_rules(
        [
            RuleConfig(
                name="angry maria",
                author="maria",
                kind=[ItemKind.MENTION],
                tone="negative",
                conflict=True,
                important=True,
                snooze="2h",
            )
        ]
    )
    maria = contact(1, handle="@maria@x.example")
    heated = item(1, author=maria, text="this is awful")
    heated.tone = Tone(polarity=-0.7, conflict=True)
    calm = item(2, author=maria, text="all good")
    rules.apply([heated, calm])
    assert heated.important
    assert heated.state is ItemState.SNOOZED
    assert heated.snoozed_until is not None
    assert not calm.important


def test_a_query_rule_uses_the_search_language() -> None:
    rules = compile_rules([RuleConfig(name="bots", query="from:dependabot -security", mute=True)])
    bot = item(1, author=contact(9, handle="@dependabot@github"), text="Bump lodash")
    urgent = item(2, author=contact(9, handle="@dependabot@github"), text="security fix")
    rules.apply([bot, urgent])
    assert bot.state is ItemState.MUTED
    assert urgent.state is ItemState.NEW


def test_a_broken_rule_in_the_config_names_its_line(rapport_home: Path) -> None:
    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text(
        '[[rules]]\nname = "ok"\ntag = ["x"]\n\n[[rules]]\nname = "bad"\nsnooze = "later"\n'
    )
    with pytest.raises(ConfigError, match=r"line 7: rules\[1\]\.snooze"):
        load_config(paths)
    paths.config_file.write_text('[[rules]]\nname = "q"\nquery = "is:whenever"\n')
    with pytest.raises(ConfigError, match=r"line 3: rules\[0\]\.query: is:whenever is unknown"):
        load_config(paths)


def test_rules_test_reports_matches_without_changing_anything(
    rapport_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    import json

    from core.cli.main import run
    from core.store.repository import Store
    from tests.factories import account, item

    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text('[[rules]]\nname = "parser"\nwords = ["parser"]\ndone = true\n')

    async def fill() -> None:
        store = await Store.open(paths.database)
        await store.ensure_account(account())
        texts = ["the parser crashed", "thanks!", "parser question"]
        recent = [item(n, text=t) for n, t in enumerate(texts, start=1)]
        from core.timeutil import utcnow

        for entry in recent:
            entry.created_at = utcnow()
        await store.ingest("work", recent)
        await store.close()

    asyncio.run(fill())
    code = run(["rules", "test", "--json"], open_app=lambda w: 0)
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert result[0]["rule"] == "parser"
    assert result[0]["matches"] == 2
    assert result[0]["checked"] == 3

    async def states() -> set[str]:
        store = await Store.open(paths.database)
        found = {i.state.value for i in await store.items_page(limit=10)}
        await store.close()
        return found

    assert asyncio.run(states()) == {"new"}
