"""All four platform fakes at once, served on loopback, and a workspace configured for them.

Used by the end-to-end tests and by `rapport demo`: both go through the real config, secrets,
connectors and sync engine, exactly as a user's real accounts would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from core.config import AccountConfig, add_account
from core.fakes.base import FakePlatform, ServedFake
from core.fakes.bluesky import BlueskyFake
from core.fakes.github import GitHubFake
from core.fakes.mastodon import MastodonFake
from core.fakes.reddit import RedditFake
from core.paths import Paths
from core.secrets import SecretStore

PLATFORMS = ("mastodon", "bluesky", "reddit", "github")


def make_fake(platform: str, clock: Callable[[], float] | None = None) -> FakePlatform:
    fakes: dict[str, type[FakePlatform]] = {
        "mastodon": MastodonFake,
        "bluesky": BlueskyFake,
        "reddit": RedditFake,
        "github": GitHubFake,
    }
    return fakes[platform]() if clock is None else fakes[platform](clock=clock)


def credentials_for(fake: FakePlatform) -> dict[str, str]:
    """What a user would give `rapport accounts add` for this fake's account."""
    if isinstance(fake, MastodonFake):
        return {"token": fake.token}
    if isinstance(fake, BlueskyFake):
        return {"identifier": fake.handle, "password": fake.app_password}
    if isinstance(fake, RedditFake):
        return {
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "username": fake.username,
            "password": fake.password,
        }
    if isinstance(fake, GitHubFake):
        return {"token": fake.token}
    raise ValueError(f"no credentials known for {type(fake).__name__}")


def handle_for(fake: FakePlatform) -> str:
    if isinstance(fake, MastodonFake):
        return f"@{fake.username}@{fake.domain}"
    if isinstance(fake, BlueskyFake):
        return fake.handle
    if isinstance(fake, RedditFake):
        return f"u/{fake.username}"
    if isinstance(fake, GitHubFake):
        return fake.login
    return ""


@dataclass
class FakeFleet:
    """Fakes by platform, each served on its own 127.0.0.1 port."""

    fakes: dict[str, FakePlatform] = field(default_factory=dict)
    served: dict[str, ServedFake] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        platforms: tuple[str, ...] = PLATFORMS,
        clock: Callable[[], float] | None = None,
    ) -> FakeFleet:
        fleet = cls()
        try:
            for platform in platforms:
                fake = make_fake(platform, clock)
                fleet.fakes[platform] = fake
                fleet.served[platform] = ServedFake.start(fake)
        except BaseException:
            fleet.stop()
            raise
        return fleet

    def url(self, platform: str) -> str:
        return self.served[platform].url

    def account_name(self, platform: str) -> str:
        return f"demo-{platform}"

    def configure(self, paths: Paths, secrets: SecretStore) -> list[str]:
        """Add one account per fake to the workspace's config and secrets; returns names."""
        names = []
        for platform, fake in self.fakes.items():
            name = self.account_name(platform)
            secrets.save(name, credentials_for(fake))
            add_account(
                paths,
                AccountConfig(
                    name=name,
                    platform=platform,
                    base_url=self.url(platform),
                    handle=handle_for(fake),
                ),
            )
            names.append(name)
        return names

    def stop(self) -> None:
        for served in self.served.values():
            served.stop()
        self.served.clear()

    def __enter__(self) -> FakeFleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
