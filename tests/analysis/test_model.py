"""The shipped weights: present, documented, and scored at run time exactly as in training."""

from __future__ import annotations

import math

import pytest

from core.analysis import ToneAnalyzer
from core.analysis.features import bigrams, features, lexical, token_features, tokens
from core.analysis.model import Model, model, sigmoid


def test_weights_ship_with_a_note_of_what_they_were_trained_on() -> None:
    shipped = model()
    assert len(shipped.weights) > 10_000
    assert "OLID" in shipped.about["heads"]["offensive"]
    cal = shipped.calibration
    assert {"polarity", "offensive", "irony", "sentiment_classes"} <= cal.keys()
    assert 0.5 <= cal["offensive"]["mid"] < 1


@pytest.mark.parametrize(
    "text",
    ["You are an idiot", "Thanks so much!! 😀 https://x.y/z @bob", "Sooo goood", "", "a"],
)
def test_cached_scoring_equals_scoring_every_feature(text: str) -> None:
    shipped = model()
    toks = tokens(text)
    extra = lexical([("insult", 0.8)], -0.5)
    fast = shipped.margins(toks, extra)
    fast_again = shipped.margins(toks, extra)  # second call: from the token cache
    every = [f for tok in toks for f in token_features(tok)] + bigrams(toks) + extra
    assert every[: len(features(text))] == features(text)
    sums = [0.0, 0.0, 0.0]
    for feature in every:
        row = shipped.weights.get(feature)
        if row is not None:
            sums = [s + w for s, w in zip(sums, row, strict=True)]
    scale = 1 / math.sqrt(len(every))
    expected = [b + s * scale for b, s in zip(shipped.bias, sums, strict=True)]
    got = [fast.offensive, fast.sentiment, fast.irony]
    assert got == pytest.approx(expected)
    assert fast == fast_again


def test_an_untrained_checkout_still_works() -> None:
    analyzer = ToneAnalyzer(model=Model())
    verdict = analyzer.check("Just google it, idiot")
    assert verdict.conflict  # the word lists alone still flag
    assert -1 <= verdict.polarity <= 1


def test_the_offensive_head_separates_the_obvious_cases() -> None:
    shipped = model()
    hostile = shipped.margins(tokens("you are a disgusting pathetic idiot"), []).offensive
    kind = shipped.margins(tokens("thank you for the lovely release notes"), []).offensive
    assert sigmoid(hostile) > 0.8 > 0.3 > sigmoid(kind)


def test_incoming_messages_have_their_own_fitted_calibration() -> None:
    cal = model().calibration
    incoming, draft = cal["incoming"], cal["offensive"]
    assert {"low", "mid", "untargeted", "third_person", "scale"} <= incoming.keys()
    assert incoming["low"] < incoming["mid"] < 1
    # Damped at most to half, and never the all-caps case (see scripts/train_tone.py).
    assert all(0.5 <= v <= 1.5 for v in incoming["scale"].values())
    assert "shouting/all caps" not in incoming["scale"]
    # Drafts keep the product's stricter defaults: the head alone flags only when fairly sure.
    assert draft["mid"] >= 0.55


def test_role_calibration_weighs_who_a_text_is_aimed_at() -> None:
    from core.analysis.analyzer import RoleCalibration

    cal = RoleCalibration(low=0.3, mid=0.45, untargeted=0.6, third_person=0.9)
    assert cal.factor("reader", cheerful=False) == 1.0
    assert cal.factor("third", cheerful=False) == 0.9
    assert cal.factor("none", cheerful=False) == 0.6
    assert cal.factor("none", cheerful=True) == 0.3
    fallback = RoleCalibration.of({}, cal)
    assert fallback == cal
    assert RoleCalibration.of({"mid": 0.5}, cal).mid == 0.5


def test_an_insult_about_a_third_person_weighs_more_when_received() -> None:
    analyzer = ToneAnalyzer()
    text = "she never listens and ruins every thread she joins"
    incoming = analyzer.analyse(text, "incoming")
    draft = analyzer.analyse(text, "draft")
    assert incoming.target == draft.target == "third"
    assert incoming.offensive_factor >= draft.offensive_factor
