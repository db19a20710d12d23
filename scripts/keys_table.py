"""Print the README's key bindings table from the bindings themselves.

    python -m scripts.keys_table

tests/tui/test_keys_palette.py checks the README carries exactly this table, so the docs cannot
drift from the keys.
"""

from __future__ import annotations

from tui.keymap import every_binding

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


def key_label(keys: str) -> str:
    return " ".join(f"`{_NAMES.get(k, k)}`" for k in keys.split(","))


def keys_table() -> str:
    lines = ["| where | keys | what it does | id (for `[keys]`) |", "| --- | --- | --- | --- |"]
    for where, binding in every_binding():
        what = binding.tooltip or binding.description
        lines.append(f"| {where} | {key_label(binding.key)} | {what} | `{binding.id}` |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(keys_table())
