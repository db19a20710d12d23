"""The compiled word lists: leetspeak, no false hits inside words, and the speed tricks agreeing
with the plain one-pattern-at-a-time answer."""

from __future__ import annotations

import re

import pytest

from core.analysis.lexicon import Lexicon, Matcher, lexicon, lower


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return lexicon()


def words(lex: Lexicon, text: str) -> list[tuple[str, str]]:
    lowered = lower(text)
    return [(h.entry.rule, text[h.start : h.end]) for h in lex.words.hits(lowered)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("you id10t", ("insult", "id10t")),
        ("what a m0r0n", ("insult", "m0r0n")),
        ("sh!t happens", ("profanity", "sh!t")),
        ("f*ck this", ("profanity", "f*ck")),
        ("f**k this", ("profanity", "f**k")),
        ("fuuuuck", ("profanity", "fuuuuck")),
        ("IDIOTS everywhere", ("insult", "IDIOTS")),
        ("such a dumbass move", ("insult", "dumbass")),
    ],
)
def test_leetspeak_and_stretching_are_caught(
    lex: Lexicon, text: str, found: tuple[str, str]
) -> None:
    assert found in words(lex, text)


@pytest.mark.parametrize(
    "text",
    [
        "assess the class passage",
        "Scunthorpe United",
        "shiitake mushrooms",
        "the cockpit of a spice trolley",
        "a knee-jerk reaction",
        "Pakistan and hello",
        "git push --force",
        "garbage collection and a dummy variable",
    ],
)
def test_no_hits_inside_ordinary_words(lex: Lexicon, text: str) -> None:
    assert words(lex, text) == []


def test_technical_phrases_and_mitigators_are_marked(lex: Lexicon) -> None:
    text = "kill the process, then sorry about that, my fault"
    lowered = lower(text)
    kinds = {(h.entry.rule, text[h.start : h.end]) for h in lex.markers.hits(lowered)}
    assert ("technical", "kill the process") in kinds
    assert ("mitigators", "sorry about that") in kinds
    assert ("mitigators", "my fault") in kinds


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        # "[- ]" in technical.txt: a hyphen, a space, or (where optional) nothing at all.
        ("the garbage collection pauses again", "garbage collection"),
        ("the garbage-collector pauses again", "garbage-collector"),
        ("an oomkiller took it", "oomkiller"),
        ("an oom-killer took it", "oom-killer"),
        ("the oom killer took it", "the oom killer"),
        ("try a bruteforce search", "bruteforce"),
        ("a brute force search", "brute force"),
        ("never forcepush to main", "forcepush"),
        ("never force-push to main", "force-push"),
    ],
)
def test_technical_phrases_allow_a_hyphen_a_space_or_nothing_where_listed(
    lex: Lexicon, text: str, phrase: str
) -> None:
    hits = {(h.entry.rule, text[h.start : h.end]) for h in lex.markers.hits(lower(text))}
    assert ("technical", phrase) in hits


def test_lower_keeps_offsets() -> None:
    text = "İstanbul İİ ok"
    assert len(lower(text)) == len(text)


SAMPLES = [
    "Did you even read the docs? This is obviously covered.",
    "Whatever. Closing. Whatever, sure jan. closing as won't fix",
    "oh great, yeah right /s 🙄 thanks a lot, wow, just wow",
    "I said whatever you say. Actually, well actually, um, actually",
    "no offense but with all due respect, calm down sweetie",
    "you clearly have no idea, you're so clueless, are you serious, grow up",
    "Go away. go away now. get lost! cry more, skill issue, touch grass, ok boomer",
    "It's in the docs. it's literally in the README, did you bother to look",
    "sorry if you were offended; sorry you feel that way; mistakes were made",
    "kill yourself. go die. i know where you live. you'll regret this",
    "PRs welcome, works for me, works on my machine, per my previous email",
    "Great job breaking prod. Oh great, another 'urgent' one. Sure, because that went so well.",
    "If you don't like it, fork it. Nobody's forcing you to use it. I expected better from you",
    "I am furious. Fix it or I'm going to the press. I'll sue. This is your final warning!",
    "Not sure how to make this any clearer. I'll leave a review. Legal action, we won't take",
    "i'm not gonna repeat myself, i'm sure you meant well, i'm so fed up, i will leave a review",
]


def _naive(matcher: Matcher, lowered: str) -> list[tuple[str, int, int]]:
    """The slow reference: scan left to right; at each position the first entry, in file order
    (sentence-start entries last), that matches there wins."""
    found = []
    pos = 0
    while pos < len(lowered):
        for n in range(len(matcher)):
            m = matcher.pattern(n).match(lowered, pos)
            if m is not None and m.end() > pos:
                found.append((matcher.entry(n).rule, pos, m.end()))
                pos = m.end()
                break
        else:
            pos += 1
    return found


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_combined_regex_finds_what_each_pattern_finds(lex: Lexicon, sample: str) -> None:
    lowered = lower(sample)
    for matcher in (lex.phrases, lex.symbols):
        fast = [(h.entry.rule, h.start, h.end) for h in matcher.hits(lowered)]
        assert fast == _naive(matcher, lowered)
    assert lex.phrases.hits(lowered)


def test_every_phrase_line_compiles_into_the_combined_regex(lex: Lexicon) -> None:
    from core.analysis.lexicon import _read

    lines = _read("phrases.txt")
    assert len(lex.phrases) + len(lex.symbols) == len(lines)
    for line in lines:
        rule, weight, pattern, *flags = line.split("\t")
        assert set(flags) <= {"neg"}
        assert rule
        assert 0 < float(weight) <= 1
        assert re.compile(pattern.replace("{S}", "").replace("{E}", ""))


