"""What the user taught the analyser: "not a conflict" / "this is one" on past verdicts.

Two mechanisms, both per user (the corrections are the user's own, stored by the app):
- per-phrase weights: every key that fired on a corrected text (e.g. `dismissive:whatever`,
  `shouting:caps`) is scaled by FORGIVE for each "not a conflict" and by BOOST for each "this is
  one". One "not a conflict" halves a phrase, so a phrase that flagged on its own (weight 0.5-0.7)
  stops flagging on its own after one or two corrections; an insult (0.8) needs two.
- near-duplicates: a text very close to one marked "this is one" is flagged; a text very close to
  one marked "not a conflict" has its evidence scaled down hard.

Across roles (a correction on a message you received, applied to your drafts, and back):
- "this is one" crosses in full, phrase weights and near-duplicates alike: what reads as a fight
  when you receive it reads as one when you send it (whole-text signals such as "negative tone"
  or the learned model's score are weighed differently per role and stay in theirs);
- "not a conflict" crosses only for the register of a community (REGISTER_RULES: swearing,
  capitals, sarcasm cues), at half strength (OTHER_ROLE_FORGIVE per correction, the square root of
  FORGIVE). Taking "whatever" or "did you even read" calmly from others does not make them kind
  to send, so dismissive, condescending, hostile ... phrases, and the near-duplicate discount,
  stay in their own role.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from core.analysis.lexicon import lower
from core.analysis.signals import Signal, risk
from core.analysis.verdict import Correction

FORGIVE = 0.5
BOOST = 1.3
MAX_SCALE = 1.6
OTHER_ROLE_FORGIVE = FORGIVE**0.5
REGISTER_RULES = frozenset({"profanity", "shouting", "sarcasm"})
ROLE_WORDS = {"incoming": "in messages you received", "draft": "in your drafts"}
# Jaccard similarity of word unigram+bigram sets: 0.6 keeps a reworded sentence, drops a new one.
SIMILAR_CONFLICT = 0.6
SIMILAR_FINE = 0.8
FINE_SCALE = 0.3

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def shingles(text: str) -> frozenset[str]:
    words = _WORD.findall(lower(text).replace("’", "'"))
    return frozenset(words + [f"{a} {b}" for a, b in itertools.pairwise(words)])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


@dataclass(frozen=True, slots=True)
class _Example:
    role: str
    verdict: bool
    shingles: frozenset[str]
    # The rules the correction is about; empty: all of them.
    rules: frozenset[str]


class CorrectionMemory:
    """Corrections, digested. `signals_of(text, role)` gives the uncorrected signals of a text."""

    def __init__(self, signals_of: Callable[[str, str], list[Signal]]) -> None:
        self._signals_of = signals_of
        self._lock = threading.Lock()
        self._not_conflict: Counter[tuple[str, str]] = Counter()
        self._conflict: Counter[tuple[str, str]] = Counter()
        self._examples: list[_Example] = []

    def __len__(self) -> int:
        return len(self._examples)

    def learn(self, correction: Correction) -> None:
        wanted = set(correction.rules)
        fired = self._signals_of(correction.text, correction.role)
        keys = {
            key for signal in fired if not wanted or signal.rule in wanted for key in signal.keys
        }
        example = _Example(
            correction.role, correction.verdict, shingles(correction.text), frozenset(wanted)
        )
        with self._lock:
            counter = self._conflict if correction.verdict else self._not_conflict
            for key in keys:
                counter[(correction.role, key)] += 1
            self._examples.append(example)

    def apply(self, text: str, role: str, signals: list[Signal]) -> list[Signal]:
        """`signals` adjusted for the corrections, plus a "correction" signal saying what
        changed."""
        if not self._examples:
            return signals
        before = risk(signals)
        adjusted: list[Signal] = []
        notes: list[str] = []
        touched: list[tuple[int, int]] = []
        for signal in signals:
            scale, note = self._scale(role, signal)
            if scale != 1.0:
                signal = _scaled(signal, scale)
                notes.append(note)
                touched.extend(signal.spans)
            adjusted.append(signal)
        similar_conflict, similar_fine, fine_rules = self._nearest(text, role)
        if similar_fine >= SIMILAR_FINE and similar_fine >= similar_conflict:
            adjusted = [
                _scaled(s, FINE_SCALE) if not fine_rules or s.rule in fine_rules else s
                for s in adjusted
            ]
            notes.append(f"close to a message you marked as not a conflict ({similar_fine:.2f})")
        elif similar_conflict >= SIMILAR_CONFLICT:
            weight = 0.55 + 0.4 * (similar_conflict - SIMILAR_CONFLICT) / (1 - SIMILAR_CONFLICT)
            adjusted.append(Signal("correction", min(0.95, weight), [(0, len(text))]))
            notes.append(f"close to a message you marked as a conflict ({similar_conflict:.2f})")
        if not notes:
            return signals
        label = "correction: " + "; ".join(dict.fromkeys(notes))
        delta = risk(adjusted) - before
        # Explains, does not count: its weight is the net change the corrections made to the risk.
        adjusted.append(
            Signal("correction", delta, sorted(set(touched)), label=label, counts=False)
        )
        return adjusted

    def _scale(self, role: str, signal: Signal) -> tuple[float, str]:
        scale = 1.0
        said: list[str] = []
        register = signal.rule in REGISTER_RULES
        for key in signal.keys:
            rule, _, words = key.partition(":")
            phrase = words or rule
            # Only named words and phrases cross roles, not whole-text signals ("negative:").
            for other in ROLE_WORDS if words else (role,):
                same = other == role
                fine = self._not_conflict.get((other, key), 0) if same or register else 0
                bad = self._conflict.get((other, key), 0)
                if not fine and not bad:
                    continue
                scale *= (FORGIVE if same else OTHER_ROLE_FORGIVE) ** fine * BOOST**bad
                where = "" if same else f" {ROLE_WORDS[other]}"
                if fine:
                    half = "" if same else ", counted half"
                    said.append(f'you marked "{phrase}" as not a conflict {fine}×{where}{half}')
                if bad:
                    said.append(f'you marked "{phrase}" as a conflict {bad}×{where}')
        return min(MAX_SCALE, scale), "; ".join(said)

    def _nearest(self, text: str, role: str) -> tuple[float, float, frozenset[str]]:
        """Similarity to the closest "conflict" and "not a conflict" examples (and the rules the
        latter is about)."""
        mine = shingles(text)
        conflict = fine = 0.0
        fine_rules: frozenset[str] = frozenset()
        with self._lock:
            examples = list(self._examples)
        for example in examples:
            # "This is one" holds in both roles; "not a conflict" only in its own (see the notes).
            if example.role != role and not example.verdict:
                continue
            similarity = jaccard(mine, example.shingles)
            if example.verdict:
                conflict = max(conflict, similarity)
            elif similarity > fine:
                fine, fine_rules = similarity, example.rules
        return conflict, fine, fine_rules


def _scaled(signal: Signal, scale: float) -> Signal:
    return Signal(
        rule=signal.rule,
        weight=min(0.95, signal.weight * scale),
        spans=signal.spans,
        keys=signal.keys,
        label=signal.label,
        note=signal.note,
        counts=signal.counts,
    )
