"""ToneAnalyzer: polarity, risk and a conflict verdict with reasons, for incoming texts and drafts.

How a verdict is made:
1. signals: word lists and phrases (rules.py), the offensive-language and irony models
   (model.py), negative tone, heat, a thread that is escalating, a draft far colder than usual,
   the user's watch words; each has a weight in 0..1 and the character spans it is about;
   cues marked negative-only ("!!") count only in a text that reads negative, capitals weigh
   little in a cheerful one, and watch words are shown but weigh too little to flag alone;
2. each role weighs the learned head and the whole-text signals its own way (RoleCalibration:
   drafts keep the product's defaults, incoming messages what training fitted on OLID);
3. an apology or an admitted mistake in the text softens the soft signals (signals.SOFT_RULES);
4. the user's corrections rescale what they have corrected (corrections.py);
5. risk = noisy-OR of the signals (per rule first), conflict = risk >= the sensitivity's threshold.
Everything heavy (VADER, the model, the compiled lists) loads on the first check, under a lock,
so the app can import this module at start and call `check` from worker threads.
"""

from __future__ import annotations

import math
import operator
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.analysis import lexscore
from core.analysis.cheers import defuse_cheers
from core.analysis.corrections import CorrectionMemory
from core.analysis.features import LEXICAL_RULES, lexical, tokens
from core.analysis.lexicon import Lexicon, lexicon, lower
from core.analysis.model import Margins, Model, sigmoid
from core.analysis.model import model as load_model
from core.analysis.rules import SECOND_PERSON, THIRD_PERSON, Scan, scan
from core.analysis.signals import MITIGATION, Signal, from_evidence, quote, reasons, risk
from core.analysis.verdict import Correction, Reason, ToneContext, Verdict

THRESHOLDS = {"strict": 0.35, "normal": 0.5, "relaxed": 0.65}
# The most the offensive head weighs when no word it weighs strongly is in the text.
UNWORDED_MODEL_WEIGHT = 0.3
# ... unless the head is at least this sure (an insult it reads through "you \x1b[2Jidiot").
UNWORDED_SURE = 0.5
ROLES = ("incoming", "draft")
# Watch words are always shown, and add a little to other evidence, but never flag a text on their
# own at any sensitivity: all of a text's watch words together weigh less than the strictest
# threshold, even after "this is one" corrections (MAX_SCALE).
WATCH_WEIGHT = 0.2
# The offensive head counts half when the text is aimed at no one (no "you", no insult) in a
# draft (incoming messages: the fitted `untargeted` and `third_person` factors).
UNTARGETED = 0.5
TARGET_RULES = frozenset({"insult", "slur", "threat", "hostile", "ultimatum"})
# ... and half again when the text is cheerful ("Damn, good catch!").
CHEERFUL = 0.2
CHEERFUL_FACTOR = 0.5
# Capitals in a cheerful text are enthusiasm ("THANK YOU SO MUCH"): they count this much. Cheerful:
# polarity >= CHEERFUL and the sentiment head sure of it (margin 3: ~95% positive).
CHEERFUL_CAPS = 0.3
CHEERFUL_MARGIN = 3.0
# Evidence marked negative-only ("!!", "I'll leave a review") counts below this polarity.
NEGATIVE_ONLY_BELOW = 0.0
# Polarity is a predicted human rating / 4: about -0.6..+0.6 for real posts.
NEGATIVE_FROM = -0.3  # below this, "negative tone" adds up to 0.3
COLDER_FLAG = 0.7  # a draft this much colder than usual (and negative) flags on its own
COLDER_NOTE = 0.45  # ... this much colder adds soft evidence
# Escalation: at least this many posts (context + this one), falling by at least DROP overall,
# to LAST or below.
ESCALATION_MIN_POSTS = 3
ESCALATION_DROP = 0.6
ESCALATION_LAST = -0.3
_THREAD_CACHE_SIZE = 4096
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True, slots=True)
class ModelInputs:
    """A text as the learned heads see it: tokens plus lexical features, raw and with technical
    phrases masked (for the offensive head), and VADER's compound for both."""

    tokens: list[str]
    extra: list[str]
    masked_tokens: list[str]
    masked_extra: list[str]
    compound: float
    masked_compound: float
    masked_text: str


