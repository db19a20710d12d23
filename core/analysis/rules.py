"""Hand-written signals: word lists, phrases, shouting, scare quotes and "you" + negative.

Every signal is an `Evidence` with character offsets into the original text, so the app can
underline exactly what fired. Rules only look; weighing and deciding happen in `analyzer`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from core.analysis.lexicon import Hit, Lexicon, lower

# What a rule id means, in the words shown to the user ("insult: "idiot"").
RULE_NAMES = {
    "slur": "slur",
    "insult": "insult",
    "profanity": "profanity",
    "threat": "threat",
    "hostile": "hostile to the reader",
    "dismissive": "dismissive",
    "condescending": "condescending",
    "passive_aggressive": "passive-aggressive",
    "non_apology": "non-apology",
    "curt": "curt brush-off",
    "sarcasm": "sarcasm",
    "shouting": "shouting",
    "anger": "angry",
    "ultimatum": "ultimatum",
    "watch_word": "watch word",
}

_WORD = re.compile(r"[^\W\d_]{2,}")
_TWO_CAPS = re.compile(r"[A-Z][A-Z]")
# In ASCII text, the words of _WORD that are all capitals.
# (Each pattern below starts with a character class and looks back after it: a pattern that
# starts with a look-behind makes the regex engine try every position instead of skipping to the
# candidates.)
_CAPS_ASCII = re.compile(r"[A-Z](?<![A-Za-z][A-Z])[A-Z]+(?![A-Za-z])")
_EXCLAIM = re.compile(r"[!?]*![!?]*")
# Hashtags and mentions: their capitals are names ("#MAGA", "@USER"), not a raised voice.
_TAG = re.compile(r"[#@]\w+")
# A quoted word or two, not part of a contraction: 'helpful', “expert”.
_QUOTED = re.compile(r"(['\"‘“])(?<!\w.)([^\W\d_][\w\-]*(?:\s[\w\-]+)?)(['\"’”])(?!\w)")
# Tokens for "you + negative": words, and sentence punctuation (which ends the window).
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|[.!?;:]")
# Before an insult: the writer talking about themself ("I'm such an idiot").
_SELF = re.compile(r"(?:\bi['’]?m|\bi am|\bi was|\bi feel like|\bme|\bmyself|\bmy)\b[^.!?,]{0,16}$")
# After an insult: the writer owning it ("a stupid mistake on my part").
_OWNED = re.compile(r"[^.!?]{0,24}?\b(?:on my part|of mine|by me|my bad|my fault|on me)\b")
# Around an insult: the writer belittling their own question ("sorry if this is a dumb
# question", "probably a stupid question, but"); "that's a dumb question" stays an insult.
_HUMBLE_BEFORE = re.compile(
    r"(?:\bsorry\b|\bapologi[sz]e|\bmaybe\b|\bprobably\b|\bprob\b|\bpossibly\b|\blikely\b|"
    r"\bmight be\b|\bmay be\b|\bthis is\b|\bi have\b|\bi['’]?ve got\b|\bquick\b)"
    r"[^.!?,]{0,24}$"
)
_QUESTION_AFTER = re.compile(r"(?:\s+(?:newbie\s+|noob\s+|beginner\s+)?questions?\b|-question\b)")

_YOU = re.compile(
    r"(?:y(?<![\w'’]y)(?:ou|our|ours|ourself|ourselves|a|['’]?all)|u(?<![\w'’]u)r?)(?!\w)"
)


def _words(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Punctuation trimmed off a phrase's key, so "Whatever." and "whatever," are one phrase.
_KEY_STRIP = " ,.!?;:'\"‘’“”"
SECOND_PERSON = _words(
    """
    you you're youre your yours yourself yourselves u ur ya y'all yall you've you'd you'll
    """
)
# Someone else the text is about ("he is such a dolt", "these people"), for how the offensive
# head is weighed.
THIRD_PERSON = _words(
    """
    he she him her his hers himself herself he's she's they're them themselves
    people folks guys men women
    """
)
NEGATIONS = _words(
    """
    not no never don't dont isn't isnt aren't arent wasn't won't can't
    """
)
# Negative words that, next to "you", describe the reader's trouble, not a judgement of them.
EMPATHY = _words(
    """
    sorry problem problems miss missed missing lost loss stuck pain hard difficult confused
    confusing worry worried afraid fear sad unfortunately trouble struggling struggle
    concern concerned frustrated frustrating annoyed annoying disappointed disappointing
    hurt sick tired mistake mistakes error errors fail failed failing failure crash crashed
    broke broken bug bugs doubt doubts alone lonely no apologize apologies
    delay delayed angry upset furious livid mad fed
    """
)
# Quoted words that read as scare quotes ("the 'fix'", a 'helpful' review).
SCARE_WORDS = _words(
    """
    fix fixed feature improvement improvements expert experts help helpful solution support
    documentation docs professional professionals journalist journalism science research
    update upgrade friend friends clean simple easy quick working tested stable secure
    security modern review feedback advice community quality innovation innovative genius
    smart urgent important critical priority emergency quick minor small tiny trivial senior
    """
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule firing once. `key` names what fired, normalised, for per-user corrections."""

    rule: str
    weight: float
    start: int
    end: int
    key: str
    note: str = ""
    # Counts only when the whole text reads negative ("!!" in "Thanks!! Love it!!" is joy).
    negative_only: bool = False


