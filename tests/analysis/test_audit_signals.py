"""The signals added after the tone audit: sarcastic praise, mock reasons, mock delight,
"any clearer", showing the door, pulling rank, anger, ultimatums; and the noise they must not add.

Each kind is tested three ways: the audit's own sentence, examples worded differently (to show
the rule catches the kind, not the sentence), and traps that share words with the rule but are
fine (praise, welcome, agreement, empathy, technical text).
"""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer

# (text, rule that must be among the reasons)
AUDIT_DRAFTS = [
    ("Great job breaking prod again.", "sarcasm"),
    ("Great job breaking prod again. 👏", "sarcasm"),
    ("Sure, because that worked so well last time.", "sarcasm"),
    ("Oh great, another 'urgent' bug report. Can't wait.", "sarcasm"),
    ("Not sure how to make this any clearer for you.", "condescending"),
    ("Feel free to fork it if you don't like it.", "dismissive"),
    ("Honestly, I expected better from a senior engineer.", "condescending"),
]

HELD_OUT_DRAFTS = [
    # praise for a failure
    ("Nice work taking down the staging server, again.", "sarcasm"),
    ("Well done on losing everyone's data.", "sarcasm"),
    ("Way to ruin the release for everybody.", "sarcasm"),
    ("Thanks for ignoring my PR for three months.", "sarcasm"),
    # a mock reason
    ("Right, because rewriting the parser went really smoothly.", "sarcasm"),
    ("Yeah, because the last migration went so well.", "sarcasm"),
    ("That worked out so well for us last time.", "sarcasm"),
    # mock delight at more of the same
    ("Oh wonderful, more 'quick' fixes.", "sarcasm"),
    ("Oh joy, another meeting about the roadmap.", "sarcasm"),
    # "I can't make it any clearer"
    ("I honestly can't explain it any simpler than that.", "condescending"),
    ("I don't know how to be any clearer.", "condescending"),
    ("How many more ways can I say this?", "condescending"),
    # showing the reader the door
    ("If you don't agree with the roadmap, go elsewhere.", "dismissive"),
    ("Nobody is forcing you to use it.", "dismissive"),
    ("Don't like it? Use something else.", "dismissive"),
    ("If you don't like how it works, write your own.", "dismissive"),
    # disappointment in the reader, pulling rank
    ("Frankly, I'd have expected more from someone at your level.", "condescending"),
    ("I expected more from you, honestly.", "condescending"),
    ("I thought you, of all people, would know this.", "condescending"),
    ("For someone with your experience, this is a strange mistake.", "condescending"),
    ("I'm disappointed in you.", "condescending"),
]

AUDIT_INCOMING = [
    (
        "Your app deleted all my photos. I am furious. Fix it or I'm going to the press.",
        {"anger", "ultimatum"},
    ),
]

HELD_OUT_INCOMING = [
    ("I'm absolutely livid. Three days and no answer.", "anger"),
    ("I am so fed up with this app.", "anger"),
    ("Disgusted with how you treat paying customers.", "anger"),
    ("I've had enough. Refund me by Friday or I'm calling my lawyer.", "ultimatum"),
    ("Restore my account or you'll be hearing from my attorney.", "ultimatum"),
    ("This is your final warning.", "ultimatum"),
    ("I'm leaving a one-star review everywhere I can.", "ultimatum"),
    ("You have 48 hours to fix this.", "ultimatum"),
    ("Unlock my account or else.", "ultimatum"),
    ("This app is garbage. I will leave a review.", "ultimatum"),
    ("I'll sue you for this.", "ultimatum"),
    ("I'm going to report your app to Apple.", "ultimatum"),
]

# Fine in both roles: each shares words with one of the new rules.
TRAPS = [
    # praise is praise
    "Great job on the release!",
    "Great job fixing the flaky test!",
    "Nice work killing those flaky tests.",
    "Thanks for breaking this down, super clear.",
    "Well done on breaking the record for downloads!",
    "That went really well, thanks everyone!",
    "Honestly, great talk yesterday.",
    # welcome and agreement
    "Feel free to open a PR",
    "Feel free to fork it and experiment!",
    "If you don't like the default theme, you can change it in settings.",
    "If you don't like the default theme, make your own in themes/.",
    "Sure, that works",
    "Yeah, because the cache was stale, the build failed.",
    "Yeah, because the old version worked really well for us, we kept it.",
    "Let me know if I can make this clearer.",
    "I expected this to take longer, great work!",
    "I expected the build to fail, but it passed.",
    "Just what I needed, thanks!",
    # empathy with an angry person, and a calm "no"
    "I understand you're furious, and you have every right to be.",
    "You must be fed up with this bug — sorry, a fix is coming.",
    "I'd be livid too. Sorry about that, it's on us.",
    "I'm not angry, just confused about the new config.",
    "This is unacceptable on our part, sorry — we're fixing it today.",
    # "or", reviews, legal words, the press, without a threat
    "I'll leave a review once I've tried it!",
    "Love it, I'll leave a 5-star review!",
    "Fix it or revert it, either is fine.",
    "You can fix it or I can, whichever you prefer.",
    "Last chance to register for the meetup!",
    "We won't take legal action against researchers who report bugs responsibly.",
    "I'll report this upstream.",
    "I'm going to the conference next week.",
    "We were going to the press conference anyway.",
    "I'll cancel my order and reorder the right size.",
    # technical imperatives
    "Kill the old workers before deploying.",
    "Kill the stale gunicorn workers and restart.",
    "Kill all the child processes, then reap the zombies.",
    "Nuke the old containers before deploying.",
    "Abort the running jobs and terminate the threads.",
    # joy, loudly
    "Thanks for your patience!! We really appreciate it!!",
    "THANK YOU SO MUCH!!!",
    "Congrats!! So happy for you!!",
    # the false-positive bar that already held
    "I'm sorry but this is wrong.",
]


