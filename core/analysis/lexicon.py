"""The shipped word lists (core/analysis/data/*.txt), compiled into a few large regexes.

Each list becomes ONE regex, so scanning a text is one pass of the C regex engine instead of a
Python loop over hundreds of entries (`better_profanity` loops and manages ~30 texts/s).

Speed notes, measured on tweets (CPython's `re` has no multi-pattern automaton):
- named groups, per-alternative look-arounds and IGNORECASE each cost 4-20x, so the combined regex
  has none of them: texts are lower-cased first (length-preserving, so offsets stay valid), the
  word boundary is asserted once in front of the whole alternation, and the sentence-start test is
  asserted once in front of the alternatives that need it;
- which entry matched is found afterwards by trying the entries one by one at the match position
  (the combined regex tries them in the same order, so the answer is the same). Matches are rare,
  so this costs little.
Building and compiling them takes ~0.2 s of CPU, most of it in `re`'s parser (written in Python),
so it happens on first use, not at import, and in every sync worker process: each regex of that
size is compiled once (see `_separator_led`), and the per-entry patterns only when needed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Leetspeak and masking: each letter also matches its usual stand-ins ("sh!t", "@ss", "f*ck"),
# and every letter may be stretched ("fuuuck").
_LEET = {
    "a": "a@4*",
    "e": "e3*",
    "i": "i1!|*",
    "o": "o0*",
    "u": "uv*",
    "s": "s$5",
    "t": "t7",
}
_NOT_BEFORE_WORD = r"\w@$*-"
_WORD_BEFORE = rf"(?<![{_NOT_BEFORE_WORD}])"  # "knee-jerk" is not "jerk"
_WORD_AFTER = r"(?![\w*-])"  # nor is "idiot-proof" an insult
# After a phrase that ends with a word character the text must not go on with one.
_PHRASE_AFTER = r"(?:(?<=\w)(?!\w)|(?<!\w))"
# What a space in a phrases.txt pattern stands for: any run of spaces and hyphens.
_SPACES = r"[\s\-]+"
# Sentence start: start of text, or after closing punctuation / an emoji, with up to two spaces.
_SENTENCE_START = r"(?:\A|(?<=\A\W)|(?<=[^\w\s,'’])|(?<=[^\w\s,'’]\s)|(?<=[^\w\s,'’]\s\s))"
# Sentence end: what follows is closing punctuation, an emoji or the end of the text.
_SENTENCE_END = r"(?=\s*(?:[^\w\s,'’]|\Z))"


# A prefix tree of words: "" marks the end of a word, "*" an open end.
Trie = dict[str, "Trie"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a list: the rule it feeds and how much one hit raises the risk.

    `negative_only`: the hit counts only when the text as a whole reads negative (phrases.txt's
    optional fourth column `neg`), for cues that are harmless in a friendly text.
    """

    rule: str
    weight: float
    negative_only: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    entry: Entry
    start: int
    end: int