@dataclass(slots=True)
class Analysis:
    """Everything measured on one text before corrections and the final sum (used by training)."""

    polarity: float
    signals: list[Signal] = field(default_factory=list)
    p_offensive: float = 0.0
    p_irony: float = 0.0
    compound: float = 0.0
    # What the offensive head's weight is multiplied by (untargeted, cheerful) for this text,
    # what is subtracted from it (the strongest word-list hit), and the apology discount.
    offensive_factor: float = 1.0
    lexical_weight: float = 0.0
    mitigation: float = 1.0
    # The inputs of the negative / neutral / positive classifier (see `sentiment_inputs`).
    sentiment_inputs: list[float] = field(default_factory=list)
    # Who the text is aimed at ("reader", "third" person, "none") and whether it is cheerful:
    # what `offensive_factor` was made from (training refits the factors from these).
    target: str = "reader"
    cheerful: bool = False


@dataclass(frozen=True, slots=True)
class RoleCalibration:
    """How one role weighs the learned head and the whole-text signals.

    Drafts use the product's defaults (the head flags on its own only when fairly sure, a text
    aimed at no one counts half); incoming messages use what scripts/train_tone.py fitted on OLID
    train (out of fold) under the product's constraints (the traps it lists stay unflagged).
    `scale` multiplies the weights of whole-text signals (shouting, negative tone, heat) only:
    word lists and phrases keep their written weights in both roles.
    """

    low: float
    mid: float
    untargeted: float = 0.5
    third_person: float = 0.5
    scale: dict[str, float] = field(default_factory=dict)

    def factor(self, target: str, cheerful: bool) -> float:
        if target == "reader":
            factor = 1.0
        else:
            factor = self.third_person if target == "third" else self.untargeted
        return factor * CHEERFUL_FACTOR if cheerful else factor

    @staticmethod
    def of(cal: dict[str, Any], default: RoleCalibration | None = None) -> RoleCalibration:
        base = default or RoleCalibration(1.0, 1.0)
        return RoleCalibration(
            low=float(cal.get("low", base.low)),
            mid=float(cal.get("mid", base.mid)),
            untargeted=float(cal.get("untargeted", base.untargeted)),
            third_person=float(cal.get("third_person", base.third_person)),
            scale={k: float(v) for k, v in cal.get("scale", base.scale).items()},
        )


