"""The app on a real temporary store, with a fixed clock (ages and "owed" never drift) and the
local time zone pinned to UTC (times shown in the preview are stable)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.analysis.verdict import Reason, Verdict
from core.clock import FakeClock
from core.models import Account, Contact, Item, ItemKind, ItemState, Tone
from core.store.repository import Store
from core.workspace import Workspace
from tests.tui.waits import settle as settle
from tests.tui.waits import until as until
from tui.app import RapportApp

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SIZE = (160, 45)
HOSTILE = "[bold red]x[/] \x1b]0;pwned\x07 \x1b[2J \u202eevil[/] [link=https://x]y[/link] $conflict"


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.delenv("TZ", raising=False)
    time.tzset()


def person(n: int, platform: str = "mastodon") -> Contact:
    names = ["Maria López", "Ken Adams", "Priya Nair", "Jonas Berg", "Aiko Sato", "Sam Okoro"]
    return Contact(
        platform=platform,
        remote_id=f"{platform}-user-{n}",
        handle=f"@{names[n % len(names)].split()[0].lower()}{n}",
        display_name=names[n % len(names)],
        profile_url=f"https://{platform}.example/@u{n}",
    )


def item(
    n: int,
    *,
    account: str = "work",
    platform: str = "mastodon",
    text: str | None = None,
    minutes_ago: float | None = None,
    author: int | None = None,
    kind: ItemKind = ItemKind.MENTION,
    state: ItemState = ItemState.NEW,
    tags: Sequence[str] = (),
    polarity: float = 0.0,
    conflict: bool = False,
    reasons: Sequence[str] = (),
    parent_id: str = "",
    thread_root_id: str = "",
) -> Item:
    """Item n is n*10 minutes old (so item 1 is the newest); 'owed' starts at 4 h."""
    return Item(
        account=account,
        platform=platform,
        remote_id=f"{platform}-{n}",
        kind=kind,
        author=person(author if author is not None else n % 6, platform),
        text=text if text is not None else f"Message {n} about the parser release",
        created_at=NOW - timedelta(minutes=minutes_ago if minutes_ago is not None else n * 10),
        url=f"https://{platform}.example/post/{n}",
        state=state,
        tags=list(tags),
        tone=Tone(
            polarity=polarity,
            risk=0.8 if conflict else 0.0,
            conflict=conflict,
            reasons=list(reasons),
        ),
        parent_id=parent_id,
        thread_root_id=thread_root_id,
    )


ACCOUNTS = {
    "work": Account("work", "mastodon", "https://mastodon.example"),
    "sky": Account("sky", "bluesky", "https://bsky.example"),
    "oss": Account("oss", "github", "https://github.example"),
}


async def seed(items: Sequence[Item], accounts: Sequence[str] = ("work", "sky", "oss")) -> None:
    """Store the items in the workspace of RAPPORT_HOME, as a sync would (Store.ingest)."""
    workspace = Workspace.load()
    workspace.paths.ensure()
    store = await Store.open(workspace.paths.database)
    try:
        for name in accounts:
            await store.ensure_account(ACCOUNTS[name])
        by_account: dict[str, list[Item]] = {}
        for entry in items:
            by_account.setdefault(entry.account, []).append(entry)
        for name, batch in by_account.items():
            await store.ingest(name, batch)
    finally:
        await store.close()


def seed_sync(items: Sequence[Item], accounts: Sequence[str] = ("work", "sky", "oss")) -> None:
    """`seed` for plain (snapshot) tests, which have no running event loop."""
    asyncio.run(seed(items, accounts))


def standard_items() -> list[Item]:
    """A small inbox: owed and fresh items, tags, a conflict, three platforms."""
    return [
        item(
            1,
            text="Thanks for the quick fix on the parser! Works now.",
            minutes_ago=20,
            polarity=0.7,
        ),
        item(
            2,
            platform="bluesky",
            account="sky",
            text="Is the 2.0 release still planned for this month? Asking for our packaging team.",
            minutes_ago=90,
            kind=ItemKind.REPLY,
        ),
        item(
            3,
            text="Are you serious? Nobody asked for this garbage, read the issue.",
            minutes_ago=300,
            polarity=-0.7,
            conflict=True,
            reasons=['insult: "garbage"', 'dismissive: "read the issue"'],
        ),
        item(
            4,
            platform="github",
            account="oss",
            text="The CI on main fails since the last merge; see the log in the PR.",
            minutes_ago=400,
            kind=ItemKind.COMMENT,
            tags=["bug"],
        ),
        item(5, text="Great talk yesterday, the slides are lovely.", minutes_ago=500, polarity=0.8),
        item(
            6,
            platform="bluesky",
            account="sky",
            text="Could you add a dark theme?",
            minutes_ago=700,
            tags=["feature"],
        ),
        item(7, text="Already answered this one.", minutes_ago=900, state=ItemState.DONE),
        item(8, text="Docs typo on the install page.", minutes_ago=1000, tags=["docs"]),
    ]


@dataclass
class StubAnalyzer:
    """A tone analyser with fixed answers, for stable screenshots: any text containing a
    watched phrase is flagged with that phrase's span."""

    phrases: dict[str, str] = field(
        default_factory=lambda: {"garbage": "insult", "google it": "dismissive"}
    )
    calls: list[str] = field(default_factory=list)

    def check(self, text: str, role: str = "draft", context: Any = None) -> Verdict:
        self.calls.append(text)
        reasons = []
        lowered = text.lower()
        for phrase, rule in self.phrases.items():
            at = lowered.find(phrase)
            if at >= 0:
                reasons.append(Reason(rule, f'{rule}: "{phrase}"', [(at, at + len(phrase))], 0.7))
        conflict = bool(reasons)
        return Verdict(
            text=text,
            role=role,
            polarity=-0.6 if conflict else 0.4,
            risk=0.85 if conflict else 0.05,
            conflict=conflict,
            reasons=reasons,
            threshold=0.5,
        )

    def check_many(self, texts: Sequence[str], role: str = "incoming") -> list[Verdict]:
        return [self.check(t, role) for t in texts]


def make_app(**options: Any) -> RapportApp:
    options.setdefault("clock", FakeClock(start=NOW.timestamp()))
    options.setdefault("background_sync", False)
    return RapportApp(Workspace.load(), **options)


def screen_lines(app: RapportApp) -> list[str]:
    """What the terminal shows for the top screen, line by line, as plain text."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: RapportApp) -> str:
    return "\n".join(screen_lines(app))


def segments_text(app: RapportApp) -> str:
    """Every character the compositor would send, escape-free text only (for control checks)."""
    return "".join(
        segment.text
        for strip in app.screen._compositor.render_strips()
        for segment in strip
        if not segment.control
    )


def notifications(app: RapportApp) -> list[str]:
    """The messages of the notifications shown so far (and not yet expired)."""
    return [n.message for n in app._notifications]
