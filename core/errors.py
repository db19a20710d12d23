"""Errors a user sees: each carries a one-line message that says what is wrong and what to do."""

from __future__ import annotations


class RapportError(Exception):
    """Base for errors reported to the user as a message, never as a traceback."""

    exit_code = 1


class UsageError(RapportError):
    """The command line was wrong (exit 2)."""

    exit_code = 2


class ConfigError(RapportError):
    """The configuration file is unreadable or invalid (exit 2)."""

    exit_code = 2


class SecretsError(RapportError):
    """Secrets could not be stored or read safely (exit 2)."""

    exit_code = 2


class StoreError(RapportError):
    """The database cannot be used as it is (e.g. it was written by a newer Rapport)."""

    exit_code = 2
