"""JSON for the hot paths (platform answers, rows stored per item) through orjson, which
decodes and encodes faster than the standard library. What orjson refuses and the standard
library takes (NaN, a body in UTF-16) still goes through the standard library, so nothing that
decoded before fails now. One difference stays: orjson reads an integer beyond 64 bits as a
float. No platform sends one (ids are strings on Mastodon, Bluesky and Reddit, 64-bit integers
on GitHub), and the store reads its own rows with the standard library."""

from __future__ import annotations

import json
from typing import Any

import orjson

#: What a malformed document raises, from either decoder.
DecodeError = (json.JSONDecodeError, orjson.JSONDecodeError, UnicodeDecodeError)


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text, non-ASCII kept as is (as `json.dumps(ensure_ascii=False,
    separators=(",", ":"))` writes it)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0).decode()
    except TypeError:  # e.g. an integer beyond 64 bits
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys)