def test_a_negative_only_phrase_says_so(lex: Lexicon) -> None:
    lowered = lower("This app is garbage. I will leave a review.")
    [hit] = [h for h in lex.phrases.hits(lowered) if h.entry.rule == "ultimatum"]
    assert hit.entry.negative_only
    [sue] = [h for h in lex.phrases.hits(lower("I'll sue.")) if h.entry.rule == "ultimatum"]
    assert not sue.entry.negative_only


def test_symbol_patterns_are_skipped_when_none_of_their_characters_is_there(lex: Lexicon) -> None:
    gate = lex.symbols._gate
    assert gate is not None
    assert {"🙄", "🤡", "/"} <= gate
    assert list(lex.symbols.hits(lower("no emoji here"))) == []


@pytest.mark.parametrize(
    ("pattern", "prefix", "rest"),
    [
        ("per my (last|previous) email", "per my ", "(last|previous) email"),
        ("(just )?google it", "", "(just )?google it"),
        ("fine{E}", "fine", "{E}"),
        ("ok(ay)? boomer", "ok", "(ay)? boomer"),
        ("lmao+", "lma", "o+"),
        ("can'?t you", "can", "'?t you"),
    ],
)
def test_literal_prefixes(pattern: str, prefix: str, rest: str) -> None:
    from core.analysis.lexicon import _literal_prefix

    assert _literal_prefix(pattern) == (prefix, rest)


def test_items_cut_a_pattern_at_its_top_level() -> None:
    from core.analysis.lexicon import _items

    pattern = r"(a|b)? c[^.!?]{0,60}?\b{E}x+\x27"
    items = _items(pattern)
    assert "".join(items) == pattern
    assert items == ["(a|b)?", " ", "c", "[^.!?]{0,60}?", "\\b", "{E}", "x+", "\\x27"]


def test_expanding_a_leading_group_keeps_what_the_pattern_matches() -> None:
    from core.analysis.lexicon import _expanded, _phrase_body

    pattern = "(great|nice|good) (job|work)( there)? on (breaking|losing)"
    expanded = _expanded(pattern, 48)
    assert len(expanded) > 1
    union = re.compile("|".join(_phrase_body(p) for p in expanded))
    one = re.compile(_phrase_body(pattern))
    for text in ["great job on breaking", "nice work there on losing", "good job on fixing"]:
        assert bool(union.fullmatch(text)) == bool(one.fullmatch(text))
    assert _expanded(pattern, 1) == [pattern]  # past the budget it is left alone


def test_building_the_lists_compiles_each_large_regex_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Compiling the combined regexes is most of the first check's wait, in every sync worker:
    # one regex of that size per matcher, no second form of it.
    compiled: list[str] = []
    real = re.compile

    def spy(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", spy)
    fresh = lexicon.__wrapped__()
    large = [pattern for pattern in compiled if len(pattern) > 1000]
    matchers = (fresh.words, fresh.phrases, fresh.symbols, fresh.markers)
    assert sum(map(len, large)) < 1.05 * sum(len(m.combined) for m in matchers)


@pytest.mark.parametrize(
    "text", ["k", "K!", "foo bar", "so foo-bar k", "well, bar foo bar", "k foo bar", "", "x"]
)
@pytest.mark.parametrize("odd", ["\\A\\W*k\\W*\\Z", "\\w+ly annoyed|k"])
def test_a_phrase_whose_first_letters_are_unknown_is_still_found(odd: str, text: str) -> None:
    # Patterns anchored at the start are tried there alone; any other pattern whose first
    # letters the reader cannot tell makes the matcher search its combined regex itself.
    from core.analysis.lexicon import Entry, _phrase_matcher

    rows = [(Entry("plain", 0.5), "foo bar"), (Entry("odd", 0.5), odd)]
    matcher = _phrase_matcher(rows, bounded=True)
    assert (matcher._led is not None) == odd.startswith("\\A")
    lowered = lower(text)
    assert [(h.entry.rule, h.start, h.end) for h in matcher.hits(lowered)] == _naive(
        matcher, lowered
    )


def test_the_shipped_lists_are_searched_in_the_fast_form(lex: Lexicon) -> None:
    # A list edit that the separator-led search cannot take (a look-behind reaching before a
    # match, say) still works, only slower: this says so when it happens.
    assert lex.words._led is not None
    assert lex.phrases._led is not None
    assert lex.markers._led is not None


def test_a_phrase_looking_before_itself_is_searched_without_a_separator() -> None:
    # Searched behind a space, "(?<!\s)problem" would miss the "problem" that starts the text.
    from core.analysis.lexicon import Entry, _phrase_matcher

    matcher = _phrase_matcher([(Entry("odd", 0.5), r"((?<!\s)problem|issue) here")], bounded=True)
    assert matcher._led is None
    for text in ["problem here", "an issue here", "a problem here", "(problem here)"]:
        fast = [(h.entry.rule, h.start, h.end) for h in matcher.hits(text)]
        assert fast == _naive(matcher, text)
    assert [h.start for h in matcher.hits("problem here")] == [0]


@pytest.mark.parametrize(
    ("regex", "looks_back"),
    [
        (r"(?:(?<=\w)(?!\w)|(?<!\w))", False),
        (r"\bwell\B,?[^.!?]{0,60}?\Z", False),
        (r"\\A\(?<", False),  # a backslash, an "A", a parenthesis, "?<"
        (r"\Aok", True),
        (r"(?<=, )honey", True),
        (r"(?<![\w])x", True),  # not one of the two it knows: taken to look back
        (r"^x", True),
        (r"[a^]", True),
    ],
)
def test_what_looks_before_a_match(regex: str, looks_back: bool) -> None:
    from core.analysis.lexicon import _looks_back

    assert _looks_back(regex) == looks_back
