"""Building a sync engine for a workspace: the same wiring for `rapport sync` and the app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.logging_setup import configure_logging
from core.models import Item
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.sync.engine import Analyze, ApplyRules, ProgressCallback, SyncEngine
from core.workspace import Workspace

__all__ = ["build_engine", "configure_logging", "load_analyzer", "make_analyze", "make_rules"]


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


def make_analyze(analyzer: Any) -> Analyze:
    """An inline `Analyze` over a ready analyser (tests, benchmarks)."""

    def analyze(items: Sequence[Item]) -> None:
        verdicts = analyzer.check_many([item.text for item in items], role="incoming")
        for item, verdict in zip(items, verdicts, strict=True):
            item.tone = verdict.to_tone()

    return analyze


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
    options: dict[str, Any] = {
        "analyze": make_analyze(analyzer or tone_analyzer(workspace)),
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
