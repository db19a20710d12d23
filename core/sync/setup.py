"""Building a sync engine for a workspace: the same wiring for `rapport sync` and the app."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Sequence
from typing import Any

from core.models import Item
from core.store.repository import Store
from core.store.tone_sql import StoredCorrection
from core.sync.engine import Analyze, ApplyRules, ProgressCallback, SyncEngine
from core.workspace import Workspace


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
    if not workspace.config.rules:
        return None
    from core.rules import compile_rules

    return compile_rules(workspace.config.rules).apply


def build_engine(
    workspace: Workspace,
    store: Store,
    *,
    on_progress: ProgressCallback | None = None,
    analyzer: Any = None,
    **overrides: Any,
) -> SyncEngine:
    """`analyzer`: one loaded with the user's corrections (see load_analyzer)."""
    options: dict[str, Any] = {
        "analyze": make_analyze(analyzer or tone_analyzer(workspace)),
        "apply_rules": make_rules(workspace),
        "horizon": _horizon(workspace),
        "on_progress": on_progress,
    }
    options.update(overrides)
    return SyncEngine(store, workspace.secrets.load, **options)


def _horizon(workspace: Workspace) -> Any:
    from datetime import timedelta

    return timedelta(days=workspace.config.general.backfill_days)


def configure_logging(workspace: Workspace, verbose: bool) -> None:
    """A rotating log file under the data folder; -v copies the lines to stderr."""
    workspace.paths.log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("rapport")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            workspace.paths.log_dir / "rapport.log", maxBytes=1_000_000, backupCount=3
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        root.addHandler(handler)
    if verbose and not any(type(h) is logging.StreamHandler for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
