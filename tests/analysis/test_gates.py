"""The gates that spare most texts a regex search give what the search gives."""

from __future__ import annotations

import pytest

from core.analysis.lexicon import _chunk_confined, lexicon, lower
from core.analysis.rules import (
    _TOKEN,
    _YOU,
    EMPATHY,
    NEGATIONS,
    SECOND_PERSON,
    Evidence,
    you_negative,
)

TEXTS = [
    "",
    "   ",
    "idiot",
    "you idiot!",
    "you\tidiot\nmoron",
    "sh!t@ss f*ck idi0t, moron-proof knee-jerk",
    "!idiot |idiot @idiot $hit -idiot *idiot idiot- idiot* (idiot) idiot.",
    "f**k s**t b***h f***",
    "nothing to see here, move along",
    "İstanbul idiot İİ moron",
    "a\u00a0idiot\u2003moron\u3000dumbass",  # non-breaking and other Unicode spaces
    "🙄 /s 🤡 what a joke",
    "see https://example.com/s and a/s or /s",
    "ok /s",
    "café /s",
    "/",
]


@pytest.mark.parametrize("text", TEXTS)
def test_gated_matchers_find_what_the_search_finds(text: str) -> None:
    lex = lexicon()
    lowered = lower(text)
    for matcher in (lex.words, lex.symbols, lex.phrases, lex.markers):
        gated = [(h.entry.rule, h.start, h.end) for h in matcher.hits(lowered)]
        fresh = type(matcher).__new__(type(matcher))
        fresh.__dict__.update(matcher.__dict__)
        fresh._gate_search = None
        fresh._gate_ascii = ()
        fresh._chunked = False
        assert gated == [(h.entry.rule, h.start, h.end) for h in fresh.hits(lowered)], text


def test_the_words_matcher_is_gated_per_chunk() -> None:
    lex = lexicon()
    assert lex.words._chunked
    assert lex.words.hits(lower("what an idiot")) != []
    assert lex.words._chunks["idiot"] is True
    assert lex.words._chunks["what"] is False


@pytest.mark.parametrize(
    ("regex", "confined"),
    [
        (r"f\*{2,}k\w*", True),
        (r"b\*{3,}h", True),
        (r"a.b", False),
        (r"a\sb", False),
        (r"a b", False),
        (r"[^a]b", False),
        (r"(?<=x)y", False),
        (r"(?!x)y", False),
        (r"a\bc", False),
        (r"a\Wb", False),
        (r"^a", False),
        (r"a$", False),
        (r"a\\", False),
    ],
)
def test_only_raw_entries_that_stay_inside_a_chunk_allow_the_gate(
    regex: str, confined: bool
) -> None:
    assert _chunk_confined(regex) is confined


def _you_negative_long_way(
    lowered: str,
    valence: dict[str, float],
    technical: list[tuple[int, int]],
    already: list[Evidence],
) -> list[Evidence]:
    """rules.you_negative as it was: every token with its place, up front."""
    if _YOU.search(lowered) is None:
        return []
    tokens = [(m.group().replace("’", "'"), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
    covered = technical + [(e.start, e.end) for e in already if e.rule in ("hostile", "threat")]
    found: list[Evidence] = []
    used: set[int] = set()
    for i, (tok, start, end) in enumerate(tokens):
        if tok not in SECOND_PERSON:
            continue
        window = list(range(max(0, i - 2), i)) + list(range(i + 1, min(len(tokens), i + 5)))
        for j in window:
            word, wstart, wend = tokens[j]
            if word in ".!?;:":
                if j > i:
                    break
                continue
            score = valence.get(word, 0.0)
            if score > -1.5 or word in EMPATHY or j in used:
                continue
            if j > 0 and tokens[j - 1][0] in NEGATIONS:
                continue
            span = (min(start, wstart), max(end, wend))
            if any(s <= span[0] < e or s < span[1] <= e for s, e in covered):
                continue
            used.add(j)
            weight = 0.4 if score <= -2.0 else 0.3
            found.append(Evidence("hostile", weight, span[0], span[1], f"you {word}", "you + neg"))
            break
    return found


@pytest.mark.parametrize(
    "text",
    [
        "you’re pathetic, you’re awful",
        "you're pathetic. and you are terrible",
        "honestly your code is garbage and you are hopeless",
        "you are not terrible",
        "“you” — ’tis horrible",
        "nothing here",
        "you, you, you: sad, stuck, pathetic",
        "kill the process, you pathetic thing",
        "ya’ll are hopeless; u r awful",
    ],
)
def test_you_negative_finds_the_same_places(text: str) -> None:
    valence = {"pathetic": -2.6, "awful": -2.0, "terrible": -2.1, "hopeless": -2.0, "sad": -2.1}
    valence |= {"horrible": -2.5, "stuck": -1.6, "kill": -3.7}
    lowered = lower(text)
    technical = [(0, 16)] if text.startswith("kill") else []
    already = [Evidence("threat", 0.9, 3, 9, "x")] if "u r" in text else []
    got = you_negative(lowered, valence, technical, already)
    assert got == _you_negative_long_way(lowered, valence, technical, already)
