"""Parsing speed of the Reddit and GitHub connectors: platform JSON to core Items, one core.

The input is what the local fakes serve (shaped like the recorded answers in
../shared/fixtures): Reddit inbox children, GitHub notifications with their issue and review
comments and opening posts. Parsing includes the Markdown-to-text conversion. The JSON is built
before the clock starts; only the connectors' parsing is timed.

A second row per platform times a whole first-sync pass of the connector over the fakes'
answers, recorded once and replayed (as `bench sync` replays them): the HTTP handling a sync
pays per request comes on top of the parsing. GitHub makes two requests per thread, so there
it costs more than the parsing. No target: it is one part of the sync benchmark's figure.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from datetime import timedelta
from typing import Any

from bench.bench_sync import Recorded, Recorder, Replayer, populate_one
from bench.common import Row, rate
from core.clock import FakeClock
from core.connectors.github import Thread, comment_to_item, opening_to_item, parse_notification
from core.connectors.reddit import parse_thing
from core.connectors.registry import connector_class
from core.fakes.github import GitHubFake
from core.fakes.harness import credentials_for, make_fake
from core.fakes.reddit import RedditFake
from core.http_client import make_client
from core.models import Account
from core.secrets import Credentials

ITEMS = 10_000
TARGET = "> 20000"
START = 1_750_000_000.0


def run(quick: bool) -> list[Row]:
    count = 2_000 if quick else ITEMS
    passes = 1_000 if quick else 5_000
    return [
        _reddit(count),
        _github(count),
        replayed_pass("reddit", passes),
        replayed_pass("github", passes),
    ]


def _reddit(count: int) -> Row:
    fake = RedditFake(clock=lambda: START)
    fake.populate(count, start=START)
    children = fake.inbox_children()
    seconds = _best(lambda: [parse_thing(child, "bench") for child in children])
    return Row("parse reddit inbox items", rate(len(children), seconds), "items/s", TARGET)


def _github(count: int) -> Row:
    fake = GitHubFake(clock=lambda: START)
    per_thread = 4
    fake.populate(count // (per_thread + 1), per_thread, start=START)
    notifications = fake.notifications_json()
    issues: dict[tuple[str, int], Any] = {}
    comments: dict[tuple[str, int], list[Any]] = {}
    for key in fake.issues:
        issues[key] = fake._issue_json(*key, "https://api.github.com")
        comments[key] = fake.comments_json(*key) + fake.comments_json(*key, kind="review")
    me = fake.login

    def parse_all() -> int:
        made = 0
        for raw in notifications:
            thread = parse_notification(raw)
            if not isinstance(thread, Thread):
                continue
            key = (thread.repo, thread.number)
            opening_to_item(issues[key], thread, "bench", me)
            made += 1
            for comment in comments[key]:
                kind = "review" if "pull_request_review_id" in comment else "issue"
                comment_to_item(comment, thread, "bench", me, kind)
                made += 1
        return made

    made = parse_all()
    seconds = _best(parse_all)
    return Row("parse github comments", rate(made, seconds), "items/s", TARGET)


def _best(work: Any, rounds: int = 3) -> float:
    """The fastest of a few rounds (the others measured noise, not the parser)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def replayed_pass(platform: str, count: int) -> Row:
    """Items per second of one connector's first sync, every stream, over replayed answers
    (fakes populated as `bench sync` populates them, `count` items per platform)."""
    fake = make_fake(platform)
    populate_one(platform, fake, count)
    credentials = Credentials(credentials_for(fake))
    tape: Recorded = defaultdict(deque)
    items = asyncio.run(_pass(platform, credentials, Recorder(fake.transport(), tape)))
    best = float("inf")
    for _ in range(3):
        replayer = Replayer({key: deque(answers) for key, answers in tape.items()})
        start = time.perf_counter()
        replayed = asyncio.run(_pass(platform, credentials, replayer))
        best = min(best, time.perf_counter() - start)
        assert replayed == items, f"{platform}: replayed {replayed} of {items} items"
    name = f"{platform}: first sync pass, replayed HTTP answers (handling + parsing)"
    return Row(name, rate(items, best), "items/s")


async def _pass(platform: str, credentials: Credentials, transport: Any) -> int:
    account = Account(f"bench-{platform}", platform, f"https://{platform}.example")
    # The sync engine's horizon (90 days) on the clock `bench sync` runs it with.
    horizon = FakeClock(start=1_795_000_000.0).now() - timedelta(days=90)
    async with make_client(transport) as client:
        connector = connector_class(platform)(account, credentials, client)
        items = 0
        for stream in connector.streams:
            async for page in connector.fetch(stream, None, horizon):
                items += len(page.items)
    return items
