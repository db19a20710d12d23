"""Suggesting which contacts on different platforms are one human, from evidence.

Evidence, and how much each is worth on its own (combined as independent clues:
1 - product of (1 - each)):

- a profile link pointing at the other contact's profile (0.8), or a link the server verified
  (Mastodon's rel=me check, shown as "(verified)" in Contact.links) (0.95); a link to a domain
  that is the other's Bluesky handle counts as pointing at them;
- the same display name, ignoring case, accents, emoji and punctuation (0.55 for a name of two
  words or more, 0.35 for a single word: "Alex" alone says little);
- the same handle before the instance or domain: @maria@fosstodon.org, @maria.bsky.social,
  maria on GitHub or Reddit (0.45).

Only pairs on different platforms, not already in the same person, and reaching 0.4 are
suggested. A name or handle shared by more than 50 contacts is no evidence. Nothing is ever
linked here: the user decides.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from core.models import Contact

LINK = 0.8
LINK_VERIFIED = 0.95
NAME_FULL = 0.55
NAME_SINGLE = 0.35
HANDLE = 0.45
MIN_CONFIDENCE = 0.4
MAX_GROUP = 50
VERIFIED_MARK = " (verified)"
_MIN_KEY = 3
_GENERIC_HANDLES = frozenset({"ghost", "deleted", "unknown", "admin", "support"})


@dataclass(frozen=True, slots=True)
class LinkSuggestion:
    contact_a: int
    contact_b: int
    confidence: float
    evidence: list[str]
    label_a: str = ""
    label_b: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "contact_a": self.contact_a,
            "contact_b": self.contact_b,
            "label_a": self.label_a,
            "label_b": self.label_b,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
        }


def normalise_name(name: str) -> str:
    """'María  García 🌻' -> 'maria garcia'."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if unicodedata.category(ch) != "Mn"
    )
    return " ".join(kept.casefold().split())


def handle_localpart(contact: Contact) -> str:
    """The part of a handle that is the person's chosen name, normalised:
    @Maria_G@fosstodon.org, @maria-g.bsky.social and u/MariaG all give 'mariag'."""
    bare = contact.handle.strip().removeprefix("/").removeprefix("u/").lstrip("@")
    if "@" in bare:
        bare = bare.split("@", 1)[0]
    elif "." in bare:
        bare = bare.split(".", 1)[0]
    key = "".join(ch for ch in bare.casefold() if ch.isalnum())
    return "" if key in _GENERIC_HANDLES else key


def normalise_url(url: str) -> str:
    """Comparable form of a profile address: no scheme, www, query or trailing slash."""
    text = url.strip().casefold()
    for scheme in ("https://", "http://"):
        text = text.removeprefix(scheme)
    text = text.removeprefix("www.")
    for cut in ("?", "#"):
        text = text.split(cut, 1)[0]
    return text.rstrip("/")


def addresses(contact: Contact) -> set[str]:
    """Normalised addresses that lead to this contact's profile."""
    found = {normalise_url(contact.profile_url)} if contact.profile_url else set()
    bare = contact.handle.strip().lstrip("@")
    if contact.platform == "mastodon" and "@" in bare:
        user, host = bare.split("@", 1)
        found.add(normalise_url(f"{host}/@{user}"))
    elif contact.platform == "bluesky" and bare:
        found.add(normalise_url(f"bsky.app/profile/{bare}"))
        if not bare.casefold().endswith(".bsky.social"):
            found.add(normalise_url(bare))  # a custom-domain handle: the domain is theirs
    elif contact.platform == "github" and bare:
        found.add(normalise_url(f"github.com/{bare}"))
    elif contact.platform == "reddit" and bare:
        name = bare.removeprefix("u/")
        found.update(normalise_url(f"reddit.com/{part}/{name}") for part in ("user", "u"))
    found.discard("")
    return found


class _Evidence:
    """Clues gathered per unordered pair of contact ids."""

    def __init__(self) -> None:
        self.clues: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)

    def add(self, a: Contact, b: Contact, weight: float, why: str) -> None:
        if a.id is None or b.id is None or a.id == b.id:
            return
        pair = (min(a.id, b.id), max(a.id, b.id))
        clues = self.clues[pair]
        clues[why] = max(weight, clues.get(why, 0.0))


def suggest(contacts: Sequence[Contact]) -> list[LinkSuggestion]:
    """Suggested links, most confident first."""
    evidence = _Evidence()
    _same_names(contacts, evidence)
    _same_handles(contacts, evidence)
    _links_between(contacts, evidence)
    by_id = {c.id: c for c in contacts if c.id is not None}
    found: list[LinkSuggestion] = []
    for (a_id, b_id), clues in evidence.clues.items():
        a, b = by_id[a_id], by_id[b_id]
        if a.platform == b.platform or (a.person_id is not None and a.person_id == b.person_id):
            continue
        confidence = 1.0 - math.prod(1.0 - weight for weight in clues.values())
        if confidence < MIN_CONFIDENCE:
            continue
        ordered = sorted(clues.items(), key=lambda clue: (-clue[1], clue[0]))
        found.append(
            LinkSuggestion(
                contact_a=a_id,
                contact_b=b_id,
                confidence=confidence,
                evidence=[why for why, _ in ordered],
                label_a=_label(a),
                label_b=_label(b),
            )
        )
    found.sort(key=lambda s: (-s.confidence, s.contact_a, s.contact_b))
    return found


def _label(contact: Contact) -> str:
    return f"{contact.handle} ({contact.platform})"


def _groups(contacts: Iterable[Contact], key: Any) -> Iterable[list[Contact]]:
    grouped: dict[str, list[Contact]] = defaultdict(list)
    for contact in contacts:
        value = key(contact)
        if len(value) >= _MIN_KEY:
            grouped[value].append(contact)
    return (members for members in grouped.values() if 1 < len(members) <= MAX_GROUP)


def _same_names(contacts: Sequence[Contact], evidence: _Evidence) -> None:
    for members in _groups(contacts, lambda c: normalise_name(c.display_name)):
        for a, b in combinations(members, 2):
            words = len(normalise_name(a.display_name).split())
            weight = NAME_FULL if words >= 2 else NAME_SINGLE
            evidence.add(a, b, weight, f'same display name "{a.display_name.strip()}"')


def _same_handles(contacts: Sequence[Contact], evidence: _Evidence) -> None:
    for members in _groups(contacts, handle_localpart):
        for a, b in combinations(members, 2):
            why = f'same handle "{handle_localpart(a)}" ({a.handle} and {b.handle})'
            evidence.add(a, b, HANDLE, why)


def _links_between(contacts: Sequence[Contact], evidence: _Evidence) -> None:
    owners: dict[str, Contact | None] = {}
    for contact in contacts:
        for address in addresses(contact):
            # An address two contacts claim points at neither.
            owners[address] = None if address in owners else contact
    for contact in contacts:
        for link in contact.links:
            verified = link.endswith(VERIFIED_MARK)
            url = link.removesuffix(VERIFIED_MARK).strip()
            target = owners.get(normalise_url(url))
            if target is None or target.id == contact.id:
                continue
            why = f"{contact.handle} links to {target.handle}'s profile ({url})"
            if verified:
                evidence.add(contact, target, LINK_VERIFIED, f"{why}, verified")
            else:
                evidence.add(contact, target, LINK, why)
