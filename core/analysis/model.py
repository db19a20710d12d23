"""The small learned models: three logistic regressions over the same sparse features.

`data/weights.json` (written by `scripts/train_tone.py`, see data/README.md) holds, per feature
string, one weight for each head — offensive language (OLID + Davidson), positive-vs-negative
sentiment (TweetEval emotion + VADER tweets) and irony (TweetEval irony, hashtags stripped) — plus
the calibration the analyser uses (polarity blend, thresholds). Scoring is one dict lookup per
feature, so all three heads cost about as much as one.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

from core.analysis.features import token_features

HEADS = ("offensive", "sentiment", "irony")
WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True, slots=True)
class Margins:
    """Each head's log-odds (positive: offensive / positive sentiment / ironic)."""

    offensive: float
    sentiment: float
    irony: float


_CACHE_LIMIT = 200_000


@dataclass(slots=True)
class Model:
    weights: dict[str, list[float]] = field(default_factory=dict)
    bias: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    calibration: dict[str, Any] = field(default_factory=dict)
    about: dict[str, Any] = field(default_factory=dict)
    # token → (offensive, sentiment, irony, number of features): the token's own features summed.
    _tokens: dict[str, tuple[float, float, float, int]] = field(default_factory=dict, repr=False)

    def margins(self, toks: list[str], extra: list[str]) -> Margins:
        """The heads' margins for a text given as its tokens (features.tokens) plus extra
        feature strings (features.lexical). Same numbers as summing over features.features()."""
        cache = self._tokens
        get = self.weights.get
        off = sent = iro = 0.0
        # The bigrams (features.bigrams) are looked up as the tokens go by, without a list.
        count = len(toks) - 1 + len(extra) if toks else len(extra)
        previous = None
        for tok in toks:
            sums = cache.get(tok)
            if sums is None:
                sums = self._token_sums(tok)
            off += sums[0]
            sent += sums[1]
            iro += sums[2]
            count += sums[3]
            if previous is not None:
                row = get(f"{previous} {tok}")
                if row is not None:
                    off += row[0]
                    sent += row[1]
                    iro += row[2]
            previous = tok
        for feature in extra:
            row = get(feature)
            if row is not None:
                off += row[0]
                sent += row[1]
                iro += row[2]
        b = self.bias
        if not count:
            return Margins(b[0], b[1], b[2])
        # Training scaled each text's feature vector by 1/sqrt(#features): same here.
        scale = 1.0 / math.sqrt(count)
        return Margins(b[0] + off * scale, b[1] + sent * scale, b[2] + iro * scale)

    def _token_sums(self, token: str) -> tuple[float, float, float, int]:
        feats = token_features(token)
        off = sent = iro = 0.0
        for feature in feats:
            row = self.weights.get(feature)
            if row is not None:
                off += row[0]
                sent += row[1]
                iro += row[2]
        sums = (off, sent, iro, len(feats))
        if len(self._tokens) >= _CACHE_LIMIT:  # bounded; a racing clear only costs recomputation
            self._tokens.clear()
        self._tokens[token] = sums
        return sums

    def word_weight(self, token: str) -> float:
        """The offensive head's weight for one word, to show which words drove it."""
        row = self.weights.get(token)
        return row[0] if row is not None else 0.0


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def from_json(data: dict[str, Any]) -> Model:
    return Model(
        # JSON numbers are already floats (or ints, which add the same): no copying 100k rows.
        weights=data["weights"],
        bias=[float(x) for x in data["bias"]],
        calibration=dict(data.get("calibration", {})),
        about=dict(data.get("about", {})),
    )


@functools.cache
def model() -> Model:
    """The shipped model, loaded once; an untrained checkout gets an empty model."""
    from importlib import resources

    from core import jsoncodec

    path = resources.files("core.analysis").joinpath("data", WEIGHTS_FILE)
    if not path.is_file():
        return Model()
    # orjson reads the 100k rows ~2x faster than the standard library, to the same numbers (both
    # round each decimal to the nearest double); every sync worker process pays this at start.
    data: dict[str, Any] = jsoncodec.loads(path.read_bytes())
    return from_json(data)
