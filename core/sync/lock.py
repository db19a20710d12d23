"""One sync at a time per workspace: an advisory lock on a file in the data folder.

`rapport sync` and the app's background sync take the same lock. The kernel releases it when
the holder dies, so a killed sync never leaves a stale lock behind.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from pathlib import Path
from types import TracebackType

from core.errors import RapportError

EXIT_LOCKED = 3

log = logging.getLogger("rapport.sync.lock")


class SyncLocked(RapportError):
    """Another sync holds the lock."""

    exit_code = EXIT_LOCKED


class SyncLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return True

    async def acquire(self, wait: float, poll: float = 0.2) -> None:
        """Wait up to `wait` seconds for the lock, then give up with a clear message."""
        if self.try_acquire():
            return
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + wait
        log.info("another sync holds the lock%s; waiting up to %.0f s", self._holder(), wait)
        while not self.try_acquire():
            if loop.time() >= deadline:
                log.warning(
                    "gave up waiting for the sync lock after %.0f s%s",
                    loop.time() - started,
                    self._holder(),
                )
                raise SyncLocked(
                    f"another sync is running{self._holder()}; it was not interrupted. "
                    "Try again when it finishes."
                )
            await asyncio.sleep(poll)
        log.info("got the sync lock after %.1f s", loop.time() - started)

    def _holder(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            return ""
        return f" (process {pid})" if pid else ""

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    async def __aenter__(self) -> SyncLock:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
