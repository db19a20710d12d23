"""Corrections teach the analyser, per user, and the reasons say so."""

from __future__ import annotations

from core.analysis import Correction, ToneAnalyzer


def test_a_phrase_marked_not_a_conflict_stops_flagging() -> None:
    before = ToneAnalyzer().check("Whatever. Ship it.")
    assert before.conflict
    taught = ToneAnalyzer(corrections=[Correction("Whatever, works for me", "draft", False, [])])
    after = taught.check("Whatever. Ship it.")
    assert not after.conflict
    assert after.risk < before.risk
    note = next(r for r in after.reasons if r.rule == "correction")
    assert "whatever" in note.label
    assert "not a conflict" in note.label
    assert note.weight < 0  # it lowered the risk


def test_an_unrelated_phrase_is_not_forgiven() -> None:
    taught = ToneAnalyzer(corrections=[Correction("Whatever, works for me", "draft", False, [])])
    verdict = taught.check("Just google it.")
    assert verdict.conflict
    assert all(r.rule != "correction" for r in verdict.reasons)


def test_a_strong_word_needs_more_than_one_correction() -> None:
    text = "You absolute idiot"
    once = ToneAnalyzer(corrections=[Correction("idiot", "draft", False, ["insult"])])
    assert once.check(text).risk < ToneAnalyzer().check(text).risk
    assert once.check("idiot proof setup").conflict  # 0.8 halved is still a flag with the model
    thrice = ToneAnalyzer(corrections=[Correction("idiot", "draft", False, ["insult"])] * 3)
    assert thrice.check("idiot proof setup").risk < once.check("idiot proof setup").risk


def test_corrections_only_touch_the_rules_they_name() -> None:
    text = "Whatever. Closing."
    only_closing = ToneAnalyzer(corrections=[Correction(text, "draft", False, ["sarcasm"])])
    assert only_closing.check(text).risk == ToneAnalyzer().check(text).risk


def test_text_close_to_one_marked_as_a_conflict_is_flagged() -> None:
    marked = "Maybe try turning it off and on again, genius."
    analyzer = ToneAnalyzer(corrections=[Correction(marked, "draft", True, [])])
    assert not ToneAnalyzer().check("maybe try turning it off and on again genius").conflict
    verdict = analyzer.check("maybe try turning it off and on again genius")
    assert verdict.conflict
    assert any("marked as a conflict" in r.label for r in verdict.reasons)
    assert not analyzer.check("Thanks, I'll try that tomorrow.").conflict


def test_corrections_are_per_role() -> None:
    analyzer = ToneAnalyzer(corrections=[Correction("Whatever, fine", "incoming", False, [])])
    assert analyzer.check("Whatever. Ship it.", role="draft").conflict


def test_learn_applies_from_the_next_check() -> None:
    analyzer = ToneAnalyzer()
    assert analyzer.check("lol ok").conflict
    analyzer.learn(Correction("lol ok", "draft", False, []))
    assert not analyzer.check("lol ok").conflict


def test_this_is_one_on_a_received_message_also_flags_the_same_phrase_in_drafts() -> None:
    text = "Oh nice, it works now."
    assert not ToneAnalyzer().check(text, role="draft").conflict
    taught = ToneAnalyzer(corrections=[Correction("Oh nice, so it builds.", "incoming", True, [])])
    verdict = taught.check(text, role="draft")
    assert verdict.risk > ToneAnalyzer().check(text, role="draft").risk
    note = next(r for r in verdict.reasons if r.rule == "correction")
    assert "in messages you received" in note.label


def test_swearing_forgiven_in_received_messages_counts_half_for_drafts() -> None:
    text = "damn, this crap again"
    base = ToneAnalyzer().check(text, role="draft")
    incoming = ToneAnalyzer(corrections=[Correction("damn, crap", "incoming", False, [])])
    drafted = ToneAnalyzer(corrections=[Correction("damn, crap", "draft", False, [])])
    softened = incoming.check(text, role="draft")
    assert drafted.check(text, role="draft").risk < softened.risk < base.risk
    note = next(r for r in softened.reasons if r.rule == "correction")
    assert "counted half" in note.label


def test_not_a_conflict_on_received_hostility_does_not_excuse_sending_it() -> None:
    # Taking "whatever" or "did you even read" calmly does not make them kind to send.
    corrections = [
        Correction("Whatever.", "incoming", False, []),
        Correction("Did you even read the docs?", "incoming", False, []),
    ]
    taught = ToneAnalyzer(corrections=corrections)
    for draft in ("Whatever.", "Did you even read the docs?"):
        assert taught.check(draft, role="draft").risk == ToneAnalyzer().check(draft).risk
    # ... while in the role it was made for, it applies.
    assert not taught.check("Whatever.", role="incoming").conflict


def test_a_near_duplicate_of_a_received_conflict_flags_a_draft() -> None:
    marked = "Maybe try turning it off and on again, genius."
    taught = ToneAnalyzer(corrections=[Correction(marked, "incoming", True, [])])
    assert taught.check("maybe try turning it off and on again genius", role="draft").conflict
    # "Not a conflict" near-duplicates stay in their role.
    fine = ToneAnalyzer(corrections=[Correction("Just google it.", "incoming", False, [])])
    assert fine.check("Just google it.", role="draft").conflict
    assert not fine.check("Just google it.", role="incoming").conflict
