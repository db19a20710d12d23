"""core/ never imports Textual (or our tui): checked in a fresh interpreter.

Rich is not asserted absent here: httpx imports it for its own command line whenever click is
installed. That core/ itself never imports rich is checked by import-linter (pyproject.toml)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import core


def core_modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(core.__path__, prefix="core.") if not m.ispkg
    )


def test_every_core_module_imports_without_textual() -> None:
    modules = core_modules()
    assert "core.store.repository" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
