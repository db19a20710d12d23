"""Print the README's key bindings table from the bindings themselves.

    python -m scripts.keys_table

tests/tui/test_keys_palette.py checks the README carries exactly this table, so the docs cannot
drift from the keys.
"""

from __future__ import annotations

from tui.keymap import binding_classes

_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "down": "↓",
    "up": "↑",
    "tab": "Tab",
}
_WHERE = {
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


def key_label(keys: str) -> str:
    return " ".join(f"`{_NAMES.get(k, k)}`" for k in keys.split(","))


def keys_table() -> str:
    lines = ["| where | keys | what it does | id (for `[keys]`) |", "| --- | --- | --- | --- |"]
    for cls in binding_classes():
        for binding in getattr(cls, "BINDINGS", []):
            binding_id = getattr(binding, "id", None)
            if not binding_id:
                continue
            what = binding.tooltip or binding.description
            where = _WHERE.get(cls.__name__, cls.__name__)
            lines.append(f"| {where} | {key_label(binding.key)} | {what} | `{binding_id}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(keys_table())