class ToneAnalyzer:
    """Check the tone of a text. Thread-safe; the first check loads the models (~0.2-0.3 s)."""

    def __init__(
        self,
        sensitivity: str = "normal",
        watch_words: Iterable[str] = (),
        corrections: Iterable[Correction] = (),
        *,
        model: Model | None = None,
    ) -> None:
        """`model` replaces the shipped weights (the training script calibrates with it)."""
        if sensitivity not in THRESHOLDS:
            raise ValueError(f"sensitivity must be one of {', '.join(THRESHOLDS)}")
        self.sensitivity = sensitivity
        self.threshold = THRESHOLDS[sensitivity]
        self.watch_words = [w.strip() for w in watch_words if w.strip()]
        self._watch = _watch_regex(self.watch_words)
        self._pending = list(corrections)
        self._memory = CorrectionMemory(self._uncorrected)
        self._lock = threading.RLock()
        self._loaded = False
        self._lex: Lexicon | None = None
        self._given_model = model
        self._model: Model = Model()
        self._valence: dict[str, float] = {}
        self._thread_polarity: dict[str, float] = {}
        self._roles: dict[str, RoleCalibration] = {}
        # The model's calibration as numbers, read once at load (as the roles are): the polarity
        # blend (bias, vader, model, model_scale) or None, whether the offensive head weighs in,
        # the irony head's (low, max_weight), and the sentiment classifier's rows or None.
        self._blend_params: tuple[float, float, float, float] | None = None
        self._offensive_on = False
        self._irony: tuple[float, float] = (1.0, 0.2)
        self._sentiment_rows: list[list[float]] | None = None

    # -- public API ---------------------------------------------------------------------------

    def check(self, text: str, role: str = "draft", context: ToneContext | None = None) -> Verdict:
        """The verdict for one text (`role`: "incoming" for received, "draft" for the user's)."""
        if role not in ROLES:
            raise ValueError("role must be 'incoming' or 'draft'")
        self._ensure_loaded()
        if not text.strip():
            return self._verdict(text, role, 0.0, [], "neutral")
        analysis = self._analyse(text, role, context)
        signals = self._memory.apply(text, role, analysis.signals)
        sentiment = self.sentiment(analysis.sentiment_inputs)
        return self._verdict(text, role, analysis.polarity, signals, sentiment)

    def check_many(self, texts: Sequence[str], role: str = "incoming") -> list[Verdict]:
        """Verdicts for many texts without thread context (the sync engine's batch path)."""
        return [self.check(text, role) for text in texts]

    def learn(self, correction: Correction) -> None:
        """Take one more correction into account from now on."""
        self._ensure_loaded()
        self._memory.learn(correction)

    def polarity(self, text: str) -> float:
        """Just the polarity (-1..1), cached: what escalation needs for each earlier post."""
        self._ensure_loaded()
        cached = self._thread_polarity.get(text)
        if cached is None:
            assert self._lex is not None
            judged = defuse_cheers(text)
            inputs = self._inputs(judged, scan(judged, self._lex, self._valence))
            margins = self._model.margins(inputs.tokens, inputs.extra)
            cached = self._blend(inputs.compound, margins.sentiment)
            self._remember_polarity(text, cached)
        return cached

    def _remember_polarity(self, text: str, value: float) -> None:
        if len(self._thread_polarity) >= _THREAD_CACHE_SIZE:
            self._thread_polarity.clear()
        self._thread_polarity[text] = value

    # -- loading ------------------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            self._lex = lexicon()
            self._model = self._given_model if self._given_model is not None else load_model()
            cal = self._model.calibration
            draft = RoleCalibration.of(cal.get("offensive", {}), RoleCalibration(1.0, 1.0))
            self._roles = {
                "draft": draft,
                "incoming": RoleCalibration.of(cal.get("incoming", {}), draft),
            }
            blend: dict[str, Any] = cal.get("polarity", {})
            self._blend_params = (
                (
                    float(blend["bias"]),
                    float(blend["vader"]),
                    float(blend["model"]),
                    float(blend["model_scale"]),
                )
                if blend
                else None
            )
            self._offensive_on = bool(cal.get("offensive"))
            irony: dict[str, Any] = cal.get("irony", {})
            self._irony = (float(irony.get("low", 1.0)), float(irony.get("max_weight", 0.2)))
            classes: dict[str, Any] = cal.get("sentiment_classes", {})
            self._sentiment_rows = classes["weights"] if classes else None
            lexscore.warm_up()
            self._valence = lexscore.valence()
            # Corrections are digested before anyone may check: no verdict ignores them.
            for correction in self._pending:
                self._memory.learn(correction)
            self._pending.clear()
            self._loaded = True

    # -- measuring ----------------------------------------------------------------------------

    def analyse(
        self,
        text: str,
        role: str,
        context: ToneContext | None = None,
        *,
        offensive_model: bool = True,
    ) -> Analysis:
        """Every signal of `text`, before corrections (training calibrates on this)."""
        self._ensure_loaded()
        return self._analyse(text, role, context, offensive_model=offensive_model)

    def _analyse(
        self,
        text: str,
        role: str,
        context: ToneContext | None = None,
        *,
        offensive_model: bool = True,
    ) -> Analysis:
        assert self._lex is not None, "loaded by _ensure_loaded"
        lex, mdl = self._lex, self._model
        given = text
        text = defuse_cheers(text)
        found = scan(text, lex, self._valence)
        inputs = self._inputs(text, found)
        margins = mdl.margins(inputs.tokens, inputs.extra)
        polarity = self._blend(inputs.compound, margins.sentiment)
        # A message checked now is an earlier post of the next ones in its thread: their
        # escalation check reads its polarity from the cache instead of measuring it again.
        self._remember_polarity(given, polarity)
        masked = inputs.masked_text
        if found.technical:  # the offensive head and the tone signals judge the masked text
            masked_margins = mdl.margins(inputs.masked_tokens, inputs.masked_extra)
            tone_polarity = self._blend(inputs.masked_compound, masked_margins.sentiment)
        else:
            masked_margins, tone_polarity = margins, polarity
        signals = _evidence_signals(found, polarity, margins.sentiment)
        p_off = sigmoid(masked_margins.offensive)
        p_irony = sigmoid(margins.irony)
        # The offensive head learned OLID's notion, which includes swearing at nothing in
        # particular ("I hate it when CI flakes"); a conflict needs someone on the receiving end.
        calibrated = self._roles[role]
        target = _target(inputs.tokens, found)
        cheerful = target != "reader" and polarity >= CHEERFUL
        factor = calibrated.factor(target, cheerful)
        # The head mostly re-reads the words the lists already caught: it adds only its excess.
        listed = (
            max((e.weight for e in found.evidence if e.rule in LEXICAL_RULES), default=0.0)
            if found.evidence
            else 0.0
        )
        if offensive_model:
            signals.extend(
                self._offensive_signal(
                    masked, inputs.masked_tokens, p_off, factor, listed, calibrated
                )
            )
        signals.extend(self._irony_signal(p_irony, signals))
        tone = self._tone_signals(
            text, role, tone_polarity, inputs.masked_compound, signals, found, inputs.tokens
        )
        signals.extend(tone)
        if context is not None:
            signals.extend(self._context_signals(text, role, polarity, context, inputs.tokens))
        if self._watch is not None:
            signals.extend(_watch_signal(self._watch, text))
        if calibrated.scale and signals:
            signals = [_rescaled(s, calibrated.scale.get(scale_key(s), 1.0)) for s in signals]
        if found.mitigators:
            signals = [_soften(s) if s.soft else s for s in signals]
        senti = sentiment_inputs(polarity, inputs.compound, margins)
        mitigation = MITIGATION if found.mitigators else 1.0
        return Analysis(
            polarity,
            signals,
            p_off,
            p_irony,
            inputs.compound,
            factor,
            listed,
            mitigation,
            senti,
            target,
            cheerful,
        )

    def model_inputs(self, text: str) -> ModelInputs:
        """What the learned heads see (training uses this, so both sides see the same)."""
        self._ensure_loaded()
        assert self._lex is not None
        return self._inputs(text, scan(text, self._lex, self._valence))

    def _inputs(self, text: str, found: Scan) -> ModelInputs:
        compound = lexscore.vader_compound(text)
        hits = [(e.rule, e.weight) for e in found.evidence]
        toks = tokens(text)
        extra = lexical(hits, compound)
        if not found.technical:
            return ModelInputs(toks, extra, toks, extra, compound, compound, text)
        # Technical phrases ("kill the process") are hidden from the offensive head and from heat.
        masked = _mask(text, found.technical)
        # Technical words are neutral or negative in VADER (all but "freeze", +0.2), so hiding
        # them can only lift a negative score: a text that is not negative keeps its score, and
        # VADER runs once.
        masked_compound = lexscore.vader_compound(masked) if compound < 0 else compound
        masked_extra = lexical(hits, masked_compound)
        return ModelInputs(
            toks, extra, tokens(masked), masked_extra, compound, masked_compound, masked
        )

    def _blend(self, compound: float, sentiment_margin: float) -> float:
        blend = self._blend_params
        if blend is None:
            return compound
        bias, vader, model, model_scale = blend
        value = bias + vader * compound + model * math.tanh(sentiment_margin / model_scale)
        return max(-1.0, min(1.0, value))

    def _offensive_signal(
        self,
        text: str,
        toks: list[str],
        p: float,
        factor: float,
        listed: float,
        calibrated: RoleCalibration,
    ) -> list[Signal]:
        if not self._offensive_on:
            return []
        weight = offensive_weight(p, calibrated.low, calibrated.mid) * factor - listed
        if weight <= 0.0:
            return []
        # Show the words that pushed the head: its strongly weighted words (>= 1.0; "a" and
        # "like" have ~0.5 from sheer frequency in offensive tweets).
        get = self._model.weights.get
        candidates = {
            t for t in toks if len(t) > 2 and (row := get(t)) is not None and row[0] >= 1.0
        }
        strong = sorted(candidates, key=self._model.word_weight, reverse=True)[:3]
        if not strong and p < UNWORDED_SURE:
            # No word the head weighs strongly, and the head unsure: what pushed it is the shape
            # of the text (for "I pushed a fix, could you take a look?", no offence at all). It
            # may support other evidence, never flag on its own.
            weight = min(weight, UNWORDED_MODEL_WEIGHT)
        spans = _spans_of(text, set(strong), [], 6) if strong else []
        words = ", ".join(quote(text, span) for span in spans)
        label = f"sounds offensive (learned model, {p:.2f})" + (f": {words}" if words else "")
        return [Signal("offensive_model", weight, spans, ["offensive_model:"], label=label)]

    def _irony_signal(self, p: float, signals: list[Signal]) -> list[Signal]:
        low, max_weight = self._irony
        if p <= low:
            return []
        # Only as support: the model alone is right about irony ~2 times in 3.
        if not any(s.rule == "sarcasm" for s in signals):
            return []
        weight = max_weight * (p - low) / (1.0 - low)
        label = f"may be sarcastic (learned model, {p:.2f})"
        return [Signal("irony_model", weight, [], ["irony_model:"], label=label)]

    def _tone_signals(
        self,
        text: str,
        role: str,
        polarity: float,
        heat_compound: float,
        signals: list[Signal],
        found: Scan,
        toks: list[str],
    ) -> list[Signal]:
        out: list[Signal] = []
        # One capitalised word ("OOM", "NOT") is emphasis, not a raised voice.
        loud = [
            s
            for s in signals
            if s.rule == "profanity" or (s.rule == "shouting" and s.weight >= 0.3)
        ]
        heated = heat_compound <= -0.5 and (loud or (heat_compound <= -0.8 and role == "incoming"))
        if polarity >= NEGATIVE_FROM and not heated:
            return out
        negative_words = self._negative_spans(text, toks, found.technical)
        if polarity < NEGATIVE_FROM:
            # Polarity is a predicted human rating / 4: -0.6 is about as negative as tweets get.
            weight = 0.3 * min(1.0, (NEGATIVE_FROM - polarity) / 0.3)
            label = f"negative tone ({polarity:+.2f})"
            out.append(Signal("negative", weight, negative_words, ["negative:"], label=label))
        if heated:
            weight = 0.5 if role == "incoming" else 0.45
            spans = negative_words + [span for s in loud for span in s.spans]
            label = f"heated: strongly negative ({heat_compound:+.2f})" + (
                " and loud" if loud else ""
            )
            out.append(Signal("heated", weight, sorted(set(spans)), ["heated:"], label=label))
        return out

    def _negative_spans(
        self, text: str, toks: list[str], technical: list[tuple[int, int]]
    ) -> list[tuple[int, int]]:
        """Where the strongly negative words are (VADER valence <= -1.5), for underlining."""
        valence = self._valence
        negative = {t for t in toks if valence.get(t, 0.0) <= -1.5}
        return _spans_of(text, negative, technical, 6) if negative else []

    def _context_signals(
        self, text: str, role: str, polarity: float, context: ToneContext, toks: list[str]
    ) -> list[Signal]:
        out: list[Signal] = []
        earlier = [self.polarity(t) for t in context.thread[-5:] if t.strip()]
        series = [*earlier, polarity]
        if len(series) >= ESCALATION_MIN_POSTS and polarity <= ESCALATION_LAST:
            drop = max(earlier) - polarity
            if drop >= ESCALATION_DROP and _slope(series) <= -0.15:
                label = (
                    f"thread is escalating: tone fell from {max(earlier):+.2f} to {polarity:+.2f} "
                    f"over {len(series)} posts"
                )
                weight = min(0.8, 0.55 + 0.25 * (drop - ESCALATION_DROP) / 0.8)
                out.append(Signal("escalation", weight, [], ["escalation:"], label=label))
        usual = context.usual_polarity
        if role == "draft" and usual is not None:
            colder = usual - polarity
            weight = 0.0
            # Polarity is a predicted human rating / 4, so 0.7 is a big step (warm to cold).
            if colder >= COLDER_FLAG and polarity <= -0.2:
                weight = 0.55
            elif colder >= COLDER_NOTE and polarity <= 0.0:
                weight = 0.3
            if weight:
                who = f" with {context.contact_name}" if context.contact_name else ""
                label = f"colder than usual{who}: {polarity:+.2f} vs your usual {usual:+.2f}"
                spans = self._negative_spans(text, toks, [])
                key = ["colder_than_usual:"]
                out.append(Signal("colder_than_usual", weight, spans, key, label=label))
        return out

    def _uncorrected(self, text: str, role: str) -> list[Signal]:
        # Called while loading (for the constructor's corrections): must not re-enter the load.
        return self._analyse(text, role).signals if text.strip() else []

    def sentiment(self, inputs: list[float]) -> str:
        """negative / neutral / positive, by the small classifier fitted on TweetEval."""
        rows = self._sentiment_rows
        if rows is None:  # untrained: the sign of the polarity, with a neutral band
            polarity = inputs[1]
            return SENTIMENTS[0 if polarity < -0.1 else 2 if polarity > 0.1 else 1]
        scores = [sum(map(operator.mul, row, inputs)) for row in rows]
        return SENTIMENTS[scores.index(max(scores))]

    def _verdict(
        self, text: str, role: str, polarity: float, signals: list[Signal], sentiment: str
    ) -> Verdict:
        total = risk(signals)
        return Verdict(
            text=text,
            role=role,
            polarity=polarity,
            sentiment=sentiment,
            risk=total,
            conflict=total >= self.threshold,
            reasons=reasons(text, signals),
            threshold=self.threshold,
            _subjectivity_fn=lexscore.subjectivity,
        )


