"""The offensive head never flags a text on its own when no word it weighs strongly is there."""

from __future__ import annotations

from core.analysis import ToneAnalyzer
from core.analysis.analyzer import UNWORDED_MODEL_WEIGHT


def test_a_polite_review_request_is_not_flagged(analyzer: ToneAnalyzer) -> None:
    text = "I pushed a fix for the config loader, could you take a look when you have a minute?"
    verdict = analyzer.check(text, role="incoming")
    assert not verdict.conflict, verdict.reasons
    model = [r for r in verdict.reasons if r.rule == "offensive_model"]
    assert all(r.weight <= UNWORDED_MODEL_WEIGHT + 1e-9 for r in model)


def test_the_head_still_flags_with_the_words_that_pushed_it(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("Your code is garbage.", "incoming")
    assert verdict.conflict
    [model] = [r for r in verdict.reasons if r.rule == "offensive_model"]
    assert '"garbage"' in model.label


def test_insulting_the_maintainers_is_hostile_to_the_reader(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("Lumen is garbage and so are the people who maintain it.", "incoming")
    assert verdict.conflict
    assert any(r.rule == "hostile" for r in verdict.reasons)
    assert not analyzer.check("The old UI was garbage and so is the new one.", "incoming").conflict
