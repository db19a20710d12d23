"""Rules at ingest: match new items, then tag, finish, mute, snooze or mark them important.

In the config file:

    [[rules]]
    name = "ci noise"
    platform = "github"            # match: every key given must hold
    words = ["flaky", "rerun"]     #   any of these words
    query = 'from:dependabot'      #   a search query (see the README)
    kind = ["comment"]
    tone = "negative"              #   negative | neutral | positive
    conflict = true
    author = "bot"                 #   part of the handle or name
    person = "Maria López"         #   any contact linked to this person
    account = "work-github"
    tag = ["ci"]                   # actions
    done = true
    mute = false
    snooze = "4h"
    important = false

Each rule that fires is named in the item's history.

A `person` rule matches items from every contact linked to that person (`rapport contacts
link`), on any platform. Who is linked is read from the store at the start of each sync
(`RuleSet.load_persons`); until then, and for a name no person has, the rule matches nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.config import RuleConfig
from core.models import Item, ItemState
from core.query import Query, QueryContext, matches, parse_query
from core.timeutil import parse_duration, utcnow

if TYPE_CHECKING:
    from core.store.repository import Store

log = logging.getLogger("rapport.rules")

#: A contact as the store keys it: (platform, instance, remote id).
ContactKey = tuple[str, str, str]


def contact_key(item: Item) -> ContactKey:
    author = item.author
    return (author.platform, author.instance, author.remote_id)


@dataclass(slots=True)
class Rule:
    config: RuleConfig
    query: Query
    words: re.Pattern[str] | None
    #: For a `person` rule: the contacts linked to that person (None until loaded).
    person_contacts: frozenset[ContactKey] | None = None

    def matches(self, item: Item, context: QueryContext) -> bool:
        c = self.config
        if c.platform and item.platform != c.platform:
            return False
        if c.person is not None and (
            self.person_contacts is None or contact_key(item) not in self.person_contacts
        ):
            return False
        if c.account and item.account != c.account:
            return False
        if c.author:
            needle = c.author.lower().lstrip("@")
            if needle not in item.author.handle.lower() and needle not in (
                item.author.display_name.lower()
            ):
                return False
        if c.kind and item.kind not in c.kind:
            return False
        if c.conflict is not None and item.tone.conflict != c.conflict:
            return False
        if self.words is not None and not self.words.search(item.text):
            return False
        if c.tone is not None and not matches(parse_query(f"tone:{c.tone}"), item, context):
            return False
        return self.query.is_empty or matches(self.query, item, context)

    def apply(self, item: Item) -> None:
        c = self.config
        if c.tag:
            item.tags = sorted({*item.tags, *(t.lower() for t in c.tag)})
        if c.important:
            item.important = True
        if c.mute:
            item.state = ItemState.MUTED
        elif c.done:
            item.state = ItemState.DONE
        elif c.snooze:
            item.state = ItemState.SNOOZED
            item.snoozed_until = utcnow() + parse_duration(c.snooze)


class RuleSet:
    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules

    @property
    def needs_persons(self) -> bool:
        return any(rule.config.person is not None for rule in self.rules)

    async def load_persons(self, store: Store) -> list[str]:
        """Read who is linked to each `person` rule's person; returns the names no person has
        (their rules match nothing, and say so in the log)."""
        unknown: list[str] = []
        for rule in self.rules:
            name = rule.config.person
            if name is None:
                continue
            keys: set[ContactKey] = set()
            for person_id, _ in await store.person_named(name):
                for contact_id in await store.person_contact_ids(person_id):
                    contact = await store.contact(contact_id)
                    if contact is not None:
                        keys.add((contact.platform, contact.instance, contact.remote_id))
            rule.person_contacts = frozenset(keys)
            if not keys:
                unknown.append(name)
                log.warning(
                    "rule %r: no person named %r (link contacts with `rapport contacts link`); "
                    "it matches nothing",
                    rule.config.name,
                    name,
                )
        return unknown

    def apply(self, items: Sequence[Item]) -> list[tuple[str, str]]:
        """Apply every matching rule to each item; returns (remote id, rule name) pairs."""
        context = QueryContext(now=utcnow())
        hits: list[tuple[str, str]] = []
        for item in items:
            for rule in self.rules:
                if rule.matches(item, context):
                    rule.apply(item)
                    hits.append((item.remote_id, rule.config.name))
        return hits

    def matching(self, item: Item) -> list[str]:
        context = QueryContext(now=utcnow())
        return [r.config.name for r in self.rules if r.matches(item, context)]


def compile_rules(configs: Sequence[RuleConfig]) -> RuleSet:
    rules: list[Rule] = []
    for config in configs:
        words = None
        if config.words:
            alternatives = "|".join(re.escape(w) for w in config.words)
            words = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        rules.append(Rule(config, parse_query(config.query or ""), words))
    return RuleSet(rules)
