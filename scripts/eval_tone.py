"""Measure the tone analyser on held-out labelled data; print one table.

    python -m scripts.eval_tone      (also `make eval`)

Everything here is data the models and calibrations never saw (see scripts/train_tone.py):
- VADER tweets ground truth: the 1,050 tweets with id % 4 == 0 (the rest calibrated the blend);
- OLID (offensive language): the val split, scored three ways: the learned head alone, the word
  lists alone, and the `conflict` verdict itself (what the app shows; it is not the same question
  as OLID's "offensive": swearing at nothing in particular is offensive to OLID, not a conflict);
- TweetEval sentiment: the ODD lines of val (its even lines fitted the small negative / neutral /
  positive classifier, because no train split of it is provided);
- TweetEval irony: the val split.
Baselines: VADER alone and TextBlob alone, with their usual cut-offs (VADER ±0.05; TextBlob
0). Exit status 0, or 2 when ../shared/data is not beside the repo.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence

from scripts.train_tone import (
    DATA,
    macro_f1,
    macro_recall,
    pearson,
    three_way,
    tweeteval,
    vader_tweets,
)

Row = tuple[str, str, str, str, str, str]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _rate(fn: Callable[[], object], count: int) -> float:
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def main(argv: Sequence[str]) -> int:
    if not DATA.is_dir():
        print(
            f"eval_tone: no labelled data at {DATA} (../shared/data beside the repo)",
            file=sys.stderr,
        )
        return 2
    _print(measure())
    return 0


def measure() -> list[Row]:
    """Every metric, as table rows: (metric, data, Rapport, VADER, TextBlob, target)."""
    from core.analysis import ToneAnalyzer
    from core.analysis.features import LEXICAL_RULES
    from core.analysis.lexscore import textblob_sentiment, vader_compound
    from core.analysis.model import model
    from core.analysis.signals import noisy_or

    analyzer = ToneAnalyzer()
    started = time.perf_counter()
    analyzer.check("warm up")  # loads the word lists, the weights and VADER
    load_ms = (time.perf_counter() - started) * 1000
    cal = model().calibration
    rows: list[Row] = []

    # Sentiment intensity vs human mean ratings.
    held = [r for r in vader_tweets() if r.held_out]
    gold = [r.mean for r in held]
    ours = [v.polarity for v in analyzer.check_many([r.text for r in held], "incoming")]
    vader = [vader_compound(r.text) for r in held]
    blob = [textblob_sentiment(r.text)[0] for r in held]
    rows.append(
        (
            "Pearson r vs human mean rating",
            f"VADER tweets, held-out ids%4==0 (n={len(held)})",
            _fmt(pearson(ours, gold)),
            _fmt(pearson(vader, gold)),
            _fmt(pearson(blob, gold)),
            "> VADER (0.87)",
        )
    )

    # Offensive language: three Rapport decisions, each scored on its own.
    texts, labels = tweeteval("hostility", "olid", "val")
    analyses = [analyzer.analyse(t, "incoming") for t in texts]
    threshold = float(cal["offensive"]["threshold"])
    # 1. the learned offensive head alone (the word lists are among its features);
    offensive = [int(a.p_offensive >= threshold) for a in analyses]
    # 2. the hand-written word lists alone (insults, slurs, profanity, threats, "you" + negative);
    listed = [
        int(noisy_or([s.weight for s in a.signals if s.rule in LEXICAL_RULES]) >= 0.5)
        for a in analyses
    ]
    # 3. the `conflict` verdict the product shows (every signal, normal sensitivity).
    conflict = [int(v.conflict) for v in analyzer.check_many(texts, "incoming")]
    vader_off = [int(vader_compound(t) <= -0.05) for t in texts]
    blob_off = [int(textblob_sentiment(t)[0] < 0) for t in texts]
    vader_f1, blob_f1 = _fmt(macro_f1(labels, vader_off)), _fmt(macro_f1(labels, blob_off))
    for name, predicted, target in (
        (f"macro-F1, offensive: learned head alone (p >= {threshold:.2f})", offensive, "> 0.74"),
        ("macro-F1, offensive: word lists alone", listed, "lists 0.72"),
        ("macro-F1, `conflict` verdict (role=incoming)", conflict, "> 0.74"),
    ):
        rows.append(
            (
                name,
                f"OLID val (n={len(texts)})",
                _fmt(macro_f1(labels, predicted)),
                vader_f1,
                blob_f1,
                target,
            )
        )

    # Three-way sentiment.
    texts, labels = tweeteval("sentiment", "tweeteval_sentiment", "val")
    odd = [i for i in range(len(texts)) if i % 2 == 1]
    classes = {"negative": 0, "neutral": 1, "positive": 2}
    gold_3 = [labels[i] for i in odd]
    ours_3 = [classes[analyzer.check(texts[i], "incoming").sentiment] for i in odd]
    vader_3 = [three_way(vader_compound(texts[i]), -0.05, 0.05) for i in odd]
    blob_3 = [three_way(textblob_sentiment(texts[i])[0], -1e-9, 1e-9) for i in odd]
    rows.append(
        (
            "macro-recall, neg/neu/pos",
            f"TweetEval sentiment val, odd lines (n={len(odd)})",
            _fmt(macro_recall(gold_3, ours_3)),
            _fmt(macro_recall(gold_3, vader_3)),
            _fmt(macro_recall(gold_3, blob_3)),
            "SVM 0.63",
        )
    )

    # Irony (a soft signal only; shown for honesty about how soft).
    texts, labels = tweeteval("irony", "tweeteval_irony", "val")
    ironic = [int(analyzer.analyse(t, "incoming").p_irony >= 0.5) for t in texts]
    rows.append(
        (
            "macro-F1, ironic (learned head, hashtags kept)",
            f"TweetEval irony val (n={len(texts)})",
            _fmt(macro_f1(labels, ironic)),
            "",
            "",
            "soft signal",
        )
    )

    # Throughput, one core, batch of OLID val texts.
    texts = tweeteval("hostility", "olid", "val")[0]
    fresh = ToneAnalyzer()
    fresh.check("warm up")
    # The baselines as their packages ship them (our VADER port is faster; it is not the baseline).
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    package_vader = SentimentIntensityAnalyzer()
    rows.append(
        (
            "throughput, texts/s (check_many)",
            f"OLID val tweets (n={len(texts)})",
            f"{_rate(lambda: fresh.check_many(texts, 'incoming'), len(texts)):,.0f}",
            f"{_rate(lambda: [package_vader.polarity_scores(t) for t in texts], len(texts)):,.0f}",
            f"{_rate(lambda: [textblob_sentiment(t) for t in texts], len(texts)):,.0f}",
            "> 5,000",
        )
    )
    rows.append(("first check (lazy load), ms", "", f"{load_ms:,.0f}", "", "", ""))
    return rows


def _print(rows: list[Row]) -> None:
    header: Row = ("metric", "data (held out)", "Rapport", "VADER", "TextBlob", "target")
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