SENTIMENTS = ("negative", "neutral", "positive")


def sentiment_inputs(polarity: float, compound: float, margins: Margins) -> list[float]:
    """What the 3-way sentiment classifier looks at: the polarity and its two parts, their
    strengths (neutral texts are weak on both), and the irony and offensive heads."""
    model_part = math.tanh(margins.sentiment / 4.0)
    return [
        1.0,
        polarity,
        compound,
        model_part,
        abs(compound),
        abs(model_part),
        math.tanh(margins.irony / 4.0),
        sigmoid(margins.offensive),
    ]


def offensive_weight(p: float, low: float, mid: float) -> float:
    """The offensive head's probability as a risk weight: 0 up to `low`, 0.5 (flags on its own at
    normal sensitivity) at `mid`, 0.9 at certainty. Training fits `low` and `mid`."""
    if p <= low:
        return 0.0
    if p <= mid:
        return 0.5 * (p - low) / (mid - low)
    return 0.5 + 0.4 * (p - mid) / (1.0 - mid)


def _target(toks: list[str], found: Scan) -> str:
    """Who the text is aimed at: "reader" ("you", an insult, a threat), "third" (he, she, them)
    or "none" (the head learned OLID's notion of offence, which includes swearing at nothing in
    particular: "I hate it when CI flakes"; a conflict needs someone on the receiving end)."""
    if not SECOND_PERSON.isdisjoint(toks) or any(
        e.rule in TARGET_RULES and e.note != "about yourself" for e in found.evidence
    ):
        return "reader"
    return "none" if THIRD_PERSON.isdisjoint(toks) else "third"