class Matcher:
    """Many entries behind one combined regex (see the module notes for why it is shaped so).

    `combined` says where to look: `hits` works from its matches, left to right. The hot path
    searches `led` instead when given: `combined` in its separator-led form (see
    `_separator_led`), the only regex of that size compiled (`combined` itself is compiled only
    if `search` or `spans` is used). With `candidates`, `led` may leave out patterns anchored at
    the start of the text, which `at_start` tries there.

    `order` says, per first character of a match, which entries the combined regex tries and in
    what order; `hits` tries the same entries in the same order to say which one matched.
    With `candidates`, the combined regex matches only the first character of a place where some
    entry may start, and `hits` finds the entry (and its end) there.
    """

    def __init__(
        self,
        combined: str,
        entries: list[tuple[Entry, str]],
        order: dict[str, list[int]] | None = None,
        fallback: list[int] | None = None,
        gate: frozenset[str] | None = None,
        *,
        candidates: bool = False,
        led: str | None = None,
        at_start: str | None = None,
        chunked: bool = False,
    ) -> None:
        self.combined = combined
        self._led = None if led is None else re.compile(led)
        self._plain = None if led is not None else re.compile(combined)
        self._at_start = None if at_start is None else re.compile(at_start)
        self._entries = [entry for entry, _ in entries]
        # Per-entry patterns are compiled on first use: most are never needed in a session, and
        # compiling them all up front doubled the first check's wait.
        self._sources = [pattern for _, pattern in entries]
        self._compiled: list[re.Pattern[str] | None] = [None] * len(entries)
        everything = list(range(len(entries)))
        self._order = order or {}
        self._fallback = everything if fallback is None else fallback
        self._gate = gate
        # One character-class search, rather than a Python loop of `in` tests over the gate; but
        # an ASCII text can hold only the gate's ASCII characters, which `in` finds faster than
        # the regex engine's class test at every character (the class holds emojis).
        self._gate_search = (
            None if gate is None else re.compile("[" + "".join(map(re.escape, sorted(gate))) + "]")
        )
        self._gate_ascii = tuple(sorted(c for c in gate or () if c.isascii()))
        self._candidates = candidates
        # `chunked`: no match includes whitespace, and the regex looks at most one character
        # before and after a match, taking whitespace there as it takes the ends of the text
        # (`_chunk_confined`). A text then has a match only if one of its whitespace-separated
        # chunks, searched alone, has one: what a chunk holds is cached, and a text none of whose
        # chunks can match (most of them) is not searched at all.
        self._chunked = chunked and self._led is not None
        self._chunks: dict[str, bool] = {}

    def hits(self, lowered: str) -> Iterator[Hit]:
        """Every non-overlapping hit in `lowered` (a text already lower-cased with `lower()`)."""
        if self._gate_search is not None:
            if lowered.isascii():
                if not any(map(lowered.__contains__, self._gate_ascii)):
                    return
            elif self._gate_search.search(lowered) is None:
                return
        if self._chunked and not self._may_match(lowered):
            return
        if self._candidates:
            yield from self._candidate_hits(lowered)
            return
        for start, end in self._matches(lowered):
            for n in self._order.get(lowered[start], self._fallback):
                pattern = self._compiled[n] or self.pattern(n)
                one = pattern.match(lowered, start)
                if one is not None and one.end() == end:
                    yield Hit(self._entries[n], start, end)
                    break

    def _may_match(self, lowered: str) -> bool:
        """Whether some whitespace-separated chunk of `lowered` has a match (`chunked`)."""
        chunks = lowered.split()
        cache = self._chunks
        known = list(map(cache.get, chunks))
        if True in known:
            return True
        if None not in known:
            return False
        led = self._led
        assert led is not None
        found = False
        for chunk, seen in zip(chunks, known, strict=True):
            if seen is None:
                seen = led.search(_START + chunk) is not None
                if len(cache) >= _CHUNK_CACHE:  # bounded; a racing clear only costs searching
                    cache.clear()
                cache[chunk] = seen
                found = found or seen
        return found

    def _candidate_hits(self, lowered: str) -> Iterator[Hit]:
        # The combined regex only says where some entry may start; the entries, tried in order at
        # each such place, say which one matched and where it ends. Left to right, no overlaps.
        done = 0
        for start, _ in self._matches(lowered):
            if start < done:
                continue
            for n in self._order.get(lowered[start], self._fallback):
                pattern = self._compiled[n] or self.pattern(n)
                one = pattern.match(lowered, start)
                if one is not None:
                    done = one.end()
                    yield Hit(self._entries[n], start, done)
                    break

    def _matches(self, lowered: str) -> Iterator[tuple[int, int]]:
        """The spans of the combined regex's matches in `lowered`, left to right, each starting at
        or after the end of the one before (and after its start). With `candidates`, only where
        they start is meant: a match at 0 is reported empty when `at_start` finds it."""
        led = self._led
        if led is None:
            assert self._plain is not None
            for match in self._plain.finditer(lowered):
                yield match.span()
            return
        # Each match comes with the separator before it. The text is searched behind a space,
        # which stands for its start (see `_separator_led`), so a match at 0 has one too; and
        # from one character before the previous end, so that character can be the separator,
        # as the look-behind would allow.
        padded = _START + lowered
        at = 0
        if self._at_start is not None and self._at_start.match(lowered) is not None:
            yield 0, 0
            at = 1
        while (found := led.search(padded, at)) is not None:
            start, end = found.start(), found.end() - 1  # in `lowered`
            yield start, end
            at = max(end, start + 1)

    def pattern(self, n: int) -> re.Pattern[str]:
        """Entry `n`'s own pattern (a racing thread may compile it twice: harmless)."""
        compiled = self._compiled[n]
        if compiled is None:
            compiled = self._compiled[n] = re.compile(self._sources[n])
        return compiled

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, n: int) -> Entry:
        return self._entries[n]

    def search(self, lowered: str) -> bool:
        return self._reference.search(lowered) is not None

    def spans(self, lowered: str) -> list[tuple[int, int]]:
        return [m.span() for m in self._reference.finditer(lowered)]

    @functools.cached_property
    def _reference(self) -> re.Pattern[str]:
        """`combined` itself, compiled on first need: only `search` and `spans` use it."""
        return self._plain or re.compile(self.combined)


