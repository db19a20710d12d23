"""Building a sync engine for a workspace: the same wiring for `rapport sync` and the app.

`SyncSettings` is what an engine needs of the workspace as plain data, so a sync worker process
(core.sync.worker) builds exactly the engine this process would from a pickled copy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.logging_setup import LOGGER, configure_logging
from core.models import Account, ContextPost, Item
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.sync.engine import (
    Analyze,
    ApplyRules,
    CredentialsLookup,
    ProgressCallback,
    ScoreOwn,
    SyncEngine,
    SyncRunner,
)

if TYPE_CHECKING:
    # Types only: a sync worker process imports this module, and pydantic (behind the config)
    # is a quarter of a second it need not spend when no ingest rules are configured.
    from core.config import RuleConfig
    from core.sync.processes import ProcessSync
    from core.workspace import Workspace

__all__ = [
    "SyncSettings",
    "build_engine",
    "build_sync",
    "configure_logging",
    "engine_for",
    "load_analyzer",
    "make_analyze",
    "make_rules",
    "make_score_own",
    "process_sync",
]


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """The workspace's settings that shape a sync: tone sensitivity and watch words, ingest
    rules, how far back a first sync reaches."""

    sensitivity: str = "normal"
    watch_words: tuple[str, ...] = ()
    rules: tuple[RuleConfig, ...] = ()
    backfill_days: int = 90

    @classmethod
    def of(cls, workspace: Workspace) -> SyncSettings:
        config = workspace.config
        return cls(
            sensitivity=config.tone.sensitivity,
            watch_words=tuple(config.tone.watch_words),
            rules=tuple(config.rules),
            backfill_days=config.general.backfill_days,
        )


def tone_analyzer(workspace: Workspace, corrections: Sequence[StoredCorrection] = ()) -> Any:
    """The analyser as the user tuned it: sensitivity, watch words, and their corrections."""
    return analyzer_for(SyncSettings.of(workspace), corrections)


def analyzer_for(settings: SyncSettings, corrections: Sequence[StoredCorrection] = ()) -> Any:
    from core.analysis import Correction, ToneAnalyzer

    return ToneAnalyzer(
        sensitivity=settings.sensitivity,
        watch_words=list(settings.watch_words),
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
    ruleset = _ruleset(workspace.config.rules)
    return ruleset.apply if ruleset is not None else None


def _ruleset(rules: Sequence[RuleConfig]) -> Any:
    if not rules:
        return None
    from core.rules import compile_rules

    return compile_rules(list(rules))


def build_engine(
    workspace: Workspace,
    store: Store,
    *,
    on_progress: ProgressCallback | None = None,
    analyzer: Any = None,
    **overrides: Any,
) -> SyncEngine:
    """`analyzer`: one loaded with the user's corrections (see load_analyzer)."""
    return engine_for(
        SyncSettings.of(workspace),
        store,
        workspace.secrets.load,
        on_progress=on_progress,
        analyzer=analyzer,
        **overrides,
    )


def engine_for(
    settings: SyncSettings,
    store: Store,
    credentials: CredentialsLookup,
    *,
    on_progress: ProgressCallback | None = None,
    analyzer: Any = None,
    **overrides: Any,
) -> SyncEngine:
    ruleset = _ruleset(settings.rules)
    tone = analyzer or analyzer_for(settings)
    options: dict[str, Any] = {
        "analyze": make_analyze(tone, store),
        "score_own": make_score_own(tone),
        "apply_rules": ruleset.apply if ruleset is not None else None,
        # `person` rules learn who is linked to whom at the start of each run.
        "prepare": ruleset.load_persons if ruleset is not None and ruleset.needs_persons else None,
        "horizon": timedelta(days=settings.backfill_days),
        "on_progress": on_progress,
    }
    options.update(overrides)
    return SyncEngine(store, credentials, **options)


async def build_sync(
    workspace: Workspace,
    store: Store,
    accounts: Sequence[Account],
    *,
    on_progress: ProgressCallback | None = None,
) -> SyncRunner:
    """What `rapport sync` runs: with several accounts and cores, a `ProcessSync` that spreads
    the accounts over worker processes (`[general] sync_workers`); otherwise an engine in this
    process. Both have run, stop, wait_stopped, stopping and aclose."""
    from core.sync.processes import default_workers

    wanted = workspace.config.general.sync_workers or default_workers()
    workers = min(wanted, len(accounts))
    if workers < 2:
        analyzer = await load_analyzer(workspace, store)
        return build_engine(workspace, store, on_progress=on_progress, analyzer=analyzer)
    return process_sync(workspace, workers, on_progress=on_progress)


def process_sync(
    workspace: Workspace, workers: int, *, on_progress: ProgressCallback | None = None
) -> ProcessSync:
    """A sync spreading the accounts over up to `workers` worker processes."""
    from core.sync.processes import ProcessSync
    from core.sync.worker import WorkerRecipe

    recipe = WorkerRecipe(
        str(workspace.paths.database),
        SyncSettings.of(workspace),
        log_level=logging.getLogger(LOGGER).getEffectiveLevel(),
    )
    return ProcessSync(recipe, workspace.secrets.load, workers=workers, on_progress=on_progress)
