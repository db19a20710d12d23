"""A reply's leading @handles are not part of its message: what follows starts a sentence."""

from __future__ import annotations

from core.analysis import ToneAnalyzer


def test_sentence_start_sarcasm_is_seen_after_the_handles(analyzer: ToneAnalyzer) -> None:
    text = "@me @maria Oh great, another breaking change in search."
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict
    [sarcasm] = [r for r in verdict.reasons if r.rule == "sarcasm"]
    start, end = sarcasm.spans[0]
    assert text[start:end].startswith("Oh great")  # spans still point into the original text


def test_a_handle_is_never_read_as_words(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("@dumb_dev thanks, that fixed it!", role="incoming")
    assert not verdict.conflict
    assert all(r.rule != "insult" for r in verdict.reasons)


def test_a_mention_inside_the_message_is_left_alone(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("Ask @maria, she is an idiot about this.", role="incoming")
    assert any(r.rule == "insult" for r in verdict.reasons)
