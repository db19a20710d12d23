"""Platform answers decode as the standard library would, only faster: what orjson refuses
must still arrive, and what is malformed is still a clear BadResponse."""

from __future__ import annotations

import json

import httpx
import pytest

from core import jsoncodec
from core.connectors.base import BadResponse
from core.connectors.http import decode_json


def answer(body: bytes, content_type: str = "application/json") -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": content_type})


@pytest.mark.parametrize(
    "body",
    [
        b'{"id": 18446744073709551615, "node": -9223372036854775808}',  # 64-bit ids exact
        b'{"score": NaN}',
        '{"text": "caf\u00e9 \U0001f600"}'.encode("utf-16"),
        '{"text": "\u00e9t\u00e9"}'.encode(),
    ],
)
def test_every_body_the_standard_library_reads_still_decodes(body: bytes) -> None:
    expected = json.loads(body)
    got = decode_json(answer(body), "read")
    assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b'{"a": ', b"\xff\xfe\xfa"])
def test_a_malformed_body_says_what_arrived(body: bytes) -> None:
    with pytest.raises(BadResponse, match=r"read: the platform sent malformed JSON \(text/html\)"):
        decode_json(answer(body, "text/html"), "read")


def test_stored_json_round_trips_including_what_orjson_cannot_write() -> None:
    value = {"b": [1, 2**70 + 1], "a": "\u00e9\u0000\x1b[31m", "c": {"z": 1, "y": None}}
    text = jsoncodec.dumps(value, sort_keys=True)
    assert json.loads(text) == value  # the store reads its rows with the standard library
    assert list(json.loads(text)) == ["a", "b", "c"]
    assert jsoncodec.dumps({"z": 1, "a": 2}, sort_keys=True) == '{"a":2,"z":1}'
