"""Signals (weighted, located evidence) and how they add up to a risk and to reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.analysis.rules import RULE_NAMES, Evidence
from core.analysis.verdict import Reason

# Signals that only colour a text (tone, heat, models, "you + negative", colder than usual):
# they count for less next to an apology or an admitted mistake. Word lists and phrases do not.
SOFT_RULES = frozenset(
    {
        "negative",
        "heated",
        "offensive_model",
        "irony_model",
        "colder_than_usual",
        "escalation",
        "anger",
    }
)
SOFT_NOTES = frozenset({"you + neg"})
MITIGATION = 0.5

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_MAX_QUOTES = 4
_MAX_QUOTE_LEN = 40


@dataclass(slots=True)
class Signal:
    """A rule firing, possibly at several places. `keys` name what fired, for corrections."""

    rule: str
    weight: float
    spans: list[tuple[int, int]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    # Set when the label is not simply the quoted spans ("negative tone (-0.72)").
    label: str = ""
    note: str = ""
    # False for a signal that only explains (a correction's net effect), not adds to the risk.
    counts: bool = True

    @property
    def soft(self) -> bool:
        return self.rule in SOFT_RULES or self.note in SOFT_NOTES


def from_evidence(evidence: Evidence) -> Signal:
    return Signal(
        rule=evidence.rule,
        weight=evidence.weight,
        spans=[(evidence.start, evidence.end)],
        keys=[f"{evidence.rule}:{evidence.key}"],
        note=evidence.note,
    )


def noisy_or(weights: list[float]) -> float:
    """Independent pieces of evidence: the chance that at least one of them is right."""
    keep = 1.0
    for weight in weights:
        keep *= 1.0 - max(0.0, min(1.0, weight))
    return 1.0 - keep


def risk(signals: list[Signal]) -> float:
    by_rule: dict[str, list[float]] = {}
    for signal in signals:
        if signal.counts:
            by_rule.setdefault(signal.rule, []).append(signal.weight)
    return noisy_or([noisy_or(weights) for weights in by_rule.values()])


def quote(text: str, span: tuple[int, int]) -> str:
    """A snippet of untrusted text fit for a label: no control characters, bounded length."""
    snippet = text[span[0] : span[1]]
    if not snippet.isprintable():  # the common case has no control characters to replace
        snippet = _CONTROL.sub(" ", snippet)
    snippet = snippet.strip()
    if len(snippet) > _MAX_QUOTE_LEN:
        snippet = snippet[: _MAX_QUOTE_LEN - 1] + "…"
    return f'"{snippet}"'


def reasons(text: str, signals: list[Signal]) -> list[Reason]:
    """One reason per rule, strongest first, spans in text order."""
    groups: dict[str, list[Signal]] = {}
    for signal in signals:
        if signal.weight > 0.0 or signal.rule == "correction":
            groups.setdefault(signal.rule, []).append(signal)
    out: list[Reason] = []
    for rule, group in groups.items():
        spans = sorted({span for signal in group for span in signal.spans})
        explaining = [s for s in group if not s.counts]
        # A correction shows its net effect on the risk, not its own weight.
        weight = explaining[0].weight if explaining else noisy_or([s.weight for s in group])
        out.append(
            Reason(rule=rule, label=_label(text, rule, group, spans), spans=spans, weight=weight)
        )
    # Strongest evidence first; the correction note (which explains, not accuses) last.
    out.sort(key=lambda reason: (reason.rule == "correction", -reason.weight))
    return out


def _label(text: str, rule: str, group: list[Signal], spans: list[tuple[int, int]]) -> str:
    written = [s.label for s in group if s.label]
    if written:
        return "; ".join(dict.fromkeys(written))
    quotes = list(dict.fromkeys(quote(text, span) for span in spans))
    shown = ", ".join(quotes[:_MAX_QUOTES]) + (" …" if len(quotes) > _MAX_QUOTES else "")
    notes = sorted({s.note for s in group if s.note})
    suffix = f" ({', '.join(notes)})" if notes else ""
    return f"{RULE_NAMES.get(rule, rule)}: {shown}{suffix}"