@dataclass(slots=True)
class Scan:
    evidence: list[Evidence] = field(default_factory=list)
    # Technical phrases ("kill the process"), hidden from the hostility signals.
    technical: list[tuple[int, int]] = field(default_factory=list)
    # Spans that own a mistake or show empathy; soft signals count for less when present.
    mitigators: list[tuple[int, int]] = field(default_factory=list)


# The @handles a reply starts with ("@me @maria Oh great, ..."): not part of the message.
_LEADING_MENTIONS = re.compile(r"\A\s*(?:[@＠][\w.\-@]+\s*)+")


def _without_leading_mentions(lowered: str) -> str:
    """`lowered` with its leading @handles turned into punctuation (same length), so the message
    after them starts a sentence, as "Oh great" does in "@me Oh great, another breaking change",
    and a handle is never read as words ("@dumb_dev")."""
    found = _LEADING_MENTIONS.match(lowered)
    if found is None or not found.group().strip():
        return lowered
    head = found.group()
    blanked = "".join(" " if char.isspace() else "·" for char in head)
    return blanked + lowered[len(head) :]


def scan(text: str, lex: Lexicon, valence: dict[str, float]) -> Scan:
    """Run every hand-written rule over `text`."""
    lowered = _without_leading_mentions(lower(text))
    out = Scan()
    for hit in lex.markers.hits(lowered):
        spans = out.technical if hit.entry.rule == "technical" else out.mitigators
        spans.append((hit.start, hit.end))
    for hit in lex.words.hits(lowered):
        evidence = _word_evidence(hit, lowered)
        out.evidence.append(evidence)
        if evidence.note == "about yourself":  # self-deprecation softens like an apology
            out.mitigators.append((hit.start, hit.end))
    for matcher in (lex.phrases, lex.symbols):
        for hit in matcher.hits(lowered):
            key = " ".join(lowered[hit.start : hit.end].split()).strip(_KEY_STRIP)
            entry = hit.entry
            out.evidence.append(
                Evidence(entry.rule, entry.weight, hit.start, hit.end, key, "", entry.negative_only)
            )
    out.evidence.extend(shouting(text, lex.acronyms))
    out.evidence.extend(scare_quotes(text, valence))
    out.evidence.extend(you_negative(lowered, valence, out.technical, out.evidence))
    return out


def _word_evidence(hit: Hit, lowered: str) -> Evidence:
    key = _deleet(lowered[hit.start : hit.end])
    if hit.entry.rule == "insult" and (
        _SELF.search(lowered, max(0, hit.start - 24), hit.start)
        or _OWNED.match(lowered, hit.end, hit.end + 40)
        or (
            _QUESTION_AFTER.match(lowered, hit.end)
            and _HUMBLE_BEFORE.search(lowered, max(0, hit.start - 40), hit.start)
        )
    ):
        # Calling yourself an idiot in public is not a fight with the reader.
        return Evidence("insult", hit.entry.weight * 0.4, hit.start, hit.end, key, "about yourself")
    return Evidence(hit.entry.rule, hit.entry.weight, hit.start, hit.end, key)


_RUN = re.compile(r"(.)\1+")
_DELEET = str.maketrans("@4310!|$57*", "aaeioiisstu")


def _deleet(word: str) -> str:
    """'id10t' → 'idiot', 'fuuuck' → 'fuck': the same key for every spelling of a word."""
    return _RUN.sub(_one, word.translate(_DELEET))


def _one(match: re.Match[str]) -> str:
    return match.group(1)


