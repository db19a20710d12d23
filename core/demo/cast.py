"""The demo's people: several hundred, spread over the platforms, some with two accounts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST = (
    "Maria Ana Luis Sofia Ken Aiko Priya Omar Lena Jonas Chloe Mateo Ines Tariq Noor Erik Hana "
    "Diego Fatima Ivan Zoe Ravi Leila Tom Mia Yusuf Elena Kai Amara Felix Rosa Samir Julia Theo "
    "Nadia Oscar Ada Bruno Clara Dmitri"
).split()
LAST = (
    "Souza Kim Garcia Rossi Tanaka Patel Haddad Schmidt Novak Dubois Silva Okafor Larsen Costa "
    "Ahmed Berg Ivanova Moreau Chen Lopez Nakamura Fischer Mensah Horvat Reyes Andersen Kaya"
).split()
ROLES = (
    ("fan", 0.22),
    ("regular", 0.30),
    ("newcomer", 0.24),
    ("colleague", 0.08),
    ("critic", 0.12),
    ("troll", 0.04),
)
PLATFORM_SHARE = (("mastodon", 0.35), ("bluesky", 0.25), ("github", 0.25), ("reddit", 0.15))


@dataclass
class Person:
    name: str
    role: str
    #: platform -> the handle there (without any @ or u/)
    handles: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "")

    @property
    def platforms(self) -> list[str]:
        return list(self.handles)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*weighted, strict=True)
    return str(rng.choices(names, weights=weights)[0])


def make_cast(count: int, rng: random.Random) -> list[Person]:
    """`count` people; about one in ten has accounts on two platforms (same name, related
    handles, profiles pointing at each other), for the person-linking suggestions."""
    people: list[Person] = []
    used: set[str] = set()
    for index in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        person = Person(name=name, role=_pick(rng, ROLES))
        slug = person.slug
        handle = slug if slug not in used else f"{slug}{index}"
        used.add(handle)
        first = _pick(rng, PLATFORM_SHARE)
        person.handles[first] = _handle_for(first, handle, rng)
        if rng.random() < 0.1:
            second = _pick(rng, tuple(p for p in PLATFORM_SHARE if p[0] != first))
            person.handles[second] = _handle_for(second, handle, rng)
        people.append(person)
    return people


def _handle_for(platform: str, base: str, rng: random.Random) -> str:
    if platform == "bluesky":
        return f"{base}.bsky.social"
    if platform == "reddit":
        return base if rng.random() < 0.5 else f"{base}_dev"
    if platform == "github":
        return base if rng.random() < 0.6 else f"{base}-gh"
    return base
