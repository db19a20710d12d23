"""A deterministic story told to the platform fakes: weeks of mentions, replies, questions,
praise, heated threads and the user's own answers, across four platforms.

Everything goes in through each fake's own builder (the fakes then serve it through the real
APIs), in time order, so the demo workspace is filled by the real connectors and sync engine.
The same seed and anchor time always produce the same platform ids, so a demo workspace can be
reopened later against freshly started fakes without duplicating anything.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.demo.cast import Person, make_cast
from core.demo.lines import (
    ANSWERS,
    FEATURES,
    FOLLOW_UPS,
    HEATED,
    LINES,
    PR_TITLES,
    SUBREDDITS,
    VERSIONS,
    fill,
)
from core.fakes.base import FakePlatform
from core.fakes.bluesky import BlueskyFake
from core.fakes.github import GitHubFake
from core.fakes.mastodon import MastodonFake
from core.fakes.reddit import RedditFake

DAY = 86_400.0
SPAN_DAYS = 42
REPOS = ("lumen-dev/lumen", "lumen-dev/lumen-docs", "lumen-dev/lumen-plugins")
INSTANCES = ("fosstodon.org", "hachyderm.io", "mastodon.social", "mastodon.example")
#: role -> (chance the user answered, median answer delay in hours, style of answer)
ANSWERING = {
    "fan": (0.75, 3.0, "warm"),
    "regular": (0.6, 6.0, "helpful"),
    "newcomer": (0.55, 4.0, "helpful"),
    "colleague": (0.9, 0.7, "colleague"),
    "critic": (0.35, 20.0, "calm"),
    "troll": (0.03, 30.0, "calm"),
}

Ref = Any
Event = tuple[float, int, Callable[[], None]]


@dataclass
class Story:
    """What was told, for tests and the demo's summary."""

    incoming: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    heated_threads: int = 0
    people: int = 0
    linked_people: int = 0


