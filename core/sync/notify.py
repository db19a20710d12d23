"""What `rapport sync --watch` tells the user about: new items that are flagged or owed a reply.

After each round, the items that round stored for the first time are counted:

- *flagged*: still open (state `new`, so not finished, snoozed or muted by a rule or a muted
  thread) and judged a likely conflict by the tone check;
- *owed*: still open, addressed to the user directly (a mention, reply, comment, quote, direct
  message or review comment: core.query.DIRECT_KINDS, questions among them) and not already
  answered (by a reply the user made on the platform) — the ledger's notion of owed
  (`is:owed`, core.query.owed_sql) without its age: such an item becomes `is:owed` once it has
  waited longer than `target_response`.

When either count is above zero the configured `notify_command` runs, with the counts in its
environment: RAPPORT_NEW_ITEMS, RAPPORT_NEW_FLAGGED, RAPPORT_NEW_OWED.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.query import QueryContext, owed_sql
from core.store.repository import Store

log = logging.getLogger("rapport.sync.notify")

#: How long the notify command may run before it is stopped.
TIMEOUT = 30.0
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Attention:
    new: int
    flagged: int
    owed: int

    @property
    def worth_telling(self) -> bool:
        return bool(self.flagged or self.owed)

    def environment(self) -> dict[str, str]:
        return {
            "RAPPORT_NEW_ITEMS": str(self.new),
            "RAPPORT_NEW_FLAGGED": str(self.flagged),
            "RAPPORT_NEW_OWED": str(self.owed),
        }


async def new_attention(store: Store, item_ids: Sequence[int], now: datetime) -> Attention:
    """Count the flagged and the owed among these newly stored items (see the module)."""
    # owed_sql with no waiting time: addressed, open, there, and answered by nobody yet.
    # (A day of slack, so an item stamped a little ahead of our clock still counts.)
    owed_where, owed_params = owed_sql(
        QueryContext(now=now + timedelta(days=1), target_response=timedelta(0))
    )
    flagged = owed = 0
    for start in range(0, len(item_ids), _CHUNK):
        chunk = list(item_ids[start : start + _CHUNK])
        among = f"items.id IN ({','.join('?' * len(chunk))})"
        flagged += await store.count_items(
            f"{among} AND items.state = 'new' AND items.conflict = 1 AND items.deleted_at IS NULL",
            chunk,
        )
        owed += await store.count_items(f"{among} AND {owed_where}", [*chunk, *owed_params])
    return Attention(new=len(item_ids), flagged=flagged, owed=owed)


async def run_notify(command: str, attention: Attention) -> str | None:
    """Run `command` (split like a shell line, not run by a shell) with the counts in its
    environment; its output goes to stderr, never into `--json` on stdout. Returns what went
    wrong, or None."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        return f"notify_command cannot be read: {exc}"
    if not argv:
        return None
    env = {**os.environ, **attention.environment()}
    log.info(
        "running notify_command: %d new, %d flagged, %d owed",
        attention.new,
        attention.flagged,
        attention.owed,
    )
    try:
        process = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=2
        )
    except OSError as exc:
        return f"notify_command could not start: {exc}"
    try:
        code = await asyncio.wait_for(process.wait(), timeout=TIMEOUT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return f"notify_command was stopped after {TIMEOUT:.0f} s"
    if code != 0:
        return f"notify_command exited with status {code}"
    return None
