"""How `rapport sync` deals accounts to its worker processes: a run lasts as long as its
busiest worker, so the expected costs are spread evenly."""

from __future__ import annotations

from core.models import Account
from core.sync.shares import deal


def account(name: str, platform: str) -> Account:
    return Account(name, platform, f"https://{platform}.example")


def names(shares: list[list[Account]]) -> list[list[str]]:
    return [[a.name for a in share] for share in shares]


GITHUB, MASTODON = account("gh", "github"), account("masto", "mastodon")
BLUESKY, REDDIT = account("sky", "bluesky"), account("red", "reddit")


def test_a_first_run_pairs_the_costliest_platform_with_the_cheapest() -> None:
    # Dealt in turn, GitHub (a thread read per notification) and Bluesky shared a worker,
    # which then ran ~25% longer than the other.
    shares = deal([MASTODON, BLUESKY, REDDIT, GITHUB], 2)
    assert sorted(names(shares)) == [["masto", "sky"], ["red", "gh"]]


def test_last_run_times_decide_once_known() -> None:
    seconds = {"gh": 1.0, "masto": 9.0, "sky": 8.0, "red": 2.0}
    shares = deal([MASTODON, BLUESKY, REDDIT, GITHUB], 2, seconds)
    assert sorted(names(shares)) == [["masto", "gh"], ["sky", "red"]]


def test_an_account_without_a_time_costs_its_platform_weight_times_the_typical_time() -> None:
    # The others took 10 s each: a new GitHub account is expected to take 13 s, the most.
    seconds = {"masto": 10.0, "sky": 10.0, "red": 10.0}
    shares = deal([MASTODON, BLUESKY, REDDIT, GITHUB], 3, seconds)
    assert ["gh"] in names(shares)  # alone: the two others share a worker
    assert sorted(len(share) for share in shares) == [1, 1, 2]


def test_every_account_is_dealt_once_and_each_share_keeps_the_given_order() -> None:
    accounts = [account(f"a{n}", ["github", "mastodon", "reddit"][n % 3]) for n in range(11)]
    shares = deal(accounts, 4)
    assert len(shares) == 4
    dealt = [a.name for share in shares for a in share]
    assert sorted(dealt) == sorted(a.name for a in accounts)
    order = [a.name for a in accounts]
    for share in names(shares):
        assert share == sorted(share, key=order.index)


def test_never_more_shares_than_accounts_nor_fewer_than_one() -> None:
    assert names(deal([GITHUB, REDDIT], 8)) == [["gh"], ["red"]]
    assert names(deal([GITHUB, REDDIT, MASTODON], 1)) == [["gh", "red", "masto"]]
    assert deal([], 2) == []