_CHUNK_CACHE = 100_000

# What `Matcher` puts in front of a text to search it with a separator-led regex: a separator
# for every boundary used (`\w`, `_NOT_BEFORE_WORD`), standing for the start of the text.
_START = " "


def _separator_led(combined: str, boundary: str) -> str:
    r"""`combined`, which starts with the look-behind `(?<![boundary])`, as one character that is
    not in `boundary` followed by the rest: the same matches, each preceded by its separator.

    A pattern that starts with a look-behind gets no help from the regex engine, which then tries
    the whole pattern at every position of the text; one that starts with a character class is
    searched for by a tight loop over the characters first, and tried only after a separator
    (a space or a punctuation mark: about one position in five). 10-20% faster on real texts.

    `Matcher` searches the text behind a space (`_START`), so that a match at the start of the
    text has a separator too, and no second regex of this size is compiled for position 0
    (compiling them is most of the first check's wait). The space passes for the start of the
    text as long as the rest never looks before where its match starts but through `(?<!\w)`,
    `(?<=\w)`, `\b` or `\B`, which take the start of the text for a non-word character too: the
    builders check that with `_looks_back`, and search `combined` itself when it does not hold.
    """
    before = rf"(?<![{boundary}])"
    assert combined.startswith(before), "the look-behind must come first"
    assert re.fullmatch(rf"[^{boundary}]", _START), "the space must be a separator"
    return rf"[^{boundary}]" + combined[len(before) :]


def _looks_back(regex: str) -> bool:
    r"""Whether `regex` may look before where its match starts other than through `(?<!\w)`,
    `(?<=\w)`, `\b` and `\B`: a look-behind, `\A` or `^` (erring on the side of yes: a `^`
    inside a character class counts, unless it negates the class)."""
    return any(token in _BACKWARD for token in _LOOKING_BACK.findall(regex))


# Read left to right: escapes whole (so "\\(" opens no group), negations of classes, the two
# look-behinds that cannot tell a space from the start of the text, then the tokens that look
# back, which are the only ones in _BACKWARD.
_LOOKING_BACK = re.compile(r"\\.|\[\^|\(\?<[=!]\\w\)|\(\?<|\^", re.DOTALL)
_BACKWARD = frozenset({"\\A", "(?<", "^"})


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: Matcher
    phrases: Matcher
    symbols: Matcher
    # technical.txt and mitigators.txt in one pass; Hit.entry.rule says which ("technical" or
    # "mitigators").
    markers: Matcher
    acronyms: frozenset[str]


