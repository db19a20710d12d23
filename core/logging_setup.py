"""Logging for headless runs: a rotating file under the data folder, stderr too with -v.

Every line passes through a formatter that blanks out any secret this process has loaded
(core.secrets keeps the list), tracebacks included, so a token that ends up in an exception
message (an HTTP library complaining about a header, say) never reaches the file or the terminal.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from typing import TYPE_CHECKING

from core.secrets import redact

if TYPE_CHECKING:
    from core.workspace import Workspace

LOGGER = "rapport"
#: Marks the handlers configure_logging installed, so a second call replaces them.
_MARK = "_rapport_handler"
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces every known secret (message and traceback alike)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def configure_logging(workspace: Workspace, verbose: bool) -> None:
    """Send the `rapport` loggers to `logs/rapport.log` under the data folder (1 MB, 3 kept);
    with `verbose`, to stderr as well and at DEBUG level. Calling it again (another workspace,
    a test) replaces what the previous call installed."""
    reset_logging()
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    log_dir = workspace.paths.log_dir
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler: logging.Handler = logging.handlers.RotatingFileHandler(
        log_dir / "rapport.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter(FILE_FORMAT))
    _install(logger, handler)
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(RedactingFormatter(STDERR_FORMAT))
        _install(logger, stream)


def reset_logging() -> None:
    """Remove (and close) the handlers configure_logging installed."""
    logger = logging.getLogger(LOGGER)
    for handler in list(logger.handlers):
        if getattr(handler, _MARK, False):
            logger.removeHandler(handler)
            handler.close()


def _install(logger: logging.Logger, handler: logging.Handler) -> None:
    setattr(handler, _MARK, True)
    logger.addHandler(handler)
