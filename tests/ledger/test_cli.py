"""`rapport contacts` and `rapport stats`: exit codes, one-line errors, JSON shape, tables."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from core.cli.main import run
from core.models import Account
from core.paths import resolve_paths
from core.store.repository import Store
from tests.ledger.history import History, StoreClock, at, incoming, person
from tests.ledger.test_known_history import build


def no_app(workspace: object) -> int:
    raise AssertionError("the app should not open")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        code = run(list(args), open_app=no_app)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def workspace_history(monkeypatch: pytest.MonkeyPatch) -> History:
    """The known history (see test_known_history) in the workspace's own database, plus a
    Maria on Bluesky and another Maria on Mastodon, closed again so each command opens it as
    a user's would."""

    async def fill() -> History:
        paths = resolve_paths()
        paths.ensure()
        store = await Store.open(paths.database)
        for name, platform in (("work", "mastodon"), ("sky", "bluesky")):
            await store.ensure_account(Account(name, platform, f"https://{platform}.example"))
        history = History(store, StoreClock(monkeypatch))
        await build(history)
        sky_maria = person("did:plc:m", "@maria.bsky.social", "Maria", platform="bluesky")
        await history.receive(incoming("s1", sky_maria, at(days=8, hours=3), account="sky"))
        # Another Maria, whose handle shares the name before the instance.
        other = person("m-2", "@maria@mastodon.social", "Maria Other")
        await history.receive(incoming("o1", other, at(days=8, hours=4)))
        await store.close()
        return history

    return asyncio.run(fill())