def lower(text: str) -> str:
    """`text.lower()` with the same length (a few letters, like 'İ', lower to two characters)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _read(name: str) -> list[str]:
    from importlib import resources  # lazily: it pulls in zipfile and pathlib

    text = resources.files("core.analysis").joinpath("data", name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _letter(char: str) -> str:
    """One letter, stretchable ("fuuuck"), written "xx*" rather than "x+" so that a branch of the
    word trie starts with a literal, which the regex engine can skip with one comparison."""
    cls = _LEET.get(char)
    one = "[" + re.escape(cls) + "]" if cls else re.escape(char)
    return one + one + "*"


def _trie_regex(words: list[str]) -> str:
    """One alternation for many words, factored by common prefix so no prefix is read twice.

    A word ending in `*` takes any word-character suffix; a plain word may take a plural -s.
    """
    trie: Trie = {}
    for word in words:
        node = trie
        for char in word.rstrip("*"):
            node = node.setdefault(char, {})
        node["*" if word.endswith("*") else ""] = {}
    return _node_regex(trie)


def _node_regex(node: Trie) -> str:
    branches: list[str] = []
    ends: list[str] = []
    for key in sorted(node):
        child = node[key]
        if key == "":
            ends.append("s?")
        elif key == "*":
            ends.append(r"\w*")
        else:
            branches.append(_letter(key) + _node_regex(child))
    # Continuations first: the engine takes the first alternative that matches.
    alternatives = branches + ends
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")  # an unescaped "(" that is not "(?"


def _phrase_body(pattern: str, whole_words: bool = True) -> str:
    """A phrases.txt pattern (minus a leading {S}) as a plain regex for lower-cased text (without
    the test that it ends at a word's end, for a combined regex that only finds candidates)."""
    pattern = pattern.replace("{S}", "\0S").replace("{E}", "\0E")
    # Inner groups become non-capturing: capturing groups slow the combined regex down.
    pattern = _CAPTURING.sub("(?:", pattern)
    pattern = _spaced(pattern.replace("'?", "'").replace("'", "['’]?"))
    pattern = pattern.replace("\0S", _SENTENCE_START).replace("\0E", _SENTENCE_END)
    if not whole_words:
        return "(?:" + pattern + ")" if pattern else ""
    return "(?:" + pattern + ")" + _PHRASE_AFTER


_CLASS = re.compile(r"\[(?:\\.|[^\]\\])+\]")  # a character class, "[- ]", "['’]"


def _spaced(pattern: str) -> str:
    """A space in a list's pattern is any run of whitespace or hyphens; inside a character class
    ("oom[- ]?killer": a hyphen, a space or nothing) it is one whitespace character."""
    out: list[str] = []
    at = 0
    for found in _CLASS.finditer(pattern):
        out.append(pattern[at : found.start()].replace(" ", _SPACES))
        out.append(found.group().replace(" ", "\\s"))
        at = found.end()
    out.append(pattern[at:].replace(" ", _SPACES))
    return "".join(out)


def _phrase_matcher(rows: list[tuple[Entry, str]], *, bounded: bool) -> Matcher:
    """One combined regex for many phrase patterns.

    `bounded`: every pattern starts with a word character, so one `(?<!\\w)` guards them all.
    Patterns are bucketed by their possible first letters behind a one-character look-ahead, so
    at each position the engine tries one bucket instead of every pattern (3x faster). Patterns
    that must start a sentence ({S}) go last in their bucket and WITHOUT the sentence-start test
    (asserting it at every word tripled the cost); the per-entry patterns keep it, so
    `Matcher.hits` drops a candidate that is not at a sentence start.
    """
    before = r"(?<![\w])" if bounded else ""
    ordered = [(e, p) for e, p in rows if not p.startswith("{S}")]
    ordered += [(e, p) for e, p in rows if p.startswith("{S}")]
    buckets: dict[str, list[int]] = {}
    misc: list[int] = []
    for n, (_, pattern) in enumerate(ordered):
        firsts = _first_chars(pattern.removeprefix("{S}"))
        if firsts is None:
            misc.append(n)
        for char in sorted(firsts or ()):
            buckets.setdefault(char, []).append(n)
    bodies = [_phrase_body(p.removeprefix("{S}")) for _, p in ordered]
    # The combined regex only says where some pattern may start (Matcher.hits asks the patterns
    # themselves, in order, which one matched), so the patterns can be regrouped freely:
    # - a pattern with a literal beginning goes into the prefix tree of its first character
    #   ("if you don't like" and "if you'd bothered" read "if you" once);
    # - one that may start with several characters ("(great|good|nice) job") goes, once, into the
    #   branch of its set of first characters;
    # and each branch is "a character (class), then, looking back over it, a pattern matches from
    # there": a branch that starts with a character is skipped by the regex engine with one
    # comparison, where a branch starting with a look-ahead costs a full attempt at every word.
    trees: dict[str, _Prefixes] = {}
    wide: dict[frozenset[str], list[str]] = {}
    for n, (_, pattern) in enumerate(ordered):
        if n in misc:
            continue
        alternatives = [_unguarded(a) for a in _split_top(pattern.removeprefix("{S}"))]
        for alternative in (x for a in alternatives for x in _expanded(a, _EXPANSIONS)):
            prefix, rest = _literal_prefix(alternative)
            if prefix:
                rest = _truncated(rest) if len(prefix) >= _SPECIFIC else rest
                trees.setdefault(prefix[0], _Prefixes()).add(prefix, _phrase_body(rest, False))
            else:
                heads = frozenset(_first_chars(alternative) or buckets)
                wide.setdefault(heads, []).append(_phrase_body(alternative, False))
    # What each branch looks ahead for, from its first character.
    ahead = {char: tree.regex() for char, tree in sorted(trees.items())}
    ahead_any = {
        heads: "(?:" + "|".join(dict.fromkeys(group)) + ")"
        for heads, group in sorted(wide.items(), key=lambda item: sorted(item[0]))
    }
    branches = [f"{re.escape(char)}(?<=(?={regex}).)" for char, regex in ahead.items()]
    branches += [f"[{_charset(heads)}](?<=(?={regex}).)" for heads, regex in ahead_any.items()]
    led = None
    if bounded and _led_fits([*ahead.values(), *ahead_any.values()], [ordered[n][1] for n in misc]):
        led = _separator_led(before + "(?:" + "|".join(branches) + ")", r"\w")
    branches += [f"(?={bodies[n]})" for n in misc]
    individual = [
        (e, before + (_SENTENCE_START if p.startswith("{S}") else "") + bodies[n])
        for n, (e, p) in enumerate(ordered)
    ]
    order = {char: [*members, *misc] for char, members in buckets.items()}
    # Without a word boundary to anchor on, the engine tries every position: when every pattern's
    # first character is known, a text containing none of them is skipped outright.
    gate = None if bounded or misc else frozenset(buckets)
    combined = before + "(?:" + "|".join(branches) + ")"
    at_start = "|".join(bodies[n] for n in misc) if led and misc else None
    return Matcher(
        combined, individual, order, misc, gate, candidates=True, led=led, at_start=at_start
    )


def _led_fits(ahead: list[str], misc: list[str]) -> bool:
    """Whether a bounded `_phrase_matcher` can search the separator-led form of its combined
    regex. Each branch of it looks back only over its own first character, and from there
    `ahead`, which must not look back further (`_separator_led`); the `misc` patterns, which
    have no branch, must all be anchored at the start of the text (`\\A`): `Matcher` tries
    them there alone."""
    anchored = all(a.startswith("\\A") for p in misc for a in _split_top(p.removeprefix("{S}")))
    return anchored and not any(map(_looks_back, ahead))


def _charset(chars: Iterable[str]) -> str:
    """The inside of a character class of `chars`."""
    return "".join(re.escape(char) for char in sorted(chars))


def _unguarded(alternative: str) -> str:
    """`alternative` without the word boundaries and look-behinds it starts with: it then matches
    at least where it did, which is all the combined regex (a mere filter) needs, and it may
    start with a literal ("\\b(fix|refund|...)", "(?<!thank\\s)you people"), so it joins the
    prefix trees instead of being tried at every word that starts with the right letter (those
    cost more than the trees of all the other patterns together)."""
    while True:
        if alternative.startswith("\\b"):
            alternative = alternative[2:]
        elif alternative.startswith(("(?<!", "(?<=")):
            close = _closing(alternative)
            if close is None:
                return alternative
            alternative = alternative[close + 1 :]
        else:
            return alternative


class _Prefixes:
    """A prefix tree of the literal beginnings of phrase patterns, each leaf the (converted) rest
    of a pattern; `regex()` is one pattern matching what any of them matches."""

    def __init__(self) -> None:
        self._pairs: list[tuple[str, str]] = []

    def add(self, prefix: str, rest: str) -> None:
        self._pairs.append((prefix, rest))

    def regex(self) -> str:
        return _prefix_regex(self._pairs)


def _prefix_regex(pairs: list[tuple[str, str]]) -> str:
    """The prefix tree of `pairs` (literal beginning, rest) as a regex: per node, a branch per
    next character (in order), then the rests that end there (in order, once each).

    A run of nodes with one child and no rest is written as one run of characters, without
    building the nodes: most of the tree is such runs.
    """
    if len(pairs) == 1:  # a chain of single children down to one rest
        prefix, rest = pairs[0]
        return _prefix_run(prefix) + rest
    if all(prefix for prefix, _ in pairs):
        common = _common_prefix([prefix for prefix, _ in pairs])
        if common:
            return _prefix_run(common) + _prefix_regex(
                [(prefix[len(common) :], rest) for prefix, rest in pairs]
            )
    children: dict[str, list[tuple[str, str]]] = {}
    for prefix, rest in pairs:
        if prefix:
            children.setdefault(prefix[0], []).append((prefix[1:], rest))
    parts = [_prefix_char(char) + _prefix_regex(children[char]) for char in sorted(children)]
    parts += dict.fromkeys(rest for prefix, rest in pairs if not prefix)
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


def _common_prefix(strings: list[str]) -> str:
    first, last = min(strings), max(strings)  # what they share, every string between shares
    for at, char in enumerate(first):
        if char != last[at]:
            return first[:at]
    return first


def _prefix_char(char: str) -> str:
    return _SPACES if char == " " else re.escape(char)


def _prefix_run(chars: str) -> str:
    """`_prefix_char` of each of `chars`, in one go (re.escape(" ") is "\\ ")."""
    return re.escape(chars).replace("\\ ", _SPACES)


# Leading groups distributed into literal beginnings, within limits (the rest of the pattern is
# copied once per choice, and the combined regex is parsed in Python on the first check).
_EXPANSIONS = 48
_EXPANSION_CHARS = 800


def _expanded(pattern: str, budget: int) -> list[str]:
    """`pattern` (one top-level alternative) as alternatives with longer literal beginnings: a
    group right after the literal beginning is distributed ("(just )?google it" is "just google
    it" or "google it"), while the number of alternatives stays within `budget`."""
    prefix, rest = _literal_prefix(pattern)
    if not rest.startswith("(") or rest.startswith(("(?=", "(?!", "(?<")):
        return [pattern]
    close = _closing(rest)
    if close is None:
        return [pattern]
    inner, after = rest[1:close].removeprefix("?:"), rest[close + 1 :]
    optional = after.startswith("?")
    if optional:
        after = after[1:]
    elif after[:1] in ("*", "+") or (
        after.startswith("{") and not after.startswith(("{E}", "{S}"))
    ):
        return [pattern]
    choices = _split_top(inner) + ([""] if optional else [])
    if len(choices) > budget or len(choices) * len(after) > _EXPANSION_CHARS:
        return [pattern]  # a long rest copied once per choice would bloat the regex
    out: list[str] = []
    for choice in choices:
        out.extend(_expanded(prefix + choice + after, budget // len(choices)))
    return out


# A literal beginning this long ("per my ", "great job") is specific enough that the rest of the
# pattern may be cut short in the combined regex (to _REST_CHARS), which only finds candidates.
_SPECIFIC = 6
_REST_CHARS = 60


def _truncated(pattern: str) -> str:
    """The first top-level items of `pattern`, up to about _REST_CHARS characters: a prefix of
    the pattern, so whatever the pattern matches, this matches a beginning of."""
    kept, size = [], 0
    for item in _items(pattern):
        if size >= _REST_CHARS:
            break
        kept.append(item)
        size += len(item)
    return "".join(kept)


def _items(pattern: str) -> list[str]:
    """`pattern` cut into its top-level items (a group, a class, an escape, {S}/{E}, a character),
    each with its quantifier."""
    items, at = [], 0
    while at < len(pattern):
        start = at
        char = pattern[at]
        if pattern.startswith(("{S}", "{E}"), at):
            at += 3
        elif char == "(":
            close = _closing(pattern[at:])
            at = len(pattern) if close is None else at + close + 1
        elif char == "[":
            at += 2 if pattern.startswith(("[^]", "[]"), at) else 1
            while at < len(pattern) and pattern[at] != "]":
                at += 2 if pattern[at] == "\\" else 1
            at += 1
        elif char == "\\":
            kind = pattern[at + 1 : at + 2]
            at += {"x": 4, "u": 6}.get(kind, 2)
        else:
            at += 1
        if at < len(pattern) and pattern[at] in "?*+":
            at += 1
        elif pattern.startswith("{", at) and not pattern.startswith(("{S}", "{E}"), at):
            at = pattern.index("}", at) + 1
        if at < len(pattern) and pattern[at] == "?" and pattern[at - 1] in "?*+}":
            at += 1  # lazy
        items.append(pattern[start:at])
    return items


def _literal_prefix(pattern: str) -> tuple[str, str]:
    """Split a phrases.txt pattern (one top-level alternative, no leading {S}) into its literal
    beginning (letters, digits and spaces, none of them optional) and the rest."""
    run = _LITERAL_RUN.match(pattern)
    at = run.end() if run else 0  # it always matches, if only ""
    # The rest starts at a whole token: never inside a run of spaces the phrase syntax merges.
    while at and pattern[at - 1] == " " and at < len(pattern) and pattern[at] == " ":
        at -= 1
    return pattern[:at], pattern[at:]


# Letters and digits (`[^\W_]` is exactly `str.isalnum`) and spaces, none followed by a
# quantifier (`{E}` and `{S}` are not quantifiers).
_LITERAL_RUN = re.compile(r"(?:(?:[^\W_]| )(?![?*+]|\{(?![ES]\})))*")


def _first_chars(pattern: str) -> set[str] | None:
    """The letters a pattern can start with, or None when this simple reader cannot tell.

    Understands what phrases.txt uses: literal words, top-level `|`, a leading `(...)` group
    (possibly optional), a leading look-behind, and `\\b`.
    """
    alternatives = _split_top(pattern)
    if len(alternatives) > 1:
        found: set[str] = set()
        for alternative in alternatives:
            chars = _first_chars(alternative)
            if chars is None:
                return None
            found |= chars
        return found
    if not pattern:
        return None
    if pattern[0] not in _NOT_LITERAL:  # a letter, "/", an emoji ...
        # ... unless a quantifier makes it optional ("a?b" may start with "b").
        return None if pattern[1:2] in ("?", "*", "{") else {pattern[0]}
    if pattern.startswith("\\b"):
        return _first_chars(pattern[2:])
    if pattern.startswith("("):
        close = _closing(pattern)
        if close is None:
            return None
        inner, after = pattern[1:close], pattern[close + 1 :]
        if inner.startswith(("?<!", "?<=")):  # a look-behind consumes nothing
            return _first_chars(after)
        inner = inner.removeprefix("?:")
        chars = _first_chars(inner)
        if chars is None:
            return None
        if after.startswith(("?", "*")):
            rest = _first_chars(after[1:])
            return None if rest is None else chars | rest
        return chars
    return None


# Characters that do not stand for themselves at the start of a phrases.txt pattern (regex syntax,
# and the apostrophe and space, which the phrase syntax turns into optional or repeated classes).
_NOT_LITERAL = frozenset("\\.^$*+?{}[]|() '")


def _split_top(pattern: str) -> list[str]:
    if "(" not in pattern and "\\" not in pattern:
        return pattern.split("|")
    parts, depth, start = [], 0, 0
    for token in _SYNTAX.finditer(pattern):
        char = token.group()
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start : token.start()])
            start = token.end()
    parts.append(pattern[start:])
    return parts


def _closing(pattern: str) -> int | None:
    depth = 0
    for token in _SYNTAX.finditer(pattern):
        char = token.group()
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return token.start()
    return None


# What `_split_top` and `_closing` look at: parentheses and bars, skipping escaped characters
# (an escape is read as one token, so "\\(" is no parenthesis). Character classes are not
# special: the lists put no parenthesis or bar in one.
_SYNTAX = re.compile(r"\\.|[()|]", re.DOTALL)


def _compile_words() -> Matcher:
    entries: list[tuple[Entry, str]] = []
    everything: list[str] = []
    for line in _read("words.txt"):
        rule, weight, listed = line.split("\t")
        plain = [w for w in listed.split() if not w.startswith("re:")]
        raw = [w.removeprefix("re:") for w in listed.split() if w.startswith("re:")]
        body = "|".join([*raw, _trie_regex(plain)] if plain else raw)
        entries.append((Entry(rule, float(weight)), f"{_WORD_BEFORE}(?:{body}){_WORD_AFTER}"))
        everything.extend(raw)
    plain_all = [w for line in _read("words.txt") for w in line.split("\t")[2].split()]
    trie = _trie_regex([w for w in plain_all if not w.startswith("re:")])
    combined = f"{_WORD_BEFORE}(?:{'|'.join([*everything, trie])}){_WORD_AFTER}"
    body = combined.removeprefix(_WORD_BEFORE)
    led = None if _looks_back(body) else _separator_led(combined, _NOT_BEFORE_WORD)
    # The trie's letters and leet stand-ins are never whitespace, nor is `\w`, and the combined
    # regex looks one character either side (`_WORD_BEFORE`, `_WORD_AFTER`), where whitespace
    # and the ends of the text both pass: only the raw entries need a look.
    chunked = all(map(_chunk_confined, everything))
    return Matcher(combined, entries, led=led, chunked=chunked)


def _chunk_confined(regex: str) -> bool:
    r"""Whether `regex` (a raw words.txt entry) surely matches no whitespace and looks neither
    before nor after its match (erring on the side of no): no `.`, no negated class, no escape
    but `\*`, `\w`, `\d` and `\-`, no space, no group construct `(?` (look-arounds), no `^`, `$`."""
    return _UNCONFINED.search(regex) is None


_UNCONFINED = re.compile(r"\\[^*wd\-]|\\$|\[\^|\(\?|[.\s^$]")


def _compile_phrases() -> tuple[Matcher, Matcher]:
    rows: list[tuple[Entry, str]] = []
    for line in _read("phrases.txt"):
        rule, weight, pattern, *flags = line.split("\t")
        negative_only = "neg" in flags
        rows.append((Entry(rule, float(weight), negative_only), pattern))

    def word_led(pattern: str) -> bool:
        if pattern.startswith("\\A"):
            return True
        firsts = _first_chars(pattern.removeprefix("{S}"))
        return firsts is not None and all(c.isalnum() for c in firsts)

    words = _phrase_matcher([r for r in rows if word_led(r[1])], bounded=True)
    symbols = _phrase_matcher([r for r in rows if not word_led(r[1])], bounded=False)
    return words, symbols


def _compile_markers(*names: str) -> Matcher:
    rows = [
        (Entry(name.removesuffix(".txt"), 0.0), line.strip())
        for name in names
        for line in _read(name)
    ]
    return _phrase_matcher(rows, bounded=True)


@functools.cache
def lexicon() -> Lexicon:
    """The compiled lists, built once per process (a racing second build is merely discarded)."""
    phrases, symbols = _compile_phrases()
    acronyms = frozenset(w.lower() for line in _read("acronyms.txt") for w in line.split())
    return Lexicon(
        words=_compile_words(),
        phrases=phrases,
        symbols=symbols,
        markers=_compile_markers("technical.txt", "mitigators.txt"),
        acronyms=acronyms,
    )
