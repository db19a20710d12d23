"""VADER's compound score, the same numbers as vaderSentiment 3.3.2, 3x faster and linear in length.

`SentimentIntensityAnalyzer.polarity_scores` rebuilds the lower-cased word list of the whole text
for every sentiment word it meets (in `_negation_check` and `_special_idioms_check`), so it costs
O(words²) — 7 s for 100 KB — and ~60 µs for a tweet. This port lower-cases once and computes only
the compound score; everything else (lexicon, boosters, negations, idioms, "but", caps and
punctuation emphasis) is VADER's own code path, rule for rule. tests/analysis checks equality on
thousands of tweets. Imported lazily: it imports vaderSentiment.
"""

from __future__ import annotations

import re
import string
from typing import Any

from vaderSentiment import vaderSentiment as _v

_NEGATE = frozenset(_v.NEGATE)
_BOOSTER: dict[str, float] = _v.BOOSTER_DICT
_SPECIAL: dict[str, float] = _v.SPECIAL_CASES
_N_SCALAR = _v.N_SCALAR
_C_INCR = _v.C_INCR
_PUNCTUATION = string.punctuation
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_CACHE = 100_000


def _strip_punc_if_word(token: str) -> str:
    # SentiText._strip_punc_if_word: strip punctuation unless that leaves <= 2 characters.
    stripped = token.strip(_PUNCTUATION)
    return token if len(stripped) <= 2 else stripped


def _negated(word: str) -> bool:
    # vaderSentiment.negated([word]) for one word: a NEGATE word, or any word containing "n't".
    return word in _NEGATE or "n't" in word


class FastVader:
    def __init__(self) -> None:
        self._vader: Any = _v.SentimentIntensityAnalyzer()
        self.lexicon: dict[str, float] = self._vader.lexicon
        self._emojis: dict[str, str] = self._vader.emojis
        self._words: dict[str, tuple[str, str, bool, bool]] = {}

    def compound(self, text: str) -> float:
        if not text.isascii():  # every key of VADER's emoji table is non-ASCII
            text = self._describe_emojis(text)
        text = text.strip()
        # Per distinct raw word, its stripped form, lower case, caps flag and whether it is a
        # sentiment word (in the lexicon, not a booster), cached: most words of a new text have
        # been seen before, and most are not sentiment words.
        cache = self._words
        lexicon = self.lexicon
        words: list[str] = []
        lowered: list[str] = []
        hot: list[int] = []
        caps = 0
        for raw in text.split():
            known = cache.get(raw)
            if known is None:
                stripped = _strip_punc_if_word(raw)
                low = stripped.lower()
                known = (stripped, low, stripped.isupper(), low in lexicon and low not in _BOOSTER)
                if len(cache) >= _WORD_CACHE:  # bounded; a racing clear only costs recomputing
                    cache.clear()
                cache[raw] = known
            if known[3]:
                hot.append(len(words))
            words.append(known[0])
            lowered.append(known[1])
            caps += known[2]
        n = len(words)
        # vaderSentiment.allcap_differential: some, but not all, words are ALL CAPS.
        is_cap_diff = 0 < n - caps < n
        # Boosters, "kind of" and words outside the lexicon score 0 (what _valence would say).
        sentiments: list[float] = [0] * n
        for i in hot:
            if lowered[i] == "kind" and i < n - 1 and lowered[i + 1] == "of":
                continue
            sentiments[i] = self._valence(i, words, lowered, is_cap_diff)
        if "but" in lowered:
            sentiments = self._vader._but_check(words, sentiments)
        if not sentiments:
            return 0.0
        total = float(sum(sentiments))
        emphasis = self._vader._punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        compound: float = _v.normalize(total)
        return round(compound, 4)

    def _describe_emojis(self, text: str) -> str:
        """VADER's emoji loop, as one regex pass: each emoji becomes its description, with a space
        in front unless it starts the text or follows a space (VADER adds none after it)."""

        emojis = self._emojis
        # Most non-ASCII texts have no emoji at all, only accents, curly quotes or other
        # scripts: then nothing changes, and one pass collecting the characters spares a Python
        # call per character.
        if emojis.keys().isdisjoint(_NON_ASCII.findall(text)):
            return text

        def describe(match: re.Match[str]) -> str:
            char = match.group()
            description = emojis.get(char)
            if description is None:
                return char
            at = match.start()
            return description if at == 0 or text[at - 1] == " " else " " + description

        # VADER looks emojis up one character at a time; every key is non-ASCII. (A character
        # class of all 3,570 emojis would be 10x slower in `re` than this dict lookup.)
        return _NON_ASCII.sub(describe, text)

    def _valence(self, i: int, words: list[str], lowered: list[str], is_cap_diff: bool) -> float:
        lexicon = self.lexicon
        low = lowered[i]
        base = lexicon.get(low)
        if base is None:
            return 0
        valence = base
        n = len(words)
        if low == "no" and i != n - 1 and lowered[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowered[i - 1] == "no")
            or (i > 1 and lowered[i - 2] == "no")
            or (i > 2 and lowered[i - 3] == "no" and lowered[i - 1] in ("or", "nor"))
        ):
            valence = base * _N_SCALAR
        if words[i].isupper() and is_cap_diff:
            valence = valence + _C_INCR if valence > 0 else valence - _C_INCR
        for start_i in range(3):
            j = i - (start_i + 1)
            if i > start_i and lowered[j] not in lexicon:
                s = _v.scalar_inc_dec(words[j], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lowered, start_i, i)
                if start_i == 2:
                    valence = _idioms_check(valence, lowered, i)
        return _least_check(valence, lowered, i, lexicon)


