"""Every test runs with RAPPORT_HOME in a temporary folder and the file secrets backend, so
nothing touches the user's real config, data or keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
FIXTURES = SHARED / "fixtures"
DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def rapport_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "rapport-home"
    monkeypatch.setenv("RAPPORT_HOME", str(home))
    monkeypatch.setenv("RAPPORT_SECRETS_BACKEND", "file")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


def shared_fixture(relative: str) -> Path:
    """A recorded real response from ../shared/fixtures. Skips when it is absent, except under
    CI (CI=true), which always has the reference fixtures: there a missing one fails."""
    path = FIXTURES / relative
    if not path.exists():
        message = f"the reference fixtures are missing: {path} ({relative}) is not there"
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI must provide ../shared/fixtures beside the clone")
        pytest.skip(f"{message} (../shared/fixtures is not beside this clone)")
    return path
