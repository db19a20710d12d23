"""Parsing speed of the Reddit and GitHub connectors: platform JSON to core Items, one core.

The input is what the local fakes serve (shaped like the recorded answers in
../shared/fixtures): Reddit inbox children, GitHub notifications with their issue and review
comments and opening posts. Parsing includes the Markdown-to-text conversion. The JSON is built
before the clock starts; only the connectors' parsing is timed.
"""

from __future__ import annotations

import time
from typing import Any

from bench.common import Row, rate
from core.connectors.github import Thread, comment_to_item, opening_to_item, parse_notification
from core.connectors.reddit import parse_thing
from core.fakes.github import GitHubFake
from core.fakes.reddit import RedditFake

ITEMS = 10_000
TARGET = "> 20000"
START = 1_750_000_000.0


def run(quick: bool) -> list[Row]:
    count = 2_000 if quick else ITEMS
    return [_reddit(count), _github(count)]


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
