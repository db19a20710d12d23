"""The database holds direct messages: only the user may read it (file 0600, folder 0700)."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.store.repository import Store
from core.workspace import Workspace
from tests.factories import account, item

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files are created world-readable by default."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


async def test_a_new_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "rapport.db"
    store = await Store.open(path)
    try:
        await store.ensure_account(account())
        await store.ingest("work", [item(1)])  # a write: the -wal and -shm files exist now
        companions = [path.with_name(f"rapport.db{end}") for end in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)
        assert {p.name: mode(p) for p in [path, *companions]} == {
            "rapport.db": 0o600,
            "rapport.db-wal": 0o600,
            "rapport.db-shm": 0o600,
        }
        assert mode(path.parent) == 0o700
    finally:
        await store.close()


async def test_an_older_world_readable_database_is_tightened_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "rapport.db"
    store = await Store.open(path)
    await store.close()
    path.chmod(0o644)
    store = await Store.open(path)
    try:
        assert mode(path) == 0o600
    finally:
        await store.close()


async def test_the_workspace_data_folder_is_private(rapport_home: Path) -> None:
    workspace = Workspace.load()
    store = await workspace.open_store()
    await store.close()
    assert mode(workspace.paths.data_dir) == 0o700
    assert mode(workspace.paths.database) == 0o600
