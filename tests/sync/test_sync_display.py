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
    assert rows[2] == "synced 2 accounts in 1.5 s: 19 new, 0 replies sent"


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


def test_skipped_counts_say_why_and_counts_are_pluralised() -> None:
    stream = io.StringIO()
    github = AccountProgress(account="gh", platform="github", phase=Phase.OK, new=140, skipped=10)
    one = AccountProgress(account="home", platform="mastodon", phase=Phase.OK, new=1, sent=1)
    display = PlainDisplay(stream)
    display.update(github)
    display.update(one)
    display.finish(SyncSummary([one], duration=0.5))
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith(
        "140 new, 10 skipped: not conversations (CI runs, releases, state changes) or no "
        "longer there"
    )
    assert lines[-1] == "synced 1 account in 0.5 s: 1 new, 1 reply sent"
    assert "1 reply sent" in one.log_line()
    assert "1 page," not in one.log_line()  # no pages were read
    assert "0 pages" in one.log_line()