def scale_key(signal: Signal) -> str:
    """What a role's `scale` calls a signal: its rule, with its note when it has one (so
    "shouting" is capitals in part of a text and "!!", and "shouting/all caps" a whole text)."""
    return f"{signal.rule}/{signal.note}" if signal.note else signal.rule


def _rescaled(signal: Signal, scale: float) -> Signal:
    if scale == 1.0:
        return signal
    return Signal(
        rule=signal.rule,
        weight=signal.weight * scale,
        spans=signal.spans,
        keys=signal.keys,
        label=signal.label,
        note=signal.note,
        counts=signal.counts,
    )


def _evidence_signals(found: Scan, polarity: float, sentiment_margin: float) -> list[Signal]:
    """The hand-written rules' evidence as signals, judged against the whole text.

    - Capitals and "!!" in a cheerful text are enthusiasm ("THANK YOU SO MUCH!!"): capitals weigh
      CHEERFUL_CAPS of their weight, "!!" nothing. Cheerful: no rule but shouting fired, polarity
      >= CHEERFUL and the sentiment head sure of it.
    - Negative-only cues ("!!", "I'll leave a review") count when the text is negative or some
      other rule fired (capitals included: "NOBODY CARES!!!" is loud whatever VADER thinks of
      "cares"); "Thanks for your patience!!" keeps no "!!".
    """
    evidence = found.evidence
    if not evidence:
        return []
    others = [e for e in evidence if not e.negative_only]
    cheerful = (
        polarity >= CHEERFUL
        and sentiment_margin >= CHEERFUL_MARGIN
        and all(e.rule == "shouting" for e in evidence)
    )
    negative = not cheerful and (polarity < NEGATIVE_ONLY_BELOW or bool(others))
    signals = []
    for e in evidence:
        if e.negative_only and not negative:
            continue
        signal = from_evidence(e)
        if cheerful:
            signal.weight *= CHEERFUL_CAPS
            signal.note = "cheerful"
        signals.append(signal)
    return signals


