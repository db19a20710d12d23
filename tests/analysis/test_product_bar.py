"""The product bar: what a community manager would regret is flagged, with reasons and exact
spans; everyday honesty (apologies, refusals, bug talk, technical text) is not."""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer, ToneContext
from core.analysis.rules import RULE_NAMES
from core.analysis.signals import quote

REGRETTABLE_DRAFTS = [
    (
        "Did you even read the docs? This is obviously covered.",
        "condescending",
        "Did you even read",
    ),
    ("Per my last email, this is not a bug.", "dismissive", "Per my last email"),
    ("Sorry you feel that way.", "non_apology", "Sorry you feel that way"),
    ("Wow, thanks a lot for the 'helpful' feedback 🙄", "sarcasm", "🙄"),
    ("THIS IS NOT HOW ANY OF THIS WORKS", "shouting", "THIS IS NOT HOW ANY OF THIS WORKS"),
    ("Just google it.", "dismissive", "Just google it"),
    (
        "You clearly have no idea what you're talking about",
        "hostile",
        "You clearly have no idea",
    ),
    ("lol ok", "curt", "lol ok"),
    ("Whatever. Closing.", "dismissive", "Whatever"),
]

FINE_TEXTS = [
    "Sorry, that's my fault — I broke the build, fixing it now.",
    "Thanks for the suggestion, but we won't add this; it's out of scope for the project.",
    "You're right, I made a mistake in the migration. Reverting now.",
    "Honestly this is a stupid mistake on my part, sorry.",
    "I'm such an idiot, forgot to push the tag.",
    "I understand this is frustrating. Let's figure out what went wrong.",
    "This bug is terrible, sorry about that — patch coming.",
    "I hate it when CI flakes like this",
    "kill the process and abort the rebase",
    "fatal error: segfault in the parser",
    "No, we don't support Windows 7 anymore, sorry.",
    "I disagree — the current API is simpler, and changing it would break users.",
    "We decided not to merge this. Thanks for your work on it though!",
    "Please read the docs on configuration here: https://example.com/docs",
    "Closing as fixed in #123.",
    "Thanks a lot for the fix!",
    "Damn, good catch!",
    "The daemon gets killed by the OOM killer when memory runs out.",
    "Sure!",
]

HOSTILE_INCOMING = [
    ("You are an idiot and your project is garbage", "insult"),
    ("Fix this NOW. NOBODY CARES ABOUT YOUR EXCUSES!!!", "shouting"),
    ("This is absolutely unacceptable. I've wasted two days on your broken release!!", "heated"),
    ("what a joke of a maintainer lol, pathetic", "insult"),
    ("shut up and fix your shit", "hostile"),
    ("Are you serious? This is the worst library I've ever used.", "hostile"),
    ("u r a m0r0n", "insult"),
]

FRIENDLY_INCOMING = [
    "Hi! How do I configure the proxy settings?",
    "Thanks for the quick fix, works great now.",
    "Is there a release planned for next week?",
    "I think there might be a bug in the parser when the input is empty.",
    "Love this project ❤️",
    "Could you take a look at my PR when you have a minute? No rush.",
]


@pytest.mark.parametrize(("text", "rule", "phrase"), REGRETTABLE_DRAFTS)
def test_regrettable_drafts_are_flagged_with_the_phrase(
    analyzer: ToneAnalyzer, text: str, rule: str, phrase: str
) -> None:
    verdict = analyzer.check(text, role="draft")
    assert verdict.conflict, verdict.to_json()
    reason = next((r for r in verdict.reasons if r.rule == rule), None)
    assert reason is not None, f"no {rule} reason in {verdict.labels}"
    assert phrase in [text[a:b] for a, b in reason.spans]
    assert reason.label.startswith(reason.label.split(":")[0])
    assert reason.weight > 0


@pytest.mark.parametrize("text", FINE_TEXTS)
@pytest.mark.parametrize("role", ["draft", "incoming"])
def test_honest_everyday_text_is_not_flagged(analyzer: ToneAnalyzer, text: str, role: str) -> None:
    verdict = analyzer.check(text, role=role)
    assert not verdict.conflict, verdict.to_json()


