""" "Just what I needed" is sarcasm after bad news and thanks after good news."""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer


def test_just_what_i_needed_after_bad_news_is_flagged(analyzer: ToneAnalyzer) -> None:
    text = "Oh great, 2.1.1 is out and sync is slower. Just what I needed."
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict
    [sarcasm] = [r for r in verdict.reasons if r.rule == "sarcasm"]
    assert "Just what I needed" in sarcasm.label


@pytest.mark.parametrize(
    "text", ["Thanks, this is just what I needed!", "Exactly what we wanted, great release."]
)
def test_just_what_i_needed_as_thanks_is_not(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert not verdict.conflict
    assert all(r.rule != "sarcasm" for r in verdict.reasons)
