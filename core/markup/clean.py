"""Make untrusted platform text safe to show in a terminal.

Message text is data, never terminal control: C0 and C1 control characters (escape sequences start
with ESC, U+001B, or the C1 CSI, U+009B) and the bidi override and isolate characters (which can
make text render in a different order than it is stored, the "Trojan Source" trick) are removed.
Newlines and tabs stay; a carriage return is dropped, so Windows line ends become plain newlines.
"""

from __future__ import annotations

import re

_KEEP = {ord("\n"), ord("\t")}
_CONTROLS = [c for c in range(0x20) if c not in _KEEP] + list(range(0x7F, 0xA0))
_BIDI = list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A))
# str.translate with a dict mapping to None runs in C: one pass, no per-character Python work.
_DROP: dict[int, None] = dict.fromkeys(_CONTROLS + _BIDI)
# Almost all text is clean: finding nothing (a regex scan, no new string) is the fast path.
_UNSAFE = re.compile("[" + "".join(f"\\u{c:04x}" for c in _CONTROLS + _BIDI) + "]")


def clean_text(s: str) -> str:
    """`s` without control characters (except newline and tab) and bidi overrides."""
    if _UNSAFE.search(s) is None:
        return s
    return s.translate(_DROP)
