"""The shortcuts taken for speed give exactly what the long way gives."""

from __future__ import annotations

import re
import sys

import pytest

from core.analysis import Correction, ToneAnalyzer
from core.analysis.cheers import _CHEER, _SWEAR, _SWEAR_STEMS
from core.analysis.features import _TOKEN, normalise, tokens
from core.analysis.lexicon import Lexicon, lexicon, lower

TEXTS = [
    "",
    "idiot",
    "you idiot!",
    "sh!t@ss f*ck idi0t, moron-proof knee-jerk",
    "!idiot |idiot @idiot $hit -idiot *idiot",
    "Thanks, fix it or else. I'll leave a review!!",
    "per my last email, just google it. Whatever.",
    "kill the process and abort the rebase, then retry",
    "@me @dumb_dev Oh great, another breaking change",
    "k",
    "ok lol",
    "lol ok",
    "Great job breaking the build, well actually you people never read the docs",
    "İstanbul idiot İİ moron",
    "🙄 /s 🤡 what a joke",
    "a" * 50 + " idiot " + "b" * 50,
    "Soooo goooood!!! a___b 1000000 www.example.com/x http://t.co/aaa @Sam’s don’t’t",
    "İİİ ΣΑΣ x\u2028y\u00a0z\u3000w ½½½ ٣٣٣ — “quoted”_ _x_",
    "Thank you people. Sweetie, you people, just fix it, or else. Well actually, take legal action",
]


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return lexicon()


@pytest.mark.parametrize("text", TEXTS)
def test_the_fast_search_finds_what_the_combined_regex_finds(lex: Lexicon, text: str) -> None:
    # The lists are searched with the separator-led form of their combined regex, the text behind
    # a space (and the phrases anchored at its start tried there alone): the same places.
    lowered = lower(text)
    for matcher in (lex.words, lex.phrases, lex.symbols, lex.markers):
        expected = [m.span() for m in re.compile(matcher.combined).finditer(lowered)]
        assert [start for start, _ in matcher._matches(lowered)] == [s for s, _ in expected]
        if not matcher._candidates:  # where a match ends counts too
            assert list(matcher._matches(lowered)) == expected
        assert matcher.spans(lowered) == expected
        assert matcher.search(lowered) == bool(expected)


def test_the_swear_stems_gate_never_hides_a_cheer() -> None:
    # Every spelling the case-insensitive _CHEER accepts, letter by letter, passes the gate.
    words = _SWEAR.removeprefix("(?:").removesuffix(")").split("|")
    letters = set("".join(words))
    spellings = {
        letter: [
            chr(code)
            for code in range(sys.maxunicode + 1)
            if re.fullmatch(letter, chr(code), re.IGNORECASE)
        ]
        for letter in letters
    }
    for word in words:
        for at, letter in enumerate(word):
            for other in spellings[letter]:
                assert _SWEAR_STEMS.search((word[:at] + other + word[at + 1 :]).lower())
    assert _CHEER.search("Hell yeah")
    assert _SWEAR_STEMS.search("Hell yeah".lower())


def _key(verdict: object) -> object:
    return repr(verdict)


def test_a_text_checked_again_gets_the_same_verdict_even_after_a_correction() -> None:
    cached = ToneAnalyzer(watch_words=["refund"])
    texts = [t for t in TEXTS if t.strip()] + ["Just google it.", "whatever, refund me"]
    first = [cached.check(t, "incoming") for t in texts]
    again = [cached.check(t, "incoming") for t in texts]
    assert [_key(v) for v in again] == [_key(v) for v in first]
    assert all(a is not b for a, b in zip(again, first, strict=True))
    drafts = [cached.check(t, "draft") for t in texts]
    fresh = ToneAnalyzer(watch_words=["refund"])
    assert [_key(v) for v in drafts] == [_key(fresh.check(t, "draft")) for t in texts]
    # A correction learned after a text was checked applies to it the next time.
    correction = Correction("Just google it.", "incoming", verdict=False)
    cached.learn(correction)
    fresh.learn(correction)
    assert [_key(cached.check(t, "incoming")) for t in texts] == [
        _key(fresh.check(t, "incoming")) for t in texts
    ]


def test_str_methods_agree_with_the_token_regex_classes() -> None:
    # tokens() relies on these two equivalences for every character.
    alnum, space = re.compile(r"[^\W_]"), re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert char.isalnum() == bool(alnum.match(char)), hex(code)
        assert char.isspace() == bool(space.match(char)), hex(code)


@pytest.mark.parametrize("text", TEXTS)
def test_word_by_word_tokens_are_the_whole_text_tokens(text: str) -> None:
    assert tokens(text) == _TOKEN.findall(normalise(text))
    assert tokens(text) == tokens(text)  # the second time from the per-word cache


@pytest.mark.parametrize("text", TEXTS)
def test_the_combined_regex_finds_every_place_an_entry_matches(lex: Lexicon, text: str) -> None:
    # The combined regexes are filters (leading look-behinds and \b dropped): every place where
    # some entry matches must still be a candidate.
    lowered = lower(text)
    for matcher in (lex.phrases, lex.symbols, lex.markers):
        starts = {start for start, _ in matcher._matches(lowered)}
        for n in range(len(matcher._entries)):
            pattern = matcher.pattern(n)
            for at in range(len(lowered) + 1):
                if pattern.match(lowered, at):
                    assert at in starts, (matcher._entries[n], at)
