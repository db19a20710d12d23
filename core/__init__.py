"""Rapport's headless domain: models, store, connectors, analysis, sync. Never imports Textual."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rapport-tui")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