class Teller:
    """Builds the event timeline and plays it into the fakes."""

    def __init__(self, fakes: dict[str, FakePlatform], anchor: float, seed: int) -> None:
        self.fakes = fakes
        self.anchor = anchor
        self.rng = random.Random(seed)
        self.events: list[Event] = []
        self.refs: dict[str, Ref] = {}
        self.story = Story()
        self.adapters: dict[str, PlatformAdapter] = {
            name: ADAPTERS[name](fake, self.rng) for name, fake in fakes.items()
        }

    def tell(self, items: int) -> Story:
        cast = make_cast(max(60, min(items // 2, 5000)), self.rng)
        cast = [p for p in cast if any(pl in self.adapters for pl in p.handles)]
        self.story.people = len(cast)
        self.story.linked_people = sum(1 for p in cast if len(p.handles) > 1)
        start = self.anchor - SPAN_DAYS * DAY
        for adapter in self.adapters.values():
            adapter.setup(start)
        for person in cast:
            for platform, handle in person.handles.items():
                if platform in self.adapters:
                    self.adapters[platform].register(person, handle)
        for _ in range(items):
            self._message(self.rng.choice(cast))
        for number, lines in enumerate(HEATED * 2):
            critics = [p for p in cast if p.role == "critic"] or cast
            self._heated(number, self.rng.choice(critics), lines)
        self.events.sort(key=lambda event: (event[0], event[1]))
        for _, _, action in self.events:
            action()
        return self.story

    # ---- one message and maybe its answer ----------------------------------------------------

    def _when(self) -> float:
        # Recent days are busier, as they are for anyone with a growing audience.
        return float(self.anchor - SPAN_DAYS * DAY * (self.rng.random() ** 1.6) - 60)

    def _message(self, person: Person) -> None:
        platform = self.rng.choice([p for p in person.handles if p in self.adapters])
        at = self._when()
        feature, version = self.rng.choice(FEATURES), self.rng.choice(VERSIONS)
        text = fill(self.rng.choice(LINES[person.role]), feature, version)
        key = f"m{len(self.events)}"
        adapter = self.adapters[platform]

        def arrive() -> None:
            self.refs[key] = adapter.incoming(person, text, at)

        self._at(at, arrive)
        self.story.incoming[platform] = self.story.incoming.get(platform, 0) + 1
        chance, median_hours, style = ANSWERING[person.role]
        if self.rng.random() >= chance:
            return
        answered_at = at + self.rng.lognormvariate(0, 0.9) * median_hours * 3600
        if answered_at >= self.anchor:
            return  # not yet: these are the owed ones
        answer = fill(self.rng.choice(ANSWERS[style]), feature, version)
        self.story.answered += 1
        self._at(answered_at, lambda: adapter.answer(self.refs[key], answer, answered_at))

    def _heated(self, number: int, person: Person, lines: tuple[str | None, ...]) -> None:
        platform = next((p for p in ("mastodon", "github", "bluesky") if p in self.adapters), "")
        if not platform:
            return
        adapter = self.adapters[platform]
        if platform not in person.handles:
            person.handles[platform] = f"{person.slug}{number}x"
            adapter.register(person, person.handles[platform])
        feature, version = self.rng.choice(FEATURES), self.rng.choice(VERSIONS)
        at = self.anchor - self.rng.uniform(0.5, 6) * DAY
        key = f"h{number}"
        for turn, line in enumerate(lines):
            at += self.rng.uniform(0.3, 3) * 3600
            if line is None or at >= self.anchor:
                continue
            self._at(at, self._turn(key, turn, adapter, person, fill(line, feature, version), at))
        self.story.heated_threads += 1

    def _turn(
        self, key: str, turn: int, adapter: PlatformAdapter, person: Person, text: str, at: float
    ) -> Callable[[], None]:
        """Turn 0 opens the thread; then the user and the critic take turns."""

        def play() -> None:
            if turn == 0:
                self.refs[key] = adapter.incoming(person, text, at)
            elif turn % 2 == 1:
                self.refs[key] = adapter.answer(self.refs[key], text, at)
            else:
                self.refs[key] = adapter.follow_up(person, self.refs[key], text, at)

        return play

    def _at(self, moment: float, action: Callable[[], None]) -> None:
        self.events.append((moment, len(self.events), action))


# ---- per platform: how a message, an answer and a follow-up are made ---------------------------


class PlatformAdapter:
    def __init__(self, fake: Any, rng: random.Random) -> None:
        self.fake = fake
        self.rng = rng
        self.who: dict[str, Any] = {}

    def setup(self, start: float) -> None:
        pass

    def register(self, person: Person, handle: str) -> None:
        raise NotImplementedError

    def incoming(self, person: Person, text: str, at: float) -> Ref:
        raise NotImplementedError

    def answer(self, ref: Ref, text: str, at: float) -> Ref:
        raise NotImplementedError

    def follow_up(self, person: Person, ref: Ref, text: str, at: float) -> Ref:
        raise NotImplementedError


def _bio(person: Person, platform: str) -> str:
    others = [f"{p}: {h}" for p, h in person.handles.items() if p != platform]
    role = {"colleague": "Lumen core team", "fan": "Lumen user"}.get(person.role, "developer")
    return f"{role}. " + (" · ".join(others) if others else "Opinions my own.")


class MastodonAdapter(PlatformAdapter):
    fake: MastodonFake

    def setup(self, start: float) -> None:
        self.own = [
            self.fake.add_status(self.fake.me, text, at=start + n * 3 * DAY)
            for n, text in enumerate(
                [
                    "Lumen 2.0 is out! Faster search, a new plugin API and dark mode.",
                    "Writing up how we test Lumen's parser. What would you like to read about?",
                    "Lumen 2.1: the config loader finally understands includes.",
                ]
            )
        ]

    def register(self, person: Person, handle: str) -> None:
        domain = self.rng.choice(INSTANCES)
        fields = []
        if "github" in person.handles:
            fields.append(("GitHub", f"https://github.com/{person.handles['github']}", True))
        if "bluesky" in person.handles:
            fields.append(
                ("Bluesky", f"https://bsky.app/profile/{person.handles['bluesky']}", False)
            )
        self.who[person.name] = self.fake.add_account(
            handle, domain, display_name=person.name, note=_bio(person, "mastodon"), fields=fields
        )

    def incoming(self, person: Person, text: str, at: float) -> Ref:
        author = self.who[person.name]
        roll = self.rng.random()
        if roll < 0.45:
            note = self.fake.add_reply(author, text, to=self.rng.choice(self.own), at=at)
        elif roll < 0.9:
            note = self.fake.add_mention(author, text, at=at)
        else:
            note = self.fake.add_direct(author, text, at=at)
        return note["status"]

    def answer(self, ref: Ref, text: str, at: float) -> Ref:
        author = self.fake.accounts[ref["account_id"]] if "account_id" in ref else ref["account"]
        visibility = ref.get("visibility", "public")
        return self.fake.add_status(
            self.fake.me,
            f"@{author['acct']} {text}",
            in_reply_to=ref["id"],
            visibility=visibility,
            at=at,
        )

    def follow_up(self, person: Person, ref: Ref, text: str, at: float) -> Ref:
        note = self.fake.add_mention(self.who[person.name], text, in_reply_to=ref["id"], at=at)
        return note["status"]


class BlueskyAdapter(PlatformAdapter):
    fake: BlueskyFake

    def setup(self, start: float) -> None:
        self.own = [
            self.fake.add_post(self.fake.me, text, at=start + n * 4 * DAY)
            for n, text in enumerate(
                [
                    "Lumen 2.0 is out 🎉 what should we build next?",
                    "Hot take: terminal apps deserve good accessibility too.",
                ]
            )
        ]

    def register(self, person: Person, handle: str) -> None:
        self.who[person.name] = self.fake.add_actor(
            handle, display_name=person.name, description=_bio(person, "bluesky")
        )

    def incoming(self, person: Person, text: str, at: float) -> Ref:
        author = self.who[person.name]
        if self.rng.random() < 0.6:
            note = self.fake.add_reply(author, text, to=self.rng.choice(self.own), at=at)
        else:
            note = self.fake.add_mention(author, text, at=at)
        return note["uri"]

    def answer(self, ref: Ref, text: str, at: float) -> Ref:
        return self.fake.add_post(self.fake.me, text, reply_to=ref, at=at)

    def follow_up(self, person: Person, ref: Ref, text: str, at: float) -> Ref:
        return self.fake.add_reply(self.who[person.name], text, to=ref, at=at)["uri"]


class RedditAdapter(PlatformAdapter):
    fake: RedditFake

    def setup(self, start: float) -> None:
        me = self.fake.username
        self.own = [
            self.fake.add_post(me, title, subreddit=sub, selftext=body, created=start + n * DAY)
            for n, (title, sub, body) in enumerate(
                [
                    (
                        "Lumen 2.0: a terminal tool I've worked on for two years",
                        "commandline",
                        "AMA!",
                    ),
                    ("How we test a parser with 10k fixtures", "programming", "Write-up inside."),
                ]
            )
        ]

    def register(self, person: Person, handle: str) -> None:
        self.who[person.name] = handle
        self.fake.add_user(handle)

    def incoming(self, person: Person, text: str, at: float) -> Ref:
        author = self.who[person.name]
        roll = self.rng.random()
        if roll < 0.55:
            return self.fake.add_post_reply(
                author, text, post=self.rng.choice(self.own), created=at
            )
        if roll < 0.9:
            post = self.fake.add_post(
                author,
                "Tools for the terminal?",
                subreddit=self.rng.choice(SUBREDDITS),
                created=at - 60,
            )
            return self.fake.add_comment(author, post, f"{text} u/{self.fake.username}", created=at)
        return self.fake.add_message(author, text, subject="Lumen question", created=at)

    def answer(self, ref: Ref, text: str, at: float) -> Ref:
        if str(ref).startswith("t4_"):
            author = self.fake.things[ref]["author"]
            return self.fake.add_message(
                self.fake.username, text, reply_to=ref, to=author, created=at
            )
        return self.fake.add_comment(self.fake.username, ref, text, created=at)

    def follow_up(self, person: Person, ref: Ref, text: str, at: float) -> Ref:
        return self.fake.add_comment(self.who[person.name], ref, text, created=at)


#: How often the author of a GitHub issue comments again after the user's answer.
GITHUB_FOLLOW_UP = 0.5


class GitHubAdapter(PlatformAdapter):
    """Issues and pull requests; after the user's answer the author often comments again, so
    GitHub threads have a conversation above their newest comment (the user's answer in it)."""

    fake: GitHubFake

    def __init__(self, fake: Any, rng: random.Random) -> None:
        super().__init__(fake, rng)
        # Its own generator: the follow-ups leave every other platform's story as it was.
        self.follow_ups = random.Random(0x617)
        self.end = float("inf")

    def setup(self, start: float) -> None:
        self.end = start + SPAN_DAYS * DAY

    def register(self, person: Person, handle: str) -> None:
        self.who[person.name] = handle
        self.fake.add_user(handle)

    def incoming(self, person: Person, text: str, at: float) -> Ref:
        author = self.who[person.name]
        repo = self.rng.choice(REPOS)
        title = fill(
            self.rng.choice(PR_TITLES), self.rng.choice(FEATURES), self.rng.choice(VERSIONS)
        )
        pull = person.role == "colleague" and self.rng.random() < 0.5
        number = self.fake.add_issue(repo, author, title, text, pull=pull, created=at)
        if self.rng.random() < 0.1:
            self.fake.add_notification(repo, "ci_activity", "CheckSuite", "CI run", created=at + 1)
        return (repo, number)

    def answer(self, ref: Ref, text: str, at: float) -> Ref:
        repo, number = ref
        self.fake.add_issue_comment(repo, number, self.fake.login, text, created=at)
        rng = self.follow_ups
        if rng.random() < GITHUB_FOLLOW_UP:
            later = at + rng.uniform(0.5, 30) * 3600
            if later < self.end - 60:
                author = self.fake.issues[(repo, number)]["author"]
                line = fill(rng.choice(FOLLOW_UPS), rng.choice(FEATURES), rng.choice(VERSIONS))
                self.fake.add_issue_comment(repo, number, author, line, created=later)
        return ref

    def follow_up(self, person: Person, ref: Ref, text: str, at: float) -> Ref:
        repo, number = ref
        self.fake.add_issue_comment(repo, number, self.who[person.name], text, created=at)
        return ref


ADAPTERS: dict[str, type[PlatformAdapter]] = {
    "mastodon": MastodonAdapter,
    "bluesky": BlueskyAdapter,
    "reddit": RedditAdapter,
    "github": GitHubAdapter,
}


def tell_story(fakes: dict[str, FakePlatform], *, items: int, anchor: float, seed: int) -> Story:
    """Fill the fakes with about `items` incoming messages ending at `anchor` (epoch seconds)."""
    return Teller(fakes, anchor, seed).tell(items)
