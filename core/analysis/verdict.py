"""The analyser's public value types: what goes in (context, corrections) and what comes out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from core.models import Tone

Role = Literal["incoming", "draft"]
Sensitivity = Literal["strict", "normal", "relaxed"]


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence: which rule fired, a sentence for people, and where in the text.

    `spans` are (start, end) character offsets into the checked text, so `text[start:end]` is the
    phrase the rule saw. `weight` is how much it raised the risk (negative: lowered it).
    """

    rule: str
    label: str
    spans: list[tuple[int, int]] = field(default_factory=list)
    weight: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "label": self.label,
            "spans": [list(span) for span in self.spans],
            "weight": round(self.weight, 3),
        }


@dataclass(slots=True)
class ToneContext:
    """What surrounds the text: earlier posts of the thread (oldest first) and, for a draft, the
    polarity the user usually has with this contact (None when unknown)."""

    thread: list[str] = field(default_factory=list)
    usual_polarity: float | None = None
    contact_name: str | None = None


def check_incoming(analyzer: Any, text: str, thread: list[str]) -> Any:
    """The verdict on a message received, with the earlier posts of its thread (oldest first;
    empty for a message that starts one): how the sync checks it, and the app re-checks it."""
    context = ToneContext(thread=thread) if thread else None
    return analyzer.check(text, role="incoming", context=context)


@dataclass(frozen=True, slots=True)
class Correction:
    """The user's word on a past verdict: `verdict=False` "not a conflict", True "this is one".

    `rules` narrows what the correction is about (e.g. ["sarcasm"]); empty means every rule that
    fired on `text`.
    """

    text: str
    role: str = "draft"
    verdict: bool = False
    rules: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Verdict:
    """The tone of one text and whether it reads as a likely conflict, with the reasons why."""

    text: str
    role: str
    polarity: float
    risk: float
    conflict: bool
    reasons: list[Reason]
    threshold: float
    # "negative" | "neutral" | "positive" (e.g. for a view of mentions worth thanking).
    sentiment: str = "neutral"
    # Subjectivity comes from TextBlob, which costs more than the whole rest of a check; it is
    # computed the first time someone asks (the sync engine and `to_tone` never do).
    _subjectivity: float | None = None
    _subjectivity_fn: Callable[[str], float] | None = field(default=None, repr=False)

    @property
    def subjectivity(self) -> float:
        if self._subjectivity is None:
            fn = self._subjectivity_fn
            self._subjectivity = fn(self.text) if fn is not None and self.text.strip() else 0.0
        return self._subjectivity

    @property
    def labels(self) -> list[str]:
        return [reason.label for reason in self.reasons]

    def to_json(self) -> dict[str, Any]:
        return {
            "polarity": round(self.polarity, 4),
            "sentiment": self.sentiment,
            "subjectivity": round(self.subjectivity, 4),
            "risk": round(self.risk, 4),
            "conflict": self.conflict,
            "threshold": self.threshold,
            "role": self.role,
            "reasons": self.labels,
            "details": [reason.to_json() for reason in self.reasons],
        }

    def to_tone(self) -> Tone:
        return Tone(
            polarity=round(self.polarity, 4),
            risk=round(self.risk, 4),
            conflict=self.conflict,
            reasons=self.labels,
        )
