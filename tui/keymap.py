"""The user's [keys] from the config: binding id -> keys, checked before it reaches Textual.

An id that no binding has (a typo, or an action that was renamed) is reported in a warning
notification and ignored; the app never fails to start over a keymap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding

_KEY = re.compile(r"^((ctrl|shift|alt|meta|super|hyper)\+)*([A-Za-z0-9_]+|.)$")


@dataclass(slots=True)
class CheckedKeymap:
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def binding_classes() -> list[type]:
    """Every class whose BINDINGS users may remap (imported here, not at start-up)."""
    from tui.app import RapportApp
    from tui.modals.snippets import SnippetModal
    from tui.modals.snooze import SnoozeModal
    from tui.modals.tag import TagModal
    from tui.screens.composer import ComposerScreen
    from tui.screens.help import HelpScreen
    from tui.screens.inbox import InboxScreen
    from tui.screens.welcome import WelcomeScreen
    from tui.widgets.item_list import ItemList
    from tui.widgets.search_bar import SearchBar

    # In the order the help screen and README list them: the inbox first (moving, then
    # acting), then the other screens and dialogs, then the keys that work everywhere.
    return [
        ItemList,
        InboxScreen,
        SearchBar,
        ComposerScreen,
        SnoozeModal,
        TagModal,
        SnippetModal,
        HelpScreen,
        RapportApp,
        WelcomeScreen,
    ]


#: Where each class's keys work, as the help screen and README's key table name it.
SCREEN_NAMES = {
    "RapportApp": "everywhere",
    "InboxScreen": "inbox",
    "ItemList": "inbox",
    "SearchBar": "search box",
    "ComposerScreen": "composer",
    "SnoozeModal": "snooze",
    "TagModal": "tag",
    "SnippetModal": "snippets",
    "HelpScreen": "help",
    "WelcomeScreen": "welcome",
}


def every_binding() -> list[tuple[str, Binding]]:
    """(where, binding) for every binding users may remap, in the order the classes declare
    them (the help screen and README's table list them so)."""
    return [
        (SCREEN_NAMES.get(cls.__name__, cls.__name__), binding)
        for cls in binding_classes()
        for binding in getattr(cls, "BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    ]


def known_bindings(classes: Iterable[type] | None = None) -> dict[str, Binding]:
    found: dict[str, Binding] = {}
    for cls in classes if classes is not None else binding_classes():
        for binding in getattr(cls, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found[binding.id] = binding
    return found


def check_keymap(wanted: Mapping[str, str], known: Iterable[str]) -> CheckedKeymap:
    ids = set(known)
    checked = CheckedKeymap()
    for binding_id, keys in wanted.items():
        if binding_id not in ids:
            close = sorted(i for i in ids if i.split(".")[-1] == binding_id.split(".")[-1])
            hint = f" (did you mean {close[0]}?)" if close else " (see ? for the ids)"
            checked.problems.append(f"[keys] {binding_id}: no such action{hint}")
            continue
        parts = [k.strip() for k in str(keys).split(",")]
        bad = [k for k in parts if not k or not _KEY.match(k)]
        if bad:
            checked.problems.append(f"[keys] {binding_id} = {keys!r}: not a key name")
            continue
        checked.keymap[binding_id] = ",".join(parts)
    return checked
