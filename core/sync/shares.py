"""Which worker process syncs which accounts (see core.sync.processes).

The run lasts as long as its busiest worker, so the accounts are dealt by their expected cost,
the costliest first, each to the worker with the least work so far (longest processing time
first). The cost of an account is how long its last run in this process took; before it has
one, its platform's weight: the CPU a synced item costs there, relative to Mastodon, measured
by `python -m bench sync` (a GitHub notification needs its thread read, one to three more
requests; a Reddit listing brings the comments whole). Dealt in turn instead, two GitHub
accounts could land on one worker while another finished early.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.models import Account

PLATFORM_WEIGHT: Mapping[str, float] = {
    "github": 1.3,
    "mastodon": 1.0,
    "bluesky": 0.95,
    "reddit": 0.72,
}


def deal(
    accounts: Sequence[Account], workers: int, seconds: Mapping[str, float] | None = None
) -> list[list[Account]]:
    """The accounts in at most `workers` shares of about equal expected cost, each share in the
    order the accounts were given. `seconds`: how long each account's last run took, where
    known; the others are costed as their platform's weight times the typical known time."""
    seconds = seconds or {}
    known = [seconds[a.name] for a in accounts if a.name in seconds]
    typical = sum(known) / len(known) if known else 1.0

    def cost(account: Account) -> float:
        if account.name in seconds:
            return seconds[account.name]
        return PLATFORM_WEIGHT.get(account.platform, 1.0) * typical

    count = max(1, min(workers, len(accounts)))
    shares: list[list[Account]] = [[] for _ in range(count)]
    loads = [0.0] * count
    # sorted() is stable: among equal costs, the order given decides.
    for account in sorted(accounts, key=cost, reverse=True):
        lightest = loads.index(min(loads))
        shares[lightest].append(account)
        loads[lightest] += cost(account)
    position = {account.name: n for n, account in enumerate(accounts)}
    return [sorted(share, key=lambda a: position[a.name]) for share in shares if share]
