"""The `rapport` console script: headless commands run from core.cli; the app opens lazily."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core.cli.main import run

    return run(sys.argv[1:] if argv is None else argv, open_app=_open_app)


def _open_app(workspace: object) -> int:
    from tui.app import run_app

    return run_app(workspace)


if __name__ == "__main__":
    sys.exit(main())
