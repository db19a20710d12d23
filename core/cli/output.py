"""Printing for the command line: aligned tables on a terminal, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from core.markup.clean import clean_text


def print_json(data: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def print_table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], stream: TextIO | None = None
) -> None:
    """Plain aligned columns. Cell text is platform data: cleaned of control characters."""
    out = stream or sys.stdout
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))
    out.write("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    out.write("\n")
    for row in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return clean_text(text).replace("\n", " ").replace("\t", " ")


def confirm(prompt: str) -> bool:
    try:
        answer = input(f"{prompt} [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")
