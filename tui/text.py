"""Untrusted text made safe to show, and the small formatting helpers the screens share.

Everything a platform sends (message text, names, handles, tags, error messages quoting a
server) goes through `safe()` and is shown as a `rich.text.Text` built from plain strings, never
parsed as Rich or Textual markup. `safe()` removes whole terminal escape sequences (CSI such as
`ESC [2J`, OSC such as `ESC ]0;title BEL`), then every remaining control and bidi override
character (core.markup.clean_text), so nothing from a message can move the cursor, clear the
screen, retitle the terminal or reorder what the user reads.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from rich.style import Style
from rich.text import Text

from core.markup.clean import clean_text

# ESC or the 8-bit C1 introducers: CSI (ESC [ / 0x9B), OSC, DCS, SOS, PM, APC (string commands
# ended by BEL or ST), and the two-character escapes (ESC followed by one byte).
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC etc.
    r"|\x1b[ -/]*[0-~]"  # two-character escapes (charset, keypad, reset)
)
_INTRODUCERS = re.compile(r"[\x1b\x90\x98\x9b-\x9f]")
_SPACES = re.compile(r"\s+")


def safe(text: str) -> str:
    """`text` with terminal escape sequences, control characters and bidi overrides removed
    (newlines and tabs stay)."""
    if _INTRODUCERS.search(text) is not None:
        text = _SEQUENCES.sub("", text)
    return clean_text(text)


def one_line(text: str) -> str:
    """Safe text squeezed to one line (for list rows and previews of a thread)."""
    return _SPACES.sub(" ", safe(text)).strip()


def literal(text: str, style: Style | str = "") -> Text:
    """A Text showing `text` exactly as characters (never markup), made safe first."""
    return Text(safe(text), style=style, end="")


def highlight_spans(
    text: str, spans: list[tuple[int, int]], style: Style | str, base: Style | str = ""
) -> Text:
    """Safe text with the given character spans of the *original* text styled.

    Spans from the analyser index the text it checked. Removing escapes would shift them, so
    the text is cut at the span edges first and each piece is made safe on its own."""
    edges = sorted({0, len(text), *(p for span in spans for p in span if 0 <= p <= len(text))})
    marked = [False] * max(0, len(edges) - 1)
    for index in range(len(edges) - 1):
        start, end = edges[index], edges[index + 1]
        marked[index] = any(s <= start and end <= e for s, e in spans)
    result = Text(style=base, end="")
    for index in range(len(edges) - 1):
        piece = safe(text[edges[index] : edges[index + 1]])
        result.append(piece, style=style if marked[index] else None)
    return result


def graphemes(text: str) -> int:
    """User-perceived characters, as Bluesky counts them: combining marks, variation selectors,
    skin tones, ZWJ-joined emoji and the second of a flag's regional indicators add none."""
    count = 0
    joined = False
    regional_open = False
    for char in text:
        code = ord(char)
        extends = (
            unicodedata.combining(char) != 0
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
            or code == 0x200D
        )
        regional = 0x1F1E6 <= code <= 0x1F1FF
        if regional and regional_open:
            regional_open = False
            joined = False
            continue
        if not extends and not joined:
            count += 1
        regional_open = regional
        joined = code == 0x200D
    return count


def length_in(text: str, unit: str) -> int:
    return graphemes(text) if unit == "graphemes" else len(text)


def age(moment: datetime, now: datetime) -> str:
    """'now', '5m', '3h', '2d', '6w', '1y': short enough for a list column."""
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 60:
        return "now"
    if seconds < 3_600:
        return f"{int(seconds // 60)}m"
    if seconds < 86_400:
        return f"{int(seconds // 3_600)}h"
    if seconds < 14 * 86_400:
        return f"{int(seconds // 86_400)}d"
    if seconds < 365 * 86_400:
        return f"{int(seconds // 604_800)}w"
    return f"{int(seconds // 31_536_000)}y"


def ago(moment: datetime, now: datetime) -> str:
    """'just now', '5m ago', '3h ago': `age` for a sentence (the list's column says 'now')."""
    short = age(moment, now)
    return "just now" if short == "now" else f"{short} ago"


def duration(seconds: float) -> str:
    """'45 s', '12 min', '2 h', '3 d' (for sentences)."""
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3_600:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86_400:
        hours = seconds / 3_600
        return f"{hours:.1f} h".replace(".0 h", " h") if hours < 10 else f"{round(hours)} h"
    return f"{round(seconds / 86_400)} d"


def local_time(moment: datetime, now: datetime) -> str:
    """A timestamp in the user's time zone: time only today, weekday this week, else the date."""
    here = moment.astimezone()
    today = now.astimezone()
    if here.date() == today.date():
        return here.strftime("%H:%M")
    if timedelta(0) <= today - here < timedelta(days=6):
        return here.strftime("%a %H:%M")
    if here.year == today.year:
        return here.strftime("%d %b %H:%M")
    return here.strftime("%d %b %Y")


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"
