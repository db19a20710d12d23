"""Finding connectors: third-party ones come from the `rapport.connectors` entry point group, so
a new platform plugs in without touching core/; the four built-in ones are always there, even in
a source tree run without installing (no package metadata, so no entry points).

Listing platforms never imports a connector: a plugin that fails to import is reported (a
warning in the log, a clear error naming it) only when an account on its platform is used, and
never stops the others.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from core.errors import RapportError, UsageError

if TYPE_CHECKING:
    from core.connectors.base import Connector

GROUP = "rapport.connectors"

log = logging.getLogger("rapport.connectors")

#: Always available, with or without installed entry points (an entry point of the same name,
#: e.g. from an installed copy of this package, points at the same class).
_BUILTIN: dict[str, str] = {
    "mastodon": "core.connectors.mastodon:MastodonConnector",
    "bluesky": "core.connectors.bluesky:BlueskyConnector",
    "reddit": "core.connectors.reddit:RedditConnector",
    "github": "core.connectors.github:GitHubConnector",
}


class PluginError(RapportError):
    """A connector plugin is installed but cannot be loaded (exit 2: fix the installation)."""

    exit_code = 2


@cache
def available() -> dict[str, str]:
    """Platform name -> 'module:Class' for the built-in and every installed connector."""
    found = dict(_BUILTIN)
    try:
        entries = list(entry_points(group=GROUP))
    except Exception as exc:  # broken metadata somewhere on sys.path: keep the built-ins
        log.warning("could not read the %s entry points: %s", GROUP, exc)
        return found
    for entry in entries:
        found[entry.name] = entry.value
    return found


def known_platforms() -> list[str]:
    return sorted(available())


def connector_class(platform: str) -> type[Connector]:
    from core.connectors.base import Connector

    target = available().get(platform)
    if target is None:
        names = ", ".join(known_platforms())
        raise UsageError(f"unknown platform {platform!r}: choose one of {names}")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except Exception as exc:  # a broken plugin: say which, never crash the caller
        message = (
            f"the connector for {platform!r} ({target}) could not be loaded: "
            f"{type(exc).__name__}: {exc}. Reinstall the plugin that provides it, or remove "
            f"the accounts on {platform!r}"
        )
        log.warning("%s", message, exc_info=True)
        raise PluginError(message) from None
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        message = f"the connector for {platform!r} ({target}) is not a Connector subclass"
        log.warning("%s", message)
        raise PluginError(message)
    return cls
