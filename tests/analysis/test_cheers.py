"""Swearing as cheering is not a conflict; swearing at someone still is."""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer
from core.analysis.cheers import defuse_cheers


@pytest.mark.parametrize(
    "text",
    [
        "Hell yeah, it works!",
        "Fuck yes, finally fixed!",
        "This release is fucking awesome, thank you",
        "Damn good work on 2.0",
    ],
)
def test_a_fan_who_swears_for_joy_is_not_flagged(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert not verdict.conflict, verdict.reasons
    assert verdict.polarity > 0
    assert all(reason.rule != "profanity" for reason in verdict.reasons)


@pytest.mark.parametrize(
    "text",
    ["Hell no, you idiot.", "What the hell is wrong with you?", "You're a fucking idiot"],
)
def test_swearing_at_someone_is_still_flagged(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict
    assert verdict.polarity < 0


def test_blanking_keeps_every_offset() -> None:
    text = "Wow. Hell yeah, it works — fucking awesome!"
    defused = defuse_cheers(text)
    assert len(defused) == len(text)
    assert "Hell" not in defused
    assert "fucking" not in defused
    assert defused.index("yeah") == text.index("yeah")
    assert defuse_cheers("Hell no.") == "Hell no."


def test_the_thread_polarity_agrees_with_the_check(analyzer: ToneAnalyzer) -> None:
    assert analyzer.polarity("Hell yeah, it works!") > 0
