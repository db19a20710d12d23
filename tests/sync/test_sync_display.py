"""How `rapport sync` draws progress: rows rewritten in place on a terminal, plain lines in a
log, nothing with --quiet unless something failed; platform text never becomes escape codes."""

from __future__ import annotations

import io

from core.cli.sync_display import FailuresDisplay, LiveDisplay, PlainDisplay
from core.sync.progress import AccountProgress, Phase, SyncSummary


def progress(name: str, phase: Phase, new: int = 0, error: str = "") -> AccountProgress:
    return AccountProgress(account=name, platform="mastodon", phase=phase, new=new, error=error)


def test_the_live_display_rewrites_one_row_per_account_in_place() -> None:
    stream = io.StringIO()
    live = LiveDisplay(stream)
    live.update(progress("home", Phase.SYNCING, 3))
    live.update(progress("work", Phase.OK, 7))
    home = progress("home", Phase.OK, 12)
    live.finish(SyncSummary([home, progress("work", Phase.OK, 7)], duration=1.5))
    text = stream.getvalue()
    *_, final = text.split("\x1b[2F")  # the cursor went back up over both rows
    rows = final.split("\n")
    assert rows[0] == "\x1b[2Khome             ok            12 new"
    assert rows[1] == "\x1b[2Kwork             ok            7 new"
    assert rows[2] == "synced 2 account(s) in 1.5 s: 19 new, 0 replies sent"


def test_an_error_from_a_platform_is_shown_as_text_not_escape_codes() -> None:
    stream = io.StringIO()
    PlainDisplay(stream).update(
        progress("home", Phase.FAILED, error="bad \x1b[31mred\x1b[0m\x07 answer")
    )
    line = stream.getvalue()
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "home" in line
    assert "failed" in line
    assert "answer" in line


def test_quiet_shows_only_failures() -> None:
    stream = io.StringIO()
    quiet = FailuresDisplay(stream)
    quiet.update(progress("home", Phase.SYNCING))
    quiet.finish(SyncSummary([progress("home", Phase.OK, 4)]))
    assert stream.getvalue() == ""
    quiet.finish(
        SyncSummary(
            [progress("home", Phase.OK, 4), progress("work", Phase.FAILED, error="HTTP 503")]
        )
    )
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("work")
    assert lines[0].endswith("failed        0 new: HTTP 503")
    assert lines[1].endswith("FAILED: work")