def shouting(text: str, acronyms: frozenset[str]) -> list[Evidence]:
    """All-caps runs (not acronyms like API or CI, nor #HASHTAGS and @MENTIONS) and piled-up
    exclamation marks (which count only in a negative text: "Thanks!! Love it!!" is joy)."""
    found: list[Evidence] = []
    # Most texts have no two capitals in a row: then there is no all-caps word to look for.
    caps: list[re.Match[str]] = []
    ascii_text = text.isascii()
    if not ascii_text or _TWO_CAPS.search(text):
        tags = [m.span() for m in _TAG.finditer(text)] if "#" in text or "@" in text else []
        # ASCII text: find the all-caps words directly (most words are not), else test each word.
        found_caps = (
            _CAPS_ASCII.finditer(text)
            if ascii_text
            else (m for m in _WORD.finditer(text) if m.group().isupper())
        )
        caps = [
            m
            for m in found_caps
            if m.group().lower() not in acronyms and not (tags and _within(m.start(), tags))
        ]
    if caps:
        whole = False
        if len(caps) >= 3:
            count = len(_WORD.findall(text))
            count -= sum(len(_WORD.findall(text, start, end)) for start, end in tags)
            whole = len(caps) >= 0.6 * count
        weight = 0.55 if whole else (0.3 if len(caps) >= 2 else 0.15)
        for start, end in _runs(text, [m.span() for m in caps]):
            note = "all caps" if whole else ""
            found.append(Evidence("shouting", weight, start, end, "caps", note))
    for m in _EXCLAIM.finditer(text) if "!!" in text or "!?" in text or "?!" in text else ():
        if len(m.group()) >= 2:
            weight = 0.3 if len(m.group()) >= 3 or "?" in m.group() else 0.2
            found.append(Evidence("shouting", weight, m.start(), m.end(), "!!", "", True))
    return found


def _within(at: int, spans: list[tuple[int, int]]) -> bool:
    """Whether `at` is inside one of `spans` (sorted, not overlapping): a binary search, since a
    long text can have thousands of hashtags and capitalised words."""
    i = bisect.bisect_right(spans, (at, _FAR)) - 1
    return i >= 0 and at < spans[i][1]


_FAR = 1 << 62


def _runs(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge neighbouring caps words separated only by spaces/punctuation into one span."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not any(c.isalnum() for c in text[merged[-1][1] : start]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def scare_quotes(text: str, valence: dict[str, float]) -> list[Evidence]:
    found = []
    for m in _QUOTED.finditer(text):
        words = m.group(2).lower().split()
        if any(w in SCARE_WORDS or valence.get(w, 0.0) >= 1.0 for w in words):
            key = "quotes " + " ".join(words)
            found.append(Evidence("sarcasm", 0.35, m.start(), m.end(), key, "scare quotes"))
    return found


def you_negative(
    lowered: str,
    valence: dict[str, float],
    technical: list[tuple[int, int]],
    already: list[Evidence],
) -> list[Evidence]:
    """A second-person word with a strongly negative word close by ("you ... pathetic").

    Soft on purpose (0.3-0.4): it catches hostility the phrase list has never seen, but also
    some blunt-but-fair sentences, so it needs other evidence to flag on its own.
    """
    if _YOU.search(lowered) is None:  # the common case, and the cheap way out
        return []
    # The tokens' text only (`findall`, no match objects); where they are is needed only for a
    # hit, which is rare. Both apostrophes are one to the token regex, and the swap keeps the
    # length, so the tokens of the swapped text are the swapped tokens, at the same places.
    text = lowered.replace("’", "'") if "’" in lowered else lowered
    words: list[str] = _TOKEN.findall(text)
    if SECOND_PERSON.isdisjoint(words):
        return []
    places: list[tuple[int, int]] = []
    covered = technical + [(e.start, e.end) for e in already if e.rule in ("hostile", "threat")]
    found: list[Evidence] = []
    used: set[int] = set()
    for i, tok in enumerate(words):
        if tok not in SECOND_PERSON:
            continue
        window = list(range(max(0, i - 2), i)) + list(range(i + 1, min(len(words), i + 5)))
        for j in window:
            word = words[j]
            if word in ".!?;:":
                if j > i:
                    break
                continue
            score = valence.get(word, 0.0)
            if score > -1.5 or word in EMPATHY or j in used:
                continue
            if j > 0 and words[j - 1] in NEGATIONS:
                continue
            if not places:
                places = [m.span() for m in _TOKEN.finditer(text)]
            (start, end), (wstart, wend) = places[i], places[j]
            span = (min(start, wstart), max(end, wend))
            if any(s <= span[0] < e or s < span[1] <= e for s, e in covered):
                continue
            used.add(j)
            weight = 0.4 if score <= -2.0 else 0.3
            found.append(Evidence("hostile", weight, span[0], span[1], f"you {word}", "you + neg"))
            break
    return found
