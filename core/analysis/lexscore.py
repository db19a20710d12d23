"""Lexicon sentiment scorers: VADER (compound, and its word valences) and TextBlob (subjectivity).

VADER runs through core/analysis/vader_fast.py: the same scores as the vaderSentiment package,
without its quadratic inner loops.

Both packages are imported on first use: TextBlob pulls in NLTK (~0.25 s), and `import
core.analysis` must stay cheap because the app imports it at start.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.analysis.vader_fast import FastVader

# VADER's own normalisation constant: compound = x / sqrt(x² + alpha).
_ALPHA = 15.0
# VADER's "but" rule is quadratic in text length; longer texts are scored in chunks.
_CHUNK = 1000
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")
_LOAD = threading.Lock()


@functools.cache
def _vader() -> FastVader:
    with _LOAD:
        from core.analysis.vader_fast import FastVader

        return FastVader()


@functools.cache
def _textblob() -> Any:
    # TextBlob loads its lexicon on the first call; doing that call here, under the lock, keeps two
    # worker threads from loading it at once.
    with _LOAD:
        from textblob import TextBlob

        TextBlob("warm up").sentiment  # noqa: B018
        return TextBlob


def valence() -> dict[str, float]:
    """VADER's word → valence (-4..4) table (~7,500 words)."""
    lexicon: dict[str, float] = _vader().lexicon
    return lexicon


def vader_compound(text: str) -> float:
    """VADER's compound score (-1..1); long texts are split at sentence ends and their raw sums
    added, which is what VADER would compute for the whole text up to its punctuation boost."""
    if len(text) <= _CHUNK:
        return _vader().compound(text)
    total = 0.0
    for chunk in _chunks(text):
        compound = _vader().compound(chunk)
        compound = max(-0.9999, min(0.9999, compound))
        total += compound * math.sqrt(_ALPHA) / math.sqrt(1.0 - compound * compound)
    return total / math.sqrt(total * total + _ALPHA)


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > _CHUNK:  # one endless "sentence": cut it anyway
            chunks.append(sentence[:_CHUNK])
            sentence = sentence[_CHUNK:]
        if len(current) + len(sentence) > _CHUNK and current:
            chunks.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        chunks.append(current)
    return chunks


def textblob_sentiment(text: str) -> tuple[float, float]:
    """TextBlob's (polarity, subjectivity). Only `.sentiment` is used: everything else in TextBlob
    needs NLTK corpora that are not installed."""
    sentiment = _textblob()(text).sentiment
    return float(sentiment.polarity), float(sentiment.subjectivity)


def subjectivity(text: str) -> float:
    return textblob_sentiment(text)[1]


def warm_up(*, textblob: bool = False) -> None:
    """Load the scorers now rather than inside the first check."""
    _vader().compound("warm up")
    if textblob:
        _textblob()
