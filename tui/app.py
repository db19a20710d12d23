"""The Textual app: loads themes, opens the workspace's store, shows the inbox."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from core.store.repository import Store
from core.workspace import Workspace
from tui.themes import APP_VARIABLES, DEFAULT_THEME, load_themes


class RapportApp(App[int]):
    TITLE = "Rapport"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit Rapport"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.store: Store | None = None
        loaded = load_themes(workspace.paths.config_dir / "themes")
        for theme in loaded.themes:
            self.register_theme(theme)
        self._theme_problems = loaded.problems
        wanted = workspace.config.general.theme
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    async def on_mount(self) -> None:
        for problem in self._theme_problems:
            self.notify(f"theme skipped: {problem}", severity="warning")
        self.store = await self.workspace.open_store()
        from tui.screens.inbox import InboxScreen

        await self.push_screen(InboxScreen(self.store))

    async def on_unmount(self) -> None:
        if self.store is not None:
            await self.store.close()


def run_app(workspace: Any) -> int:
    app = RapportApp(workspace)
    result = app.run()
    return int(result or 0)