@pytest.mark.parametrize(("text", "rule"), HOSTILE_INCOMING)
def test_hostile_incoming_is_flagged(analyzer: ToneAnalyzer, text: str, rule: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict, verdict.to_json()
    assert rule in {r.rule for r in verdict.reasons}


@pytest.mark.parametrize("text", FRIENDLY_INCOMING)
def test_friendly_incoming_is_not_flagged(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert not verdict.conflict, verdict.to_json()
    assert verdict.risk < 0.35


def test_every_span_points_at_the_text_it_names(analyzer: ToneAnalyzer) -> None:
    texts = [t for t, _, _ in REGRETTABLE_DRAFTS] + [t for t, _ in HOSTILE_INCOMING]
    for text in texts:
        for reason in analyzer.check(text).reasons:
            for start, end in reason.spans:
                assert 0 <= start < end <= len(text)
            if reason.label.startswith(RULE_NAMES.get(reason.rule, "?") + ":"):
                # Word-list and phrase reasons quote exactly what their spans cover.
                for span in reason.spans[:4]:
                    assert quote(text, span) in reason.label


def test_spans_survive_text_before_the_phrase(analyzer: ToneAnalyzer) -> None:
    text = "Héllo 👋🏽 naïve friend — per my last email, this is not a bug."
    reason = next(r for r in analyzer.check(text).reasons if r.rule == "dismissive")
    assert [text[a:b] for a, b in reason.spans] == ["per my last email"]


def test_positive_text_has_positive_polarity_and_hostile_negative(analyzer: ToneAnalyzer) -> None:
    assert analyzer.check("Thank you so much, this is wonderful!").polarity > 0.3
    assert analyzer.check("You are an idiot and your project is garbage").polarity < -0.2


def test_an_escalating_thread_is_flagged(analyzer: ToneAnalyzer) -> None:
    thread = [
        "Thanks for the release, looks great!",
        "Hmm, the upgrade broke my config.",
        "This is really frustrating, nothing works now.",
    ]
    text = "This is a disaster. Worst release ever, you broke everything."
    verdict = analyzer.check(text, role="incoming", context=ToneContext(thread=thread))
    assert verdict.conflict
    assert "escalation" in {r.rule for r in verdict.reasons}
    calm = analyzer.check(text, role="incoming", context=ToneContext(thread=thread[:1]))
    assert "escalation" not in {r.rule for r in calm.reasons}


def test_a_calm_answer_in_an_escalating_thread_is_not_flagged(analyzer: ToneAnalyzer) -> None:
    thread = ["Love it!", "Hmm, it broke.", "This is garbage, nothing works, I'm furious."]
    verdict = analyzer.check(
        "Sorry about that! Here's a fix.", role="draft", context=ToneContext(thread=thread)
    )
    assert not verdict.conflict


def test_a_draft_far_colder_than_usual_is_flagged(analyzer: ToneAnalyzer) -> None:
    text = "No. This is wrong and I'm not discussing it further."
    warm = ToneContext(usual_polarity=0.5, contact_name="Maria")
    verdict = analyzer.check(text, role="draft", context=warm)
    assert verdict.conflict
    reason = next(r for r in verdict.reasons if r.rule == "colder_than_usual")
    assert "Maria" in reason.label
    # With someone the user is usually this blunt with, the same draft passes.
    assert not analyzer.check(text, role="draft", context=ToneContext(usual_polarity=-0.3)).conflict
    # Incoming messages are never compared with the user's own habits.
    incoming = analyzer.check(text, role="incoming", context=warm)
    assert "colder_than_usual" not in {r.rule for r in incoming.reasons}


def test_an_apology_is_not_colder_than_usual(analyzer: ToneAnalyzer) -> None:
    text = "Sorry, that's my fault — I broke the build, fixing it now."
    verdict = analyzer.check(text, role="draft", context=ToneContext(usual_polarity=0.5))
    assert not verdict.conflict
