"""Running a demo workspace: start the fakes, tell them the story, point the accounts at
them, and sync through the real engine. Used by `rapport demo`, and by `rapport` and
`rapport sync` when they open a workspace that `rapport demo --home` made earlier."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from core.config import DemoConfig, set_account_url, set_top_level
from core.demo.scenario import Story, tell_story
from core.errors import UsageError
from core.fakes.harness import FakeFleet
from core.sync.progress import AccountProgress, SyncSummary
from core.workspace import Workspace

DEFAULT_ITEMS = 600
DEFAULT_SEED = 7


def new_demo_config(items: int | None, seed: int = DEFAULT_SEED) -> DemoConfig:
    return DemoConfig(seed=seed, items=items or DEFAULT_ITEMS, anchor=round(time.time(), 3))


def adopt(workspace: Workspace, demo: DemoConfig) -> None:
    """Make an empty workspace a demo one (secrets in a file: the tokens are the fakes')."""
    if workspace.config.accounts and workspace.config.demo is None:
        raise UsageError(
            f"{workspace.paths.config_dir.parent} already holds a real workspace: "
            "give `rapport demo --home` an empty folder"
        )
    workspace.paths.ensure()
    set_top_level(workspace.paths, "secrets_backend", "file")
    set_top_level(workspace.paths, "demo", demo.model_dump())
    workspace.reload()


class StoryClock:
    """Stands still at the story's anchor while the story is told (so every id the fakes
    derive from their clock is the same each time), then follows real time."""

    def __init__(self, anchor: float) -> None:
        self.anchor = anchor
        self.telling = True

    def time(self) -> float:
        return self.anchor if self.telling else max(self.anchor, time.time())


@contextmanager
def demo_fleet(workspace: Workspace) -> Iterator[Story]:
    """The fakes serving this demo workspace's story while the block runs."""
    demo = workspace.config.demo
    if demo is None:
        raise UsageError("this is not a demo workspace")
    clock = StoryClock(demo.anchor)
    with FakeFleet.start(clock=clock.time) as fleet:
        story = tell_story(fleet.fakes, items=demo.items, anchor=demo.anchor, seed=demo.seed)
        clock.telling = False
        _point_accounts(workspace, fleet)
        yield story


def _point_accounts(workspace: Workspace, fleet: FakeFleet) -> None:
    configured = {a.name for a in workspace.config.accounts}
    wanted = {fleet.account_name(p) for p in fleet.fakes}
    if not wanted <= configured:
        fleet.configure(workspace.paths, workspace.secrets)
    else:
        for platform in fleet.fakes:
            set_account_url(workspace.paths, fleet.account_name(platform), fleet.url(platform))
    workspace.reload()


async def sync_demo(
    workspace: Workspace, on_progress: Callable[[AccountProgress], None] | None = None
) -> SyncSummary:
    from core.sync.setup import build_engine

    store = await workspace.open_store()
    engine = build_engine(workspace, store, on_progress=on_progress)
    try:
        return await engine.run(workspace.accounts())
    finally:
        await engine.aclose()
        await store.close()
