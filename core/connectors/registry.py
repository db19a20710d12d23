"""Finding connectors: built-ins and third-party ones alike come from the `rapport.connectors`
entry point group, so a new platform plugs in without touching core/."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from core.connectors.base import Connector
from core.errors import UsageError

GROUP = "rapport.connectors"

# Used when the package metadata is missing (a source tree run without installing).
_BUILTIN: dict[str, str] = {}


@cache
def available() -> dict[str, str]:
    """Platform name -> 'module:Class' for every installed connector."""
    found = dict(_BUILTIN)
    for entry in entry_points(group=GROUP):
        found[entry.name] = entry.value
    return found


def connector_class(platform: str) -> type[Connector]:
    target = available().get(platform)
    if target is None:
        names = ", ".join(sorted(available())) or "none installed"
        raise UsageError(f"unknown platform {platform!r}: choose one of {names}")
    module_name, _, class_name = target.partition(":")
    import importlib

    module = importlib.import_module(module_name)
    cls = getattr(module, class_name)
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise UsageError(f"the connector for {platform!r} ({target}) is not a Connector")
    return cls