def rules(analyzer: ToneAnalyzer, text: str, role: str) -> set[str]:
    return {reason.rule for reason in analyzer.check(text, role=role).reasons}


@pytest.mark.parametrize(("text", "rule"), AUDIT_DRAFTS + HELD_OUT_DRAFTS)
def test_regrettable_drafts_of_each_new_kind_are_flagged(
    analyzer: ToneAnalyzer, text: str, rule: str
) -> None:
    verdict = analyzer.check(text, role="draft")
    assert verdict.conflict, verdict.to_json()
    reason = next((r for r in verdict.reasons if r.rule == rule), None)
    assert reason is not None, verdict.labels
    assert all(text[a:b] for a, b in reason.spans)  # the app can underline what fired


@pytest.mark.parametrize(("text", "wanted"), AUDIT_INCOMING)
def test_the_furious_customer_is_flagged_with_both_reasons(
    analyzer: ToneAnalyzer, text: str, wanted: set[str]
) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict
    assert wanted <= {r.rule for r in verdict.reasons}
    labels = " ".join(verdict.labels)
    assert '"I am furious"' in labels
    assert '"I\'m going to the press"' in labels


@pytest.mark.parametrize(("text", "rule"), HELD_OUT_INCOMING)
def test_anger_and_ultimatums_in_incoming_messages_are_flagged(
    analyzer: ToneAnalyzer, text: str, rule: str
) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert verdict.conflict, verdict.to_json()
    assert rule in {r.rule for r in verdict.reasons}


@pytest.mark.parametrize("text", TRAPS)
@pytest.mark.parametrize("role", ["draft", "incoming"])
def test_traps_for_the_new_rules_are_not_flagged(
    analyzer: ToneAnalyzer, text: str, role: str
) -> None:
    verdict = analyzer.check(text, role=role)
    assert not verdict.conflict, verdict.to_json()


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for your patience!! We really appreciate it!!",
        "Congrats!! So happy for you!!",
        "Love it, I'll leave a 5-star review!",
    ],
)
def test_friendly_exclamations_and_reviews_give_no_reason_at_all(
    analyzer: ToneAnalyzer, text: str
) -> None:
    assert analyzer.check(text, role="draft").reasons == []


def test_exclamations_still_count_in_a_negative_or_loud_text(analyzer: ToneAnalyzer) -> None:
    assert "shouting" in rules(analyzer, "Why is this still broken?! Nothing works!!", "incoming")
    loud = analyzer.check("STOP IGNORING MY ISSUE. NOBODY WANTS EXCUSES!!!", role="incoming")
    reason = next(r for r in loud.reasons if r.rule == "shouting")
    assert '"!!!"' in reason.label
    assert loud.conflict


def test_capitals_in_a_cheerful_text_weigh_little(analyzer: ToneAnalyzer) -> None:
    cheerful = analyzer.check("THANK YOU SO MUCH, THIS IS AMAZING", role="draft")
    shouting = next(r for r in cheerful.reasons if r.rule == "shouting")
    assert "(cheerful)" in shouting.label
    assert shouting.weight < 0.2
    assert analyzer.check("PLEASE READ THE CONTRIBUTING GUIDE FIRST", role="draft").conflict


def test_hashtags_and_mentions_are_not_shouting(analyzer: ToneAnalyzer) -> None:
    assert "shouting" not in rules(analyzer, "Shipped it #WWG1WGA #MAGA @USER", "incoming")


@pytest.mark.parametrize(
    "text",
    [
        "Kill the old workers before deploying.",
        "kill all the stale child processes",
        "nuke the old docker images and volumes",
        "abort the hung test runs",
        "reap the zombie threads",
    ],
)
def test_technical_imperatives_do_not_sound_offensive(analyzer: ToneAnalyzer, text: str) -> None:
    found = rules(analyzer, text, "draft")
    assert not found & {"offensive_model", "negative", "heated", "threat"}, found


def test_a_person_is_never_a_technical_object(analyzer: ToneAnalyzer) -> None:
    # "kill" + a personal pronoun is not masked as technical, so the model still sees it.
    analysis = analyzer.analyse("I will kill your children", "incoming")
    plain = analyzer.analyse("kill the child processes", "incoming")
    assert analysis.p_offensive > plain.p_offensive
    assert analyzer.check("I will kill your children", role="incoming").conflict


def test_anger_is_softened_by_an_apology_but_not_hidden(analyzer: ToneAnalyzer) -> None:
    angry = analyzer.check("I'm fed up with this bug.", role="draft")
    sorry = analyzer.check("I'm fed up with this bug too, sorry, a fix is coming.", role="draft")
    assert "anger" in {r.rule for r in sorry.reasons}
    assert sorry.risk < angry.risk
    assert not sorry.conflict


def test_reasons_name_the_new_rules_in_words(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("I am livid. This is your final warning.", role="incoming")
    labels = verdict.labels
    assert any(label.startswith("angry: ") for label in labels)
    assert any(label.startswith("ultimatum: ") for label in labels)
