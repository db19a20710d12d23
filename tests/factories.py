"""Builders for domain objects in tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.models import Account, Contact, Item, ItemKind

BASE_TIME = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def account(name: str = "work", platform: str = "mastodon") -> Account:
    return Account(name=name, platform=platform, base_url="https://social.example")


def contact(n: int = 1, platform: str = "mastodon", handle: str | None = None) -> Contact:
    return Contact(
        platform=platform,
        remote_id=f"acct-{n}",
        handle=handle or f"@user{n}@social.example",
        display_name=f"User {n}",
        profile_url=f"https://social.example/@user{n}",
        instance="social.example",
    )


def item(
    n: int,
    *,
    account_name: str = "work",
    text: str | None = None,
    author: Contact | None = None,
    minutes: int = 0,
) -> Item:
    return Item(
        account=account_name,
        platform="mastodon",
        remote_id=f"status-{n}",
        kind=ItemKind.MENTION,
        author=author or contact(n % 7),
        text=text if text is not None else f"message number {n} about sqlite",
        created_at=BASE_TIME + timedelta(minutes=minutes or n),
        url=f"https://social.example/@x/{n}",
    )
