"""The public surface the CLI, sync engine and TUI rely on."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from core.analysis import Correction, Reason, ToneAnalyzer, ToneContext, Verdict
from core.models import Tone

ROOT = Path(__file__).resolve().parents[2]


def test_to_json_has_the_documented_keys(analyzer: ToneAnalyzer) -> None:
    data = analyzer.check("Just google it.", role="draft").to_json()
    assert {"polarity", "subjectivity", "risk", "conflict", "reasons", "details"} <= data.keys()
    assert data["conflict"] is True
    assert data["reasons"] == [d["label"] for d in data["details"]]
    detail = data["details"][0]
    assert detail["rule"] == "dismissive"
    assert detail["spans"] == [[0, 14]]
    assert 0 < detail["weight"] <= 1
    assert -1 <= data["polarity"] <= 1
    assert 0 <= data["subjectivity"] <= 1


def test_to_tone_carries_the_verdict(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("You are an idiot", role="incoming")
    tone = verdict.to_tone()
    assert isinstance(tone, Tone)
    assert tone.conflict
    assert tone.risk == round(verdict.risk, 4)
    assert tone.reasons == verdict.labels
    assert tone.reasons


def test_subjectivity_comes_from_textblob_when_asked(analyzer: ToneAnalyzer) -> None:
    assert analyzer.check("I absolutely love this wonderful idea").subjectivity > 0.5
    assert analyzer.check("The release is on Tuesday.").subjectivity < 0.3


def test_check_many_gives_the_same_verdicts_as_check(analyzer: ToneAnalyzer) -> None:
    texts = ["Just google it.", "Thanks!", "", "You are a moron", "kill -9 the worker"]
    many = analyzer.check_many(texts, role="incoming")
    single = [analyzer.check(t, role="incoming") for t in texts]
    assert [v.to_json() for v in many] == [v.to_json() for v in single]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_neutral(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text)
    assert (verdict.polarity, verdict.risk, verdict.conflict, verdict.reasons) == (0, 0, False, [])
    assert verdict.to_json()["subjectivity"] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "🙂🙂🙂",
        "İstanbul'da ÇOK güzel bir gün",
        "ﷺ ß ﬁ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "\x00\x1b[31mred\x1b[0m",
        "👩‍💻 shipped it 🚀",
    ],
)
def test_unicode_and_control_characters_are_safe(analyzer: ToneAnalyzer, text: str) -> None:
    verdict = analyzer.check(text, role="incoming")
    assert -1 <= verdict.polarity <= 1
    for reason in verdict.reasons:
        assert "\x1b" not in reason.label


def test_labels_never_carry_terminal_escapes(analyzer: ToneAnalyzer) -> None:
    verdict = analyzer.check("you \x1b[2Jidiot", role="incoming")
    assert verdict.conflict
    assert all("\x1b" not in label for label in verdict.labels)


def test_a_100kb_text_is_still_read_to_the_end(analyzer: ToneAnalyzer) -> None:
    text = (
        "Thanks for the report, the fix is in the next release. But per my last email, " * 1300
    )[:100_000]
    verdict = analyzer.check(text, role="incoming")  # speed: python -m bench tone
    assert verdict.conflict  # the passive-aggressive phrase is still found


def test_sensitivity_moves_the_threshold() -> None:
    soft = "Obviously, as I said, this is covered."  # two soft phrases, ~0.5
    strict, normal, relaxed = (ToneAnalyzer(sensitivity=s) for s in ("strict", "normal", "relaxed"))
    risk = normal.check(soft).risk
    assert strict.check(soft).risk == risk == relaxed.check(soft).risk
    assert 0.35 <= risk < 0.65
    assert strict.check(soft).conflict
    assert not relaxed.check(soft).conflict
    assert not relaxed.check("Just google it.").conflict
    assert strict.check("Just google it.").conflict
    assert normal.check("Just google it.").conflict


def test_watch_words_are_always_shown_but_never_flag_on_their_own() -> None:
    analyzer = ToneAnalyzer(watch_words=["deadline", "refund"])
    text = "About the Deadline: it's Friday."
    verdict = analyzer.check(text)
    assert not verdict.conflict
    assert 0 < verdict.risk < 0.35  # below even the strict threshold
    reason = next(r for r in verdict.reasons if r.rule == "watch_word")
    assert [text[a:b] for a, b in reason.spans] == ["Deadline"]
    assert "Deadline" in reason.label
    assert "never flags a text on its own" in reason.label
    plural = analyzer.check("Two refunds pending")
    assert [r.rule for r in plural.reasons] == ["watch_word"]
    assert all(r.rule != "watch_word" for r in analyzer.check("a deadlined refundable").reasons)


def test_a_refund_reply_with_a_watch_word_is_not_refused() -> None:
    for sensitivity in ("strict", "normal", "relaxed"):
        analyzer = ToneAnalyzer(sensitivity, watch_words=["refund", "deadline"])
        # Several watch words together still weigh less than the strictest threshold.
        verdict = analyzer.check("We issued your refund today; refunds beat the deadline.")
        assert not verdict.conflict, (sensitivity, verdict.to_json())
        assert [r.rule for r in verdict.reasons] == ["watch_word"]
    # ... but they add to other evidence: the same dismissive draft is riskier with one.
    plain = ToneAnalyzer().check("Whatever, the refund is coming.")
    watched = ToneAnalyzer(watch_words=["refund"]).check("Whatever, the refund is coming.")
    assert watched.risk > plain.risk


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="sensitivity"):
        ToneAnalyzer(sensitivity="paranoid")
    with pytest.raises(ValueError, match="role"):
        ToneAnalyzer().check("hi", role="outgoing")


def test_checks_from_many_threads_agree_with_serial_checks() -> None:
    texts = [
        "Just google it.",
        "Thanks so much!",
        "You are an idiot",
        "kill the process",
        "Whatever. Closing.",
    ] * 20
    analyzer = ToneAnalyzer()  # fresh: the first checks race the lazy load
    results: dict[int, list[dict[str, object]]] = {}

    def work(n: int) -> None:
        results[n] = [analyzer.check(t).to_json() for t in texts]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    serial = [ToneAnalyzer().check(t).to_json() for t in texts]
    assert all(result == serial for result in results.values())


def test_public_names_are_importable() -> None:
    assert Reason("insult", 'insult: "x"', [(0, 1)], 0.8).to_json()["spans"] == [[0, 1]]
    assert ToneContext().thread == []
    assert ToneContext().usual_polarity is None
    assert Correction("x", "draft", False, []).verdict is False
    assert Verdict.__name__ == "Verdict"


_IMPORT_PROBE = """
import sys
from core.analysis import ToneAnalyzer, ToneContext, Verdict, Reason, Correction
heavy = [m for m in ("vaderSentiment", "textblob", "nltk", "textual", "rich") if m in sys.modules]
print(",".join(heavy) or "-")
"""


def test_importing_the_package_loads_no_models_or_ui() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "-", f"imported at start: {out}"


def test_sentiment_says_negative_neutral_or_positive(analyzer: ToneAnalyzer) -> None:
    assert analyzer.check("Thank you so much, this is wonderful!").sentiment == "positive"
    assert analyzer.check("The release is scheduled for Tuesday.").sentiment == "neutral"
    assert analyzer.check("This is awful, I'm so disappointed.").sentiment == "negative"
    assert analyzer.check("").to_json()["sentiment"] == "neutral"


@pytest.mark.parametrize(
    "text",
    ["Thanks so much, this fixed it!", "This is broken again and nobody cares.", "ok :) :)"],
)
def test_a_checked_message_gives_its_thread_the_polarity_measured_alone(text: str) -> None:
    # The escalation check reads earlier posts' polarity from what their own check measured:
    # both must be the same number, whichever comes first.
    checked_first = ToneAnalyzer()
    checked = checked_first.check(text, role="incoming").polarity
    assert checked_first.polarity(text) == checked
    assert ToneAnalyzer().polarity(text) == checked
