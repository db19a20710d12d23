"""Run every benchmark module (bench/bench_*.py) and print one table.

Each module exposes `run(quick: bool) -> list[Row]` (a coroutine function is awaited).
`python -m bench [NAME ...] [--quick]` runs only the named modules, e.g. `store tone`.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

from bench.common import Row


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    folder = Path(__file__).parent
    modules = pkgutil.iter_modules([str(folder)])
    names = sorted(m.name for m in modules if m.name.startswith("bench_"))
    if wanted:
        names = [n for n in names if n.removeprefix("bench_") in wanted]
    rows: list[Row] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"running {name} ...", file=sys.stderr, flush=True)
        result = module.run(quick)
        if inspect.isawaitable(result):
            result = asyncio.run(result)
        rows.extend(result)
    print_table(rows)
    return 0 if all(row.met is not False for row in rows) else 1


def print_table(rows: list[Row]) -> None:
    header = ("benchmark", "value", "unit", "target", "")
    lines = [header]
    for row in rows:
        mark = {True: "ok", False: "MISSED", None: ""}[row.met]
        lines.append((row.name, f"{row.value:,.1f}", row.unit, row.target, mark))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