def _watch_signal(pattern: re.Pattern[str], text: str) -> list[Signal]:
    """One signal for all of a text's watch words (so several of them still weigh WATCH_WEIGHT)."""
    matches = list(pattern.finditer(text))
    if not matches:
        return []
    spans = [m.span() for m in matches]
    keys = sorted({f"watch_word:{m.group().lower()}" for m in matches})
    words = ", ".join(dict.fromkeys(quote(text, span) for span in spans[:4]))
    label = f"watch word: {words} (you asked to see it; it never flags a text on its own)"
    return [Signal("watch_word", WATCH_WEIGHT, spans, keys, label=label)]


def _watch_regex(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    # Whole words, plural included ("refund" also catches "refunds").
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:e?s)?(?!\w)", re.IGNORECASE)


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out (same length, so offsets still hold)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _spans_of(
    text: str, words: set[str], skip: list[tuple[int, int]], limit: int
) -> list[tuple[int, int]]:
    """Where the given lower-case words occur as whole words in `text` (str.find: the candidates
    are few, and scanning for each beats tokenising the whole text)."""
    lowered = lower(text).replace("’", "'")
    spans = []
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            end = at + len(word)
            whole = (at == 0 or not lowered[at - 1].isalnum()) and (
                end == len(lowered) or not lowered[end].isalnum()
            )
            if whole and not _inside((at, end), skip):
                spans.append((at, end))
            at = lowered.find(word, end)
    return sorted(spans)[:limit]


def _inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e in spans)


def _soften(signal: Signal) -> Signal:
    return Signal(
        rule=signal.rule,
        weight=signal.weight * MITIGATION,
        spans=signal.spans,
        keys=signal.keys,
        label=signal.label,
        note=signal.note,
        counts=signal.counts,
    )


def _slope(series: list[float]) -> float:
    """Least-squares slope of the series against its index (tone change per post)."""
    n = len(series)
    mean_x = (n - 1) / 2
    mean_y = sum(series) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(series))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den if den else 0.0


__all__ = ["Analysis", "Reason", "ToneAnalyzer"]
