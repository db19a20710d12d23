"""Belittling your own question is not an insult to the reader; belittling theirs is."""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer


@pytest.mark.parametrize(
    "text",
    [
        "Sorry if this is a dumb question, where do I report a bug in the export to CSV?",
        "Probably a stupid question, but does 2.1 support Windows?",
        "This is a silly question but how do I configure themes?",
    ],
)
def test_a_humble_question_is_not_flagged(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert not verdict.conflict, verdict.reasons


@pytest.mark.parametrize(
    "text", ["That's a dumb question.", "What a stupid question, read the docs."]
)
def test_calling_the_readers_question_dumb_is_flagged(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="draft")
    assert verdict.conflict
    assert any(reason.rule == "insult" for reason in verdict.reasons)
