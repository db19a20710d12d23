"""Building a sync engine for a workspace: the same wiring for `rapport sync` and the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.logging_setup import configure_logging
from core.models import ContextPost, Item
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.sync.engine import Analyze, ApplyRules, ProgressCallback, ScoreOwn, SyncEngine
from core.workspace import Workspace

__all__ = [
    "build_engine",
    "configure_logging",
    "load_analyzer",
    "make_analyze",
    "make_rules",
    "make_score_own",
]


def tone_analyzer(workspace: Workspace, corrections: Sequence[StoredCorrection] = ()) -> Any:
    """The analyser as the user tuned it: sensitivity, watch words, and their corrections."""
    from core.analysis import Correction, ToneAnalyzer

    tone = workspace.config.tone
    return ToneAnalyzer(
        sensitivity=tone.sensitivity,
        watch_words=list(tone.watch_words),
        corrections=[Correction(c.text, c.role, c.verdict, list(c.rules)) for c in corrections],
    )


async def load_analyzer(workspace: Workspace, store: Store) -> Any:
    return tone_analyzer(workspace, await store.corrections())


def make_analyze(analyzer: Any, store: Store | None = None) -> Analyze:
    """The sync's `Analyze` over a ready analyser. With `store`, each item is checked with its
    thread so far (`Store.thread_so_far`: one query per page), so a thread that keeps getting
    angrier is flagged as it arrives; without, each item alone."""

    def alone(items: Sequence[Item]) -> None:
        verdicts = analyzer.check_many([item.text for item in items], role="incoming")
        for item, verdict in zip(items, verdicts, strict=True):
            item.tone = verdict.to_tone()

    if store is None:
        return alone

    async def in_thread(items: Sequence[Item]) -> None:
        from core.analysis import check_incoming

        threads = await store.thread_so_far(items)
        lone = [item for item, thread in zip(items, threads, strict=True) if not thread]
        if lone:
            alone(lone)  # the batch path for the many items with no thread above them
        for item, thread in zip(items, threads, strict=True):
            if thread:
                item.tone = check_incoming(analyzer, item.text, thread).to_tone()

    return in_thread


def make_score_own(analyzer: Any) -> ScoreOwn:
    """The sync's scoring of the user's own posts: their polarity, which the ledger counts as
    the tone the user gave the author of the item each replies to (migration 7). The same
    polarity a draft's check gives (cached per text: a re-fetched post costs a lookup). A post
    without text (an image, say) stays unscored and does not count."""
    polarity = getattr(analyzer, "polarity", None)
    if polarity is None:  # an analyser with check() only (a stand-in)

        def polarity(text: str) -> float:
            return float(analyzer.check(text, role="draft").polarity)

    def score(posts: Sequence[ContextPost]) -> None:
        for post in posts:
            if post.polarity is None and post.text.strip():
                post.polarity = round(polarity(post.text), 4)

    return score


def make_rules(workspace: Workspace) -> ApplyRules | None:
    ruleset = _ruleset(workspace)
    return ruleset.apply if ruleset is not None else None


def _ruleset(workspace: Workspace) -> Any:
    if not workspace.config.rules:
        return None
    from core.rules import compile_rules

    return compile_rules(workspace.config.rules)


def build_engine(
    workspace: Workspace,
    store: Store,
    *,
    on_progress: ProgressCallback | None = None,
    analyzer: Any = None,
    **overrides: Any,
) -> SyncEngine:
    """`analyzer`: one loaded with the user's corrections (see load_analyzer)."""
    ruleset = _ruleset(workspace)
    tone = analyzer or tone_analyzer(workspace)
    options: dict[str, Any] = {
        "analyze": make_analyze(tone, store),
        "score_own": make_score_own(tone),
        "apply_rules": ruleset.apply if ruleset is not None else None,
        # `person` rules learn who is linked to whom at the start of each run.
        "prepare": ruleset.load_persons if ruleset is not None and ruleset.needs_persons else None,
        "horizon": _horizon(workspace),
        "on_progress": on_progress,
    }
    options.update(overrides)
    return SyncEngine(store, workspace.secrets.load, **options)


def _horizon(workspace: Workspace) -> Any:
    from datetime import timedelta

    return timedelta(days=workspace.config.general.backfill_days)
