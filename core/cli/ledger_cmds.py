"""`rapport contacts` and `rapport stats` (the consistency ledger).

    rapport contacts [--json] [--sort neglected|recent|volume] [--person NAME] [--limit N]
    rapport contacts link A B        # A, B: a contact id or handle
    rapport contacts unlink A
    rapport contacts suggest [--json]
    rapport stats [--json] [--since DATE]

`contacts` takes options of its own and verbs: the verbs are optional sub-commands, so
`rapport contacts --json` and `rapport contacts link a b` both parse. Tables on a terminal,
JSON for scripts; a wrong contact, person or date is a one-line error and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import textwrap
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from core.cli.main import OpenApp
from core.cli.output import print_json, print_table
from core.errors import UsageError
from core.ledger import ContactSummary, Ledger, Stats
from core.ledger.engagement import Breakdown
from core.ledger.ledger import NEGLECT_ORDER, SORTS
from core.ledger.wording import count, duration, percent
from core.markup.clean import clean_text
from core.models import Contact
from core.store.repository import Store
from core.timeutil import parse_duration, utcnow
from core.workspace import Workspace

T = TypeVar("T")


def register(commands: Any) -> None:
    contacts = commands.add_parser(
        "contacts",
        help="how consistently you answer each contact",
        description=textwrap.fill(
            "Per contact: messages received, reply rate, reply times, unanswered streak, how "
            "long an owed reply has waited, and flags for anyone waiting, owed or neglected "
            "(how many, and the most pressing one).",
            width=78,
        )
        + "\n\n"
        + textwrap.fill(
            "--sort neglected (the default) puts first " + ", ".join(NEGLECT_ORDER) + ".",
            width=78,
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    contacts.add_argument("--json", action="store_true", help="print JSON")
    contacts.add_argument(
        "--sort", choices=SORTS, default="neglected", help="order (default: neglected first)"
    )
    contacts.add_argument("--person", metavar="NAME", help="only the contacts of this person")
    contacts.add_argument("--limit", type=int, metavar="N", help="at most N contacts")
    contacts.set_defaults(handler=cmd_contacts)
    verbs = contacts.add_subparsers(
        dest="verb",
        metavar="[VERB]",
        parser_class=type(contacts),
        description="optional: without a verb, the contacts are listed",
    )
    link = verbs.add_parser("link", help="link two contacts as one person")
    link.add_argument("a", metavar="A", help="a contact id or handle")
    link.add_argument("b", metavar="B", help="a contact id or handle")
    link.set_defaults(handler=cmd_link)
    unlink = verbs.add_parser("unlink", help="take a contact out of its person")
    unlink.add_argument("a", metavar="A", help="a contact id or handle")
    unlink.set_defaults(handler=cmd_unlink)
    suggest = verbs.add_parser("suggest", help="contacts that look like one person")
    # SUPPRESS: `contacts --json suggest` keeps the --json given before the verb.
    suggest.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    suggest.set_defaults(handler=cmd_suggest)

    stats = commands.add_parser(
        "stats",
        help="engagement statistics",
        description="Volume, reply rate and times, tone over time, spikes, top contacts, "
        "and warm messages worth a thank-you.",
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--since", metavar="DATE", help="from DATE (or e.g. 30d); default: all")
    stats.set_defaults(handler=cmd_stats)


def _with_ledger(work: Callable[[Ledger], Awaitable[T]]) -> T:
    workspace = Workspace.load()

    async def run() -> T:
        store = await workspace.open_store()
        try:
            return await work(Ledger.from_config(store, workspace.config.general))
        finally:
            await store.close()

    return asyncio.run(run())


def _safe(text: str) -> str:
    """Platform text on one line, without terminal controls."""
    return " ".join(clean_text(text).split())


# ---- contacts ------------------------------------------------------------------------------------


def cmd_contacts(args: argparse.Namespace, open_app: OpenApp) -> int:
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit: give a number of contacts, 1 or more")

    async def work(ledger: Ledger) -> list[ContactSummary]:
        try:
            found = await ledger.contacts(args.sort, args.person, args.limit)
            if args.person is None:
                return found
            person = await ledger.person_summary(await ledger.resolve_person(args.person))
        except KeyError as exc:
            raise UsageError(f"--person: {exc.args[0]}") from None
        return [person, *found]

    summaries = _with_ledger(work)
    if args.json:
        print_json([s.to_json() for s in summaries])
    elif not summaries:
        print("no contacts yet: run `rapport sync` first")
    else:
        print_table(CONTACT_COLUMNS, [_contact_row(s) for s in summaries])
    return 0


CONTACT_COLUMNS = (
    "contact",
    "platforms",
    "received",
    "reply rate",
    "median reply",
    "owed for",
    "streak",
    "flags",
    "most pressing flag",
)


def _contact_row(s: ContactSummary) -> tuple[Any, ...]:
    if s.kind == "person":
        who = f"{s.name} (person, {count(len(s.contact_ids), 'contact')})"
    else:
        who = f"{s.name} ({s.handle})" if s.name != s.handle else s.handle
    return (
        who,
        ", ".join(s.platforms),
        s.received,
        percent(s.reply_rate) if s.reply_rate is not None else "-",
        duration(s.median_reply) if s.median_reply is not None else "-",
        duration(s.oldest_owed_wait) if s.oldest_owed_wait is not None else "-",
        s.streak,
        len(s.flags) or "-",
        # flags_for lists them most pressing first.
        s.flags[0].sentence if s.flags else "",
    )


async def _resolve(store: Store, text: str) -> Contact:
    """A contact by id, by exact handle (ignoring case and a leading @ or u/), or by the name
    before the instance; more than one match is refused with the candidates."""
    if text.isdigit():
        contact = await store.contact(int(text))
        if contact is None:
            raise UsageError(f"no contact has id {text} (see `rapport contacts --json`)")
        return contact
    matches = await store.contacts_by_handle(text) or await store.contacts_with_localpart(text)
    if not matches:
        raise UsageError(
            f"no contact matches {_safe(text)!r}: give a contact id or handle "
            "(see `rapport contacts --json`)"
        )
    if len(matches) > 1:
        listed = "; ".join(f"{c.id} {_safe(c.handle)} ({c.platform})" for c in matches[:10])
        more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
        raise UsageError(
            f"{_safe(text)!r} matches {len(matches)} contacts: {listed}{more}. Give the id."
        )
    return matches[0]


def _name(contact: Contact) -> str:
    return f"{_safe(contact.handle)} ({contact.platform}, id {contact.id})"


def cmd_link(args: argparse.Namespace, open_app: OpenApp) -> int:
    async def work(ledger: Ledger) -> str:
        first, second = await _resolve(ledger.store, args.a), await _resolve(ledger.store, args.b)
        assert first.id is not None
        assert second.id is not None
        if first.id == second.id:
            raise UsageError("A and B are the same contact: give two different ones")
        person_id = await ledger.link(first.id, second.id)
        name = await ledger.store.person_name(person_id) or ""
        return f"linked {_name(first)} and {_name(second)} as {_safe(name)} (person {person_id})"

    print(_with_ledger(work))
    return 0


def cmd_unlink(args: argparse.Namespace, open_app: OpenApp) -> int:
    async def work(ledger: Ledger) -> str:
        contact = await _resolve(ledger.store, args.a)
        assert contact.id is not None
        if contact.person_id is None:
            return f"{_name(contact)} is not linked to anyone"
        person_id = contact.person_id
        name = await ledger.store.person_name(person_id) or ""
        await ledger.unlink(contact.id)
        said = f"unlinked {_name(contact)} from {_safe(name)}"
        left = await ledger.store.person_contact_ids(person_id)
        if not left:
            return f"{said}; it had no other contact, so the person is gone"
        if len(left) == 1:
            last = await ledger.store.contact(left[0])
            only = _name(last) if last is not None else f"id {left[0]}"
            # Kept, not dissolved: `person` rules and a note may still name it.
            return (
                f"{said}, which keeps 1 contact: {only} "
                f"(`rapport contacts unlink {left[0]}` dissolves the person)"
            )
        return f"{said}, which keeps {count(len(left), 'contact')}"

    print(_with_ledger(work))
    return 0


def cmd_suggest(args: argparse.Namespace, open_app: OpenApp) -> int:
    suggestions = _with_ledger(lambda ledger: ledger.suggest_links())
    if getattr(args, "json", False):
        print_json([s.to_json() for s in suggestions])
    elif not suggestions:
        print("no suggestions: no two contacts on different platforms look alike")
    else:
        print_table(
            ["confidence", "a", "b", "evidence"],
            [
                (
                    percent(s.confidence),
                    f"{s.contact_a} {s.label_a}",
                    f"{s.contact_b} {s.label_b}",
                    "; ".join(s.evidence),
                )
                for s in suggestions
            ],
        )
        print("link one with `rapport contacts link A B` (A, B: the ids above)")
    return 0


# ---- stats ---------------------------------------------------------------------------------------


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """--since: a duration back from now ("7d": the last 7 x 24 h), a date (from local midnight
    at its start), or an ISO time (local time unless it names its offset)."""
    text = text.strip()
    try:
        return (now or utcnow()) - parse_duration(text)
    except ValueError:
        pass
    try:
        if _DATE_ONLY.match(text):
            day = date.fromisoformat(text)
            # astimezone() on a naive time: the machine's local time on that day (DST too).
            return datetime(day.year, day.month, day.day).astimezone().astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--since: {text!r} is not a date: use YYYY-MM-DD (from local midnight), an ISO "
            "time, or a duration back from now such as 7d"
        ) from None
    return (moment if moment.tzinfo else moment.astimezone()).astimezone(UTC)


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def cmd_stats(args: argparse.Namespace, open_app: OpenApp) -> int:
    since = parse_since(args.since) if args.since else None
    stats = _with_ledger(lambda ledger: ledger.stats(since))
    if args.json:
        print_json(stats.to_json())
    else:
        _print_stats(stats, args.since)
    return 0


def period_header(stats: Stats, asked: str | None) -> str:
    """Exactly which range was counted, in local time, and how many days that is."""
    until = stats.until.astimezone()
    end = f"now ({until:%a %d %b %H:%M} {until:%Z})".replace(" )", ")")
    days = count(stats.days, "day")
    if stats.since is None:
        first = stats.daily[0].day if stats.daily else until.date()
        label = f"all history: from {first:%a %d %b %Y} (the first message's day) to {end}"
    else:
        start = stats.since.astimezone()
        asked = (asked or "").strip()
        if _DATE_ONLY.match(asked):
            label = f"since {asked}: from local midnight, {start:%a %d %b %Y %H:%M}"
        elif _is_duration(asked):
            label = f"last {asked}: from {start:%a %d %b %Y %H:%M}"
        else:
            label = f"since {asked}: from {start:%a %d %b %Y %H:%M}"
        label += f" to {end}"
    return f"{label}; {days}, {stats.owed} owed a reply now"


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True


def weekly_tone(stats: Stats) -> list[tuple[str, int, int, str]]:
    """Tone received over time, a row per week (Monday to Sunday) the period touches: the
    messages, how many were negative, and their mean polarity (-1 to 1)."""
    weeks: dict[date, list[float]] = {}
    for day in stats.daily:
        monday = day.day - timedelta(days=day.day.weekday())
        entry = weeks.setdefault(monday, [0, 0, 0.0])
        entry[0] += day.items
        entry[1] += day.negative
        entry[2] += (day.tone or 0.0) * day.items
    return [
        (
            f"{monday:%a %d %b}",
            int(items),
            int(negative),
            f"{polarity / items:+.2f}" if items else "-",
        )
        for monday, (items, negative, polarity) in sorted(weeks.items())
    ]


def _print_stats(stats: Stats, asked: str | None = None) -> None:
    print(period_header(stats, asked))
    print()
    rows = [("everything", stats.overall)]
    rows += [(f"platform {name}", b) for name, b in sorted(stats.platforms.items())]
    rows += [(f"account {name}", b) for name, b in sorted(stats.accounts.items())]
    print_table(
        ["", "items", "per day", "reply rate", "median reply", "negative", "tone"],
        [_breakdown_row(label, b) for label, b in rows],
    )
    print()
    print_table(["reply time", "items"], list(stats.overall.response_times.items()))
    print()
    print_table(["week of", "items", "negative", "tone received"], weekly_tone(stats))
    if stats.top_contacts:
        print()
        print_table(
            ["top contact", "platform", "items", "answered"],
            [(c.name, c.platform, c.items, c.answered) for c in stats.top_contacts],
        )
    for heading, sentences in (
        ("spikes", [s.sentence for s in stats.spikes]),
        ("worth a thank-you", [c.sentence for c in stats.celebrate]),
    ):
        if sentences:
            print(f"\n{heading}:")
            for sentence in sentences:
                print(f"  {_safe(sentence)}")


def _breakdown_row(label: str, b: Breakdown) -> tuple[Any, ...]:
    median: timedelta | None = b.median_reply
    return (
        label,
        b.items,
        f"{b.items_per_day:.1f}",
        percent(b.reply_rate) if b.reply_rate is not None else "-",
        duration(median) if median is not None else "-",
        b.negative,
        f"{b.tone:+.2f}" if b.tone is not None else "-",
    )
