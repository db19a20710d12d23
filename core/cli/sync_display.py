"""How `rapport sync` shows progress: a live table on a terminal, plain lines in a log."""

from __future__ import annotations

import time
from typing import TextIO

from core.markup.clean import clean_text
from core.secrets import redact
from core.sync.progress import AccountProgress, Phase, SyncSummary

#: What each built-in connector passes over, so "10 skipped" is not a mystery. (The reasons
#: are counted per page by the connectors; the progress carries only the total.)
SKIPPED_WHY = {
    "github": "not conversations (CI runs, releases, state changes) or no longer there",
    "mastodon": "not mentions or quotes (follows, favourites, boosts) or no longer there",
    "bluesky": "not replies, mentions or quotes (likes, reposts, follows)",
    "reddit": "not comments or private messages",
}


def skipped_note(progress: AccountProgress) -> str:
    """e.g. "10 skipped: not conversations (CI runs, releases, state changes) ..."."""
    why = SKIPPED_WHY.get(progress.platform, "not conversations")
    return f"{progress.skipped} skipped: {why}"


def describe(progress: AccountProgress, now: float | None = None) -> str:
    parts = [f"{progress.new} new"]
    if progress.updated:
        parts.append(f"{progress.updated} updated")
    if progress.skipped:
        parts.append(skipped_note(progress))
    if progress.sent or progress.send_failed:
        parts.append(f"{progress.sent} sent")
    if progress.send_failed:
        parts.append(f"{progress.send_failed} not sent")
    text = f"{progress.account:<16} {progress.phase.value:<13} " + ", ".join(parts)
    if progress.phase is Phase.RATE_LIMITED and progress.wait_until is not None:
        left = progress.wait_until - (now if now is not None else time.time())
        text += f" (waiting {max(0.0, left):.0f} s)"
    if progress.error:
        text += f": {clean_text(redact(progress.error))}"
    return text


class QuietDisplay:
    def update(self, progress: AccountProgress) -> None:
        pass

    def finish(self, summary: SyncSummary) -> None:
        pass


class FailuresDisplay:
    """--quiet: nothing while it runs nor when all went well; the failed accounts, with why,
    and the summary line when something failed (so cron mails only about problems)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def update(self, progress: AccountProgress) -> None:
        pass

    def finish(self, summary: SyncSummary) -> None:
        if summary.ok:
            return
        for progress in summary.accounts:
            if progress.failed:
                self.stream.write(describe(progress) + "\n")
        self.stream.write(_summary_line(summary) + "\n")
        self.stream.flush()


class PlainDisplay:
    """One line per phase change: fit for cron mail and journald."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last: dict[str, Phase] = {}

    def update(self, progress: AccountProgress) -> None:
        if self._last.get(progress.account) is progress.phase:
            return
        self._last[progress.account] = progress.phase
        if progress.phase in (Phase.SYNCING, Phase.OK, Phase.FAILED, Phase.RATE_LIMITED):
            self.stream.write(describe(progress) + "\n")
            self.stream.flush()

    def finish(self, summary: SyncSummary) -> None:
        self.stream.write(_summary_line(summary) + "\n")
        self.stream.flush()


class LiveDisplay:
    """A line per account, rewritten in place as the sync moves."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._rows: dict[str, AccountProgress] = {}
        self._drawn = 0
        self._last_draw = 0.0

    def update(self, progress: AccountProgress) -> None:
        self._rows[progress.account] = progress
        now = time.monotonic()
        if now - self._last_draw < 0.05 and progress.phase not in (Phase.OK, Phase.FAILED):
            return
        self._last_draw = now
        self._draw()

    def _draw(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F")
        for progress in self._rows.values():
            self.stream.write("\x1b[2K" + describe(progress) + "\n")
        self._drawn = len(self._rows)
        self.stream.flush()

    def finish(self, summary: SyncSummary) -> None:
        for progress in summary.accounts:
            self._rows[progress.account] = progress
        self._draw()
        self.stream.write(_summary_line(summary) + "\n")
        self.stream.flush()
        self._rows.clear()
        self._drawn = 0


def _summary_line(summary: SyncSummary) -> str:
    failed = [a.account for a in summary.accounts if a.failed]
    accounts = len(summary.accounts)
    sent = summary.total("sent")
    line = (
        f"synced {accounts} account{'' if accounts == 1 else 's'} in {summary.duration:.1f} s: "
        f"{summary.total('new')} new, {sent} {'reply' if sent == 1 else 'replies'} sent"
    )
    if failed:
        line += f"; FAILED: {', '.join(failed)}"
    return line
