"""Our VADER port must give the package's numbers exactly (it only removes repeated work)."""

from __future__ import annotations

import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from core.analysis import lexscore
from core.analysis.vader_fast import FastVader
from tests.conftest import DATA

SENTENCES = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "😁yes 💘💘 no😁 😁",
    "Not bad at all",
    "never so happy, without doubt the best",
    "no no no, this is the shit",
    "It was the least bad option, at least",
    "",
    "   ",
    "?!?!",
    "Café “très” bien, merci — naïve but GOOD",  # non-ASCII, no emoji: left as it is
    "Ça marche 👍 très bien",
]


@pytest.fixture(scope="module")
def pair() -> tuple[FastVader, SentimentIntensityAnalyzer]:
    return FastVader(), SentimentIntensityAnalyzer()


@pytest.mark.parametrize("text", SENTENCES)
def test_same_compound_as_the_package(
    pair: tuple[FastVader, SentimentIntensityAnalyzer], text: str
) -> None:
    fast, package = pair
    assert fast.compound(text) == package.polarity_scores(text)["compound"]


def test_same_compound_on_the_shared_tweets(
    pair: tuple[FastVader, SentimentIntensityAnalyzer],
) -> None:
    path = DATA / "sentiment" / "vader_tweets_GroundTruth.txt"
    if not path.exists():
        pytest.skip("../shared/data is not beside this clone")
    fast, package = pair
    texts = [line.split("\t", 2)[2] for line in path.read_text(encoding="utf-8").splitlines()]
    assert [fast.compound(t) for t in texts] == [
        package.polarity_scores(t)["compound"] for t in texts
    ]


def test_long_text_is_chunked_close_to_whole() -> None:
    sentence = "The fix is great, but the docs are still confusing and slow to load. "
    text = sentence * 1500  # ~100 KB
    compound = lexscore.vader_compound(text)  # its speed is measured in bench/, not here
    assert compound == pytest.approx(lexscore.vader_compound(sentence * 10), abs=0.05)
