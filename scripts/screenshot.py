"""Render the README's screenshots from the app itself, on a freshly built demo workspace.

    python -m scripts.screenshot [OUT_DIR]      (default: docs/)

Writes inbox.svg (the inbox on a flagged message, with its reasons and the author's consistency
line) and composer.svg (a draft the tone check stops). The clock is pinned to the demo's anchor,
so ages read the same however long after the build the picture is taken.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from core.cli.main import run
from core.clock import FakeClock
from core.demo.runtime import demo_fleet
from core.workspace import Workspace

SIZE = (150, 38)
DRAFT = "Honestly, did you even read the docs? Just google it."


def _no_app(workspace: object) -> int:
    return 0


async def _shoot(workspace: Workspace, out: Path) -> None:
    from tui.app import RapportApp

    assert workspace.config.demo is not None
    clock = FakeClock(workspace.config.demo.anchor + 60)
    app = RapportApp(workspace, clock=clock, background_sync=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("N")  # the next message flagged as a likely conflict
        await pilot.pause(0.5)  # the preview's consistency line is read in a worker
        app.save_screenshot(filename="inbox.svg", path=str(out))
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*DRAFT)
        await pilot.pause(1.0)  # the tone meter re-checks after the typing pauses
        app.save_screenshot(filename="composer.svg", path=str(out))
        await pilot.press("ctrl+g")


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        code = run(["demo", "--home", home, "--no-open"], open_app=_no_app)
        if code:
            return code
        workspace = Workspace.load(home)
        with demo_fleet(workspace):  # the fakes answer, so the preview shows thread context
            asyncio.run(_shoot(workspace, out))
    print(f"wrote {out / 'inbox.svg'} and {out / 'composer.svg'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
