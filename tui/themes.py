"""Themes as data: built-ins from the package's themes/ folder, the user's from
<config>/themes/. A broken theme file is reported and skipped, never a crash."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.theme import Theme

from themes import THEMES_DIR

DEFAULT_THEME = "rapport-dark"

#: The app's own theme variables and their defaults (used when a theme leaves one out).
APP_VARIABLES: dict[str, str] = {
    "conflict": "#EF5B5B",
    "conflict-muted": "#5A2A2E",
    "positive": "#6BCB77",
    "owed": "#F2A65A",
    "muted-text": "#8A93A3",
    "platform-mastodon": "#8C8DFF",
    "platform-bluesky": "#4FA3FF",
    "platform-reddit": "#FF6A3D",
    "platform-github": "#C9D1D9",
}

_FIELDS = {
    "name",
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
    "dark",
    "boost",
    "luminosity_spread",
    "text_alpha",
}


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def load_theme_file(path: Path) -> Theme:
    """Parse and validate one theme file; raises ValueError saying what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read it ({exc})") from None
    unknown = set(data) - _FIELDS - {"variables"}
    if unknown:
        raise ValueError(f"{path.name}: unknown keys {', '.join(sorted(unknown))}")
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ValueError(f"{path.name}: a theme needs at least name and primary")
    variables = data.pop("variables", {})
    if not isinstance(variables, dict):
        raise ValueError(f"{path.name}: [variables] must be a table of colours")
    from textual.color import Color, ColorParseError

    for key in (
        "primary",
        "secondary",
        "accent",
        "foreground",
        "background",
        "surface",
        "panel",
        "success",
        "warning",
        "error",
    ):
        if key in data:
            try:
                Color.parse(data[key])
            except ColorParseError:
                raise ValueError(f"{path.name}: {key} = {data[key]!r} is not a colour") from None
    merged = {**APP_VARIABLES, **{str(k): str(v) for k, v in variables.items()}}
    return Theme(variables=merged, **data)


def load_themes(user_dir: Path | None) -> LoadedThemes:
    loaded = LoadedThemes()
    folders = [THEMES_DIR] + ([user_dir] if user_dir and user_dir.is_dir() else [])
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                loaded.themes.append(load_theme_file(path))
            except ValueError as exc:
                loaded.problems.append(str(exc))
    return loaded
