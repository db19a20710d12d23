"""Text → sparse features for the small learned models (shared by training and run time).

Features are plain strings looked up in one dict of weights: word unigrams (`tok`), word bigrams
(`tok tok`), character 4-grams inside words (`|gram`) and a few lexical features (`§...`). A dict
of strings is used instead of hashing because it is deterministic across processes (Python's
`hash` is salted) and one `dict.get` is the cheapest lookup CPython has.

A text's features are a multiset (a 4-gram seen twice counts twice). That is what lets the run
time cache, per distinct token, the summed weights of the token and its 4-grams: most tokens of a
new text have been seen before, so scoring costs about one lookup per token (model.py).
"""

from __future__ import annotations

import itertools
import re

# URLs and @mentions carry no tone; collapsing them keeps the vocabulary small.
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
# Three or more repeats of a letter ("soooo") are folded to two: "soo" is one feature.
# (`\1\1+` matches what `\1{2,}` does, with ~40% fewer steps of the regex engine.)
_REPEAT = re.compile(r"(\w)\1\1+")
# Words (with an inner apostrophe), or any single symbol that is not a space (emoji, !, ?).
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[^\w\s]")

CHAR_N = 4


def normalise(text: str) -> str:
    """`text` lower-cased, URLs and mentions collapsed, repeated letters folded."""
    return _REPEAT.sub(_two, _collapsed(text))


def _collapsed(text: str) -> str:
    """`text` lower-cased, with URLs and mentions collapsed: `normalise` but for the repeats."""
    text = text.lower()
    # Each substitution is skipped when a plain `in` test shows it has nothing to do: most texts
    # have no URL, many no mention, and this runs for every text checked.
    if "http" in text or "www." in text:
        text = _URL.sub(" url ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    if "’" in text:
        text = text.replace("’", "'")
    return text


def _two(match: re.Match[str]) -> str:
    # A function, not the template r"\1\1": re parses a template on every call, even when
    # nothing matches, which most texts do not.
    return match.group(1) * 2


# Per distinct word (whitespace-separated, lower case), its tokens: most words of a new text have
# been seen before. Bounded; a racing clear only costs recomputing.
_WORD_TOKENS: dict[str, tuple[str, ...]] = {}
_WORD_CACHE = 100_000


def tokens(text: str) -> list[str]:
    """Lower-cased tokens of `text` (URLs and mentions collapsed), word by word: the same as
    `_TOKEN.findall(normalise(text))`.

    Neither a token nor a run of repeated letters spans whitespace, so the text is split at
    whitespace (`str.split` and the regexes' `\\s` agree on what it is) and each word is folded
    and tokenised on its own, once per distinct word (the regexes try a match at every position
    of a text, which cost more than the rest of the scoring).
    """
    cache = _WORD_TOKENS
    found: list[str] = []
    for word in _collapsed(text).split():
        known = cache.get(word)
        if known is None:
            known = _word_tokens(word)
            if len(cache) >= _WORD_CACHE:
                cache.clear()
            cache[word] = known
        found += known
    return found


def _word_tokens(word: str) -> tuple[str, ...]:
    word = _REPEAT.sub(_two, word)
    # A word of letters and digits only (`str.isalnum` is exactly `[^\\W_]+`) is one token.
    return (word,) if word.isalnum() else tuple(_TOKEN.findall(word))


def token_features(token: str) -> list[str]:
    """A token's own features: itself and, for words of 3+ characters, its padded 4-grams."""
    if len(token) < 3 or not token[0].isalnum():
        return [token]
    padded = f" {token} "
    return [token, *("|" + padded[i : i + CHAR_N] for i in range(len(padded) - CHAR_N + 1))]


def bigrams(toks: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in itertools.pairwise(toks)]


def features(text: str) -> list[str]:
    """Every textual feature of `text`, duplicates kept (training uses this; the run time gets the
    same numbers through model.Model.margins)."""
    toks = tokens(text)
    out = [f for tok in toks for f in token_features(tok)]
    out.extend(bigrams(toks))
    return out


# Word-list hits and VADER's verdict as features of the learned heads, so each head learns how much
# to trust them (training them jointly beat adding the lists afterwards by 0.02 macro-F1 on OLID).
LEXICAL_RULES = frozenset({"insult", "profanity", "slur", "hostile", "threat"})


def lexical(hits: list[tuple[str, float]], compound: float) -> list[str]:
    """`hits`: (rule, weight) of the hand-written rules that fired; `compound`: VADER's score."""
    out = [f"§v{int((compound + 1.0) * 4)}"]
    for rule, weight in hits:
        if rule in LEXICAL_RULES:
            out.append(f"§{rule}")
            out.append(f"§{rule}{int(weight * 10)}")
    return out