def _negation_check(valence: float, low: list[str], start_i: int, i: int) -> float:
    if start_i == 0:
        if _negated(low[i - 1]):
            valence = valence * _N_SCALAR
    elif start_i == 1:
        if low[i - 2] == "never" and low[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif low[i - 2] == "without" and low[i - 1] == "doubt":
            pass
        elif _negated(low[i - 2]):
            valence = valence * _N_SCALAR
    else:
        if (low[i - 3] == "never" and low[i - 2] in ("so", "this")) or low[i - 1] in ("so", "this"):
            valence = valence * 1.25
        elif low[i - 3] == "without" and (low[i - 2] == "doubt" or low[i - 1] == "doubt"):
            pass
        elif _negated(low[i - 3]):
            valence = valence * _N_SCALAR
    return valence


def _idioms_check(valence: float, low: list[str], i: int) -> float:
    onezero = f"{low[i - 1]} {low[i]}"
    twoonezero = f"{low[i - 2]} {low[i - 1]} {low[i]}"
    twoone = f"{low[i - 2]} {low[i - 1]}"
    threetwoone = f"{low[i - 3]} {low[i - 2]} {low[i - 1]}"
    threetwo = f"{low[i - 3]} {low[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in _SPECIAL:
            valence = _SPECIAL[seq]
            break
    if len(low) - 1 > i:
        zeroone = f"{low[i]} {low[i + 1]}"
        if zeroone in _SPECIAL:
            valence = _SPECIAL[zeroone]
    if len(low) - 1 > i + 1:
        zeroonetwo = f"{low[i]} {low[i + 1]} {low[i + 2]}"
        if zeroonetwo in _SPECIAL:
            valence = _SPECIAL[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in _BOOSTER:
            valence = valence + _BOOSTER[n_gram]
    return valence


def _least_check(valence: float, low: list[str], i: int, lexicon: dict[str, float]) -> float:
    if i > 1 and low[i - 1] not in lexicon and low[i - 1] == "least":
        if low[i - 2] != "at" and low[i - 2] != "very":
            valence = valence * _N_SCALAR
    elif i > 0 and low[i - 1] not in lexicon and low[i - 1] == "least":
        valence = valence * _N_SCALAR
    return valence