def test_contacts_json_lists_every_contact_with_numbers_and_flags(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, out, err = cli(capsys, "contacts", "--json", "--sort", "volume")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert [c["name"] for c in data] == ["Maria", "Bob", "Maria Other", "Maria"]
    maria = data[0]
    assert maria["kind"] == "contact"
    assert (maria["received"], maria["answered"], maria["streak"]) == (9, 4, 3)
    assert maria["median_reply_seconds"] == 75 * 60
    assert maria["platforms"] == ["mastodon"]
    assert {f["kind"] for f in maria["flags"]} >= {"owed", "neglected"}
    assert isinstance(maria["sentence"], str)


def test_contacts_table_on_a_terminal(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, out, _ = cli(capsys, "contacts", "--limit", "1", "--sort", "volume")
    assert code == 0
    header, row = out.splitlines()
    for column in ("CONTACT", "PLATFORMS", "RECEIVED", "REPLY RATE", "MEDIAN REPLY", "STREAK"):
        assert column in header
    assert row.startswith("Maria (@maria_g@fosstodon.org)")
    assert "44%" in row
    assert "75 min" in row


def test_linking_by_handle_then_listing_the_person(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    # "maria" alone is two contacts: refused, naming both.
    code, _, err = cli(capsys, "contacts", "link", "maria", "bob")
    assert code == 2
    assert "matches 2 contacts" in err
    assert "@maria.bsky.social (bluesky)" in err
    assert "@maria@mastodon.social (mastodon)" in err
    assert err.count("\n") == 1

    code, out, err = cli(capsys, "contacts", "link", "@maria_g@fosstodon.org", "maria.bsky.social")
    assert (code, err) == (0, "")
    assert out.startswith("linked @maria_g@fosstodon.org (mastodon, id 1) and ")

    code, out, _ = cli(capsys, "contacts", "--person", "Maria", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [(r["kind"], r["received"]) for r in rows] == [
        ("person", 10),
        ("contact", 9),
        ("contact", 1),
    ]
    assert rows[0]["platforms"] == ["bluesky", "mastodon"]

    code, out, _ = cli(capsys, "contacts", "unlink", "maria.bsky.social")
    assert code == 0
    assert out.startswith("unlinked @maria.bsky.social (bluesky, id ")


def test_contact_and_person_errors_exit_2_in_one_line(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    for args, expected in (
        (("contacts", "link", "nobody-at-all", "bob"), "no contact matches 'nobody-at-all'"),
        (("contacts", "unlink", "424242"), "no contact has id 424242"),
        (("contacts", "--person", "Zed"), "--person: no person named 'Zed'"),
        (("contacts", "--sort", "loudest"), "invalid choice: 'loudest'"),
        (("contacts", "--limit", "0"), "--limit"),
        (("stats", "--since", "last tuesday"), "--since: 'last tuesday' is not a date"),
    ):
        code, out, err = cli(capsys, *args)
        assert code == 2, args
        assert expected in err, (args, err)
        assert err.count("\n") == 1, err
        assert "Traceback" not in err
        assert out == ""


def test_suggest_json_and_table(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, out, _ = cli(capsys, "contacts", "suggest", "--json")
    assert code == 0
    [suggestion] = json.loads(out)
    assert set(suggestion) == {
        "contact_a",
        "contact_b",
        "label_a",
        "label_b",
        "confidence",
        "evidence",
    }
    assert (suggestion["label_a"], suggestion["label_b"]) == (
        "@maria.bsky.social (bluesky)",
        "@maria@mastodon.social (mastodon)",
    )
    assert suggestion["evidence"] == [
        'same handle "maria" (@maria.bsky.social and @maria@mastodon.social)'
    ]
    assert suggestion["confidence"] == 0.45
    code, out, _ = cli(capsys, "contacts", "--json", "suggest")
    assert json.loads(out) == [suggestion]
    code, out, _ = cli(capsys, "contacts", "suggest")
    assert "CONFIDENCE" in out.splitlines()[0]
    assert "rapport contacts link A B" in out


def test_stats_json_and_table(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, out, _ = cli(capsys, "stats", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["overall"]["items"] == 13
    assert set(data["platforms"]) == {"mastodon", "bluesky"}
    assert set(data["accounts"]) == {"work", "sky"}
    assert list(data["overall"]["response_times"]) == [
        "under 1 h",
        "1-4 h",
        "4-24 h",
        "1-3 days",
        "3-7 days",
        "over 7 days",
    ]
    code, out, _ = cli(capsys, "stats", "--since", "2026-11-10")
    assert code == 0
    assert out.startswith("since 2026-11-10:")
    assert "platform bluesky" in out


def test_contacts_table_says_how_long_a_reply_is_owed_how_many_flags_and_the_most_pressing(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, out, _ = cli(capsys, "contacts", "--json")
    first = json.loads(out)[0]
    code, out, _ = cli(capsys, "contacts", "--limit", "1")
    assert code == 0
    header, row = out.splitlines()
    columns = ("CONTACT", "OWED FOR", "STREAK", "FLAGS", "MOST PRESSING FLAG")
    assert [header.index(c) for c in columns] == sorted(header.index(c) for c in columns)
    cells = row.split("  ")
    assert str(len(first["flags"])) in [cell.strip() for cell in cells]
    assert row.rstrip().endswith(first["flags"][0]["sentence"])
    assert "weeks" in row  # Maria's oldest owed message, from November
    with pytest.raises(SystemExit):
        cli(capsys, "contacts", "--help")
    described = " ".join(capsys.readouterr().out.split())
    assert "puts first the longest wait of an owed reply" in described
    assert "then the longest unanswered streak" in described


def test_a_person_left_with_one_contact_says_1_contact_and_how_to_dissolve_it(
    capsys: pytest.CaptureFixture[str], workspace_history: History
) -> None:
    code, _, err = cli(capsys, "contacts", "link", "@maria_g@fosstodon.org", "maria.bsky.social")
    assert code == 0, err
    code, out, _ = cli(capsys, "contacts", "--person", "Maria")
    assert "Maria (person, 2 contacts)" in out

    code, out, _ = cli(capsys, "contacts", "unlink", "maria.bsky.social")
    assert code == 0
    assert ", which keeps 1 contact: @maria_g@fosstodon.org (mastodon, id 1)" in out
    assert "`rapport contacts unlink 1` dissolves the person" in out
    code, out, _ = cli(capsys, "contacts", "--person", "Maria")
    assert "Maria (person, 1 contact)" in out
    assert "1 contacts" not in out

    code, out, _ = cli(capsys, "contacts", "unlink", "1")
    assert code == 0
    assert "it had no other contact, so the person is gone" in out
    code, _, err = cli(capsys, "contacts", "--person", "Maria")
    assert code == 2


@pytest.fixture
def paris_now(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """Now is 11 November 09:00 UTC (the known history's), and local time is Paris (CET)."""
    now = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
    monkeypatch.setattr("core.ledger.ledger.utcnow", lambda: now)
    monkeypatch.setattr("core.cli.ledger_cmds.utcnow", lambda: now)
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    try:
        yield now
    finally:
        if old is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = old
        time.tzset()


def test_stats_since_a_duration_or_a_date_counts_exactly_what_the_header_says(
    capsys: pytest.CaptureFixture[str], workspace_history: History, paris_now: datetime
) -> None:
    # 2d: the last 48 h. A date: from local midnight (Paris) at its start.
    code, out, _ = cli(capsys, "stats", "--since", "2d", "--json")
    assert code == 0
    relative = json.loads(out)
    assert (relative["since"], relative["days"]) == ("2026-11-09T09:00:00Z", 2)
    code, out, _ = cli(capsys, "stats", "--since", "2026-11-09", "--json")
    assert code == 0
    absolute = json.loads(out)
    assert (absolute["since"], absolute["days"]) == ("2026-11-08T23:00:00Z", 3)
    assert [d["date"] for d in absolute["daily"]] == ["2026-11-09", "2026-11-10", "2026-11-11"]

    code, out, _ = cli(capsys, "stats", "--since", "2d")
    assert code == 0
    assert out.splitlines()[0] == (
        "last 2d: from Mon 09 Nov 2026 10:00 to now (Wed 11 Nov 10:00 CET); "
        "2 days, 5 owed a reply now"
    )
    code, out, _ = cli(capsys, "stats", "--since", "2026-11-09")
    assert code == 0
    assert out.splitlines()[0] == (
        "since 2026-11-09: from local midnight, Mon 09 Nov 2026 00:00 to now "
        "(Wed 11 Nov 10:00 CET); 3 days, 5 owed a reply now"
    )
    code, out, _ = cli(capsys, "stats")
    assert code == 0
    assert out.splitlines()[0].startswith(
        "all history: from Mon 02 Nov 2026 (the first message's day) to now"
    )
    assert "; 10 days, " in out.splitlines()[0]


def test_stats_table_shows_tone_received_week_by_week(
    capsys: pytest.CaptureFixture[str], workspace_history: History, paris_now: datetime
) -> None:
    code, out, _ = cli(capsys, "stats", "--json")
    assert code == 0
    daily = json.loads(out)["daily"]
    code, out, _ = cli(capsys, "stats")
    assert code == 0
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("WEEK OF"))
    assert lines[start].split() == ["WEEK", "OF", "ITEMS", "NEGATIVE", "TONE", "RECEIVED"]
    weeks = [line.split() for line in lines[start + 1 : start + 3]]
    # Monday 2 November to Sunday 8, then Monday 9 on: every day's items in one of them.
    assert [w[:3] for w in weeks] == [["Mon", "02", "Nov"], ["Mon", "09", "Nov"]]
    assert int(weeks[0][3]) + int(weeks[1][3]) == sum(d["items"] for d in daily)
    assert all(w[5].startswith(("+", "-")) for w in weeks)
