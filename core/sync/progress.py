"""What a sync reports while it runs and when it ends (per account), for the CLI and the app."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from core.secrets import redact
from core.timeutil import to_iso


class Phase(enum.StrEnum):
    WAITING = "waiting"
    SYNCING = "syncing"
    RATE_LIMITED = "rate-limited"
    RETRYING = "retrying"
    SENDING = "sending"
    OK = "ok"
    FAILED = "failed"


@dataclass(slots=True)
class AccountProgress:
    account: str
    platform: str
    phase: Phase = Phase.WAITING
    pages: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    sent: int = 0
    send_failed: int = 0
    marked_read: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    #: While rate-limited: until when (epoch seconds).
    wait_until: float | None = None
    error: str = ""
    duration: float = 0.0
    new_item_ids: list[int] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.phase is Phase.FAILED

    def log_line(self) -> str:
        """One line for the log file: everything this account's run did."""
        line = (
            f"{self.account} ({self.platform}): {self.phase.value}: {self.new} new, "
            f"{self.updated} updated, {self.skipped} skipped, {_n(self.sent, 'reply', 'replies')} "
            f"sent, {self.send_failed} not sent, {self.marked_read} marked read, "
            f"{_n(self.pages, 'page')}, {_n(self.rate_limit_waits, 'rate-limit wait')} "
            f"({self.waited_seconds:.0f} s), {self.duration:.1f} s"
        )
        return line + (f"; error: {self.error}" if self.error else "")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["phase"] = self.phase.value
        data["error"] = redact(self.error)
        data["wait_until"] = to_iso_epoch(self.wait_until) if self.wait_until is not None else None
        data.pop("new_item_ids")
        data["duration"] = round(self.duration, 3)
        data["waited_seconds"] = round(self.waited_seconds, 3)
        return data


def _n(number: int, singular: str, plural: str | None = None) -> str:
    """'1 reply', '2 replies' (for the log lines)."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def to_iso_epoch(seconds: float) -> str:
    from core.timeutil import from_epoch

    return to_iso(from_epoch(seconds))


@dataclass(slots=True)
class SyncSummary:
    accounts: list[AccountProgress]
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(a.failed for a in self.accounts)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def total(self, field_name: str) -> int:
        return sum(int(getattr(a, field_name)) for a in self.accounts)

    def log_lines(self) -> list[str]:
        """What the log file says about a finished run: a line per account, then the totals."""
        failed = [a.account for a in self.accounts if a.failed]
        end = (
            f"sync finished in {self.duration:.1f} s: {_n(len(self.accounts), 'account')}, "
            f"{self.total('new')} new, {_n(self.total('sent'), 'reply', 'replies')} sent, "
            f"{len(failed)} failed"
        )
        if failed:
            end += f" ({', '.join(failed)})"
        return [*(a.log_line() for a in self.accounts), end]

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "duration": round(self.duration, 3),
            "new": self.total("new"),
            "updated": self.total("updated"),
            "skipped": self.total("skipped"),
            "sent": self.total("sent"),
            "accounts": [a.to_json() for a in self.accounts],
        }
