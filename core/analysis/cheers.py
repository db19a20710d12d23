"""Swearing as cheering: "hell yeah, it works!", "fucking awesome release".

Fans swear too, and the swear word then intensifies joy rather than anger. Left as it is, the
word lists, VADER and the offensive head all read such a message as heated. Here the swear word
of a cheering phrase is blanked (same length, so every span still points at the same
characters) before the text is judged; "hell no", "what the hell" and a swear word aimed at a
person are not cheering and stay as they are.
"""

from __future__ import annotations

import re

_SWEAR = r"(?:hell|fuck|fucking|fuckin|fkn|frickin|freaking|heck|damn|damned|bloody|hella)"
_YES = r"(?:yeah|yes|yea|yeh|yep|ya|yasss*)"
_GOOD = (
    r"(?:awesome|amazing|great|good|brilliant|nice|cool|fast|beautiful|excellent|fantastic|"
    r"incredible|impressive|helpful|useful|solid|clean|elegant|smooth|happy|proud|love|loved|"
    r"stoked|excited|glad|grateful|thankful|perfect|slick|gorgeous)"
)
_CHEER = re.compile(
    rf"\b(?P<yes>{_SWEAR})\s*,?\s+{_YES}\b"  # hell yeah, fuck yes
    rf"|\b(?P<good>{_SWEAR})\s+{_GOOD}\b",  # fucking awesome, damn good
    re.IGNORECASE,
)
# A cheap necessary condition for _CHEER, on the lower-cased text: one of the swear words' stems.
# _CHEER starts with `\b` and ignores case, so the regex engine tries it at every position; this
# has a literal first character and no flags, so the engine skips to the few candidates (~4x faster
# on a text without a swear word, most of them). Under IGNORECASE, "i" also matches "ı" and "İ"
# (which lower-cases to "i" + a combining dot), and "k" the Kelvin sign (lower-cased to "k").
_SWEAR_STEMS = re.compile(r"hell|fuck|fkn|fr(?:i|ı|i\u0307)ck|freak|heck|damn|bloody")


def defuse_cheers(text: str) -> str:
    """`text` with the swear word of each cheering phrase blanked out."""
    if not _SWEAR_STEMS.search(text.lower()) or not _CHEER.search(text):
        return text
    chars = list(text)
    for match in _CHEER.finditer(text):
        group = "yes" if match.group("yes") else "good"
        start, end = match.span(group)
        chars[start:end] = " " * (end - start)
    return "".join(chars)
