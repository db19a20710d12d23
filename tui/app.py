"""The Textual app: themes, the user's keymap, the store, background sync, and the first screen.

Everything else lives in screens/, widgets/, modals/ and commands/. The same factory serves the
CLI (`run_app`) and the tests (`RapportApp(workspace, clock=..., background_sync=False)`).
"""

from __future__ import annotations

import gc
from typing import Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.signal import Signal
from textual.theme import Theme

from core.clock import Clock
from core.sync.progress import AccountProgress
from core.workspace import Workspace
from tui.commands.accounts import AccountsProvider
from tui.commands.actions import ActionsProvider
from tui.commands.themes import ThemesProvider
from tui.commands.views import ViewsProvider
from tui.demo_builder import DemoBuilder, DemoBuilt, DemoProgressed, demo_home
from tui.messages import SyncFinished, SyncProgressed, SyncStarted
from tui.services import Services
from tui.sync_controller import SyncController
from tui.themes import APP_VARIABLES, DEFAULT_THEME, load_themes

#: The first background sync waits this long after the first rows are drawn.
FIRST_SYNC_DELAY = 1.0
#: When start-up is over (the first rows are drawn) and its objects are here to stay.
FREEZE_AFTER = 0.5


def freeze_long_lived_objects() -> None:
    """Move what exists now out of the cyclic garbage collector's sight.

    Textual, Rich and the store leave ~100,000 long-lived objects after start-up; every full
    collection walked all of them, a 40-60 ms pause that landed on a key press now and then
    (measured: the p95 of done/undo went from ~80 ms to ~20 ms). Collect once, then freeze."""
    gc.collect()
    gc.freeze()


class RapportApp(App[int]):
    TITLE = "Rapport"
    CSS_PATH = [  # noqa: RUF012 - the type Textual declares for it
        "styles/app.tcss",
        "styles/inbox.tcss",
        "styles/dialogs.tcss",
        "styles/composer.tcss",
    ]
    COMMANDS = App.COMMANDS | {ActionsProvider, ViewsProvider, ThemesProvider, AccountsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit Rapport"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="app.palette",
            tooltip="Every action, view, saved search, theme and account",
        ),
    ]

    def __init__(
        self,
        workspace: Workspace,
        *,
        clock: Clock | None = None,
        background_sync: bool = True,
        analyzer: Any = None,
        demo_items: int | None = None,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.clock = clock or Clock()
        self._analyzer = analyzer
        self.services: Services | None = None
        self.sync = SyncController(self, workspace, self.clock)
        #: The demo the welcome screen offers (`demo_items`: its size; None: as `rapport demo`).
        self.demo = DemoBuilder(self, items=demo_items)
        self.background_sync = background_sync
        self.sync_accounts: dict[str, AccountProgress] = {}
        self.sync_note = ""
        #: Rounds finished (or skipped) since the app started.
        self.sync_rounds = 0
        self.sync_signal: Signal[Any] = Signal(self, "sync")
        #: The user's [keys] as applied, by binding id (the help screen shows these keys).
        self.user_keymap: dict[str, str] = {}
        loaded = load_themes(workspace.paths.config_dir / "themes")
        for theme in loaded.themes:
            self.register_theme(theme)
        self._problems = list(loaded.problems)
        wanted = workspace.config.general.theme
        if wanted not in self.available_themes:
            self._problems.append(f"theme {wanted!r} not found, using {DEFAULT_THEME}")
        self.theme = wanted if wanted in self.available_themes else DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(APP_VARIABLES)

    async def on_mount(self) -> None:
        from tui.keymap import check_keymap, known_bindings

        self._log_to(self.workspace)

        checked = check_keymap(self.workspace.config.keys, known_bindings())
        self.user_keymap = checked.keymap
        self.set_keymap(checked.keymap)
        for problem in [*self._problems, *checked.problems]:
            self.notify(problem, severity="warning", timeout=8, markup=False)
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.services = await self._open_services()
        await self._show_first_screen()

    def _log_to(self, workspace: Workspace) -> None:
        """The background sync logs as `rapport sync` does: to logs/rapport.log under this
        workspace's data folder (never to the terminal, which the app owns)."""
        from core.logging_setup import configure_logging

        try:
            configure_logging(workspace, False)
        except OSError as exc:
            self.notify(f"no log file: {exc}", severity="warning", timeout=8, markup=False)

    async def _open_services(self) -> Services:
        store = await self.workspace.open_store()
        # A second connection for counts that may walk a whole view (see tui.inbox_source).
        from core.store.repository import Store

        reader = await Store.open(self.workspace.paths.database)
        await store.wake_snoozed(self.clock.now())
        return Services(self.workspace, store, reader, self.clock, analyzer=self._analyzer)

    async def _show_first_screen(self) -> None:
        assert self.services is not None
        if not self.workspace.config.accounts and await self.services.store.count_items() == 0:
            from tui.screens.welcome import WelcomeScreen

            paths = self.workspace.paths
            await self.push_screen(WelcomeScreen(paths, demo_home(paths)))
            return
        from tui.screens.inbox import InboxScreen

        inbox = InboxScreen(self.services)
        await self.push_screen(inbox)
        self.sync_signal.subscribe(inbox, inbox.on_sync_event)
        self.set_timer(FREEZE_AFTER, freeze_long_lived_objects)
        if self.background_sync and self.workspace.accounts():
            interval = self.workspace.config.general.sync_interval_delta.total_seconds()
            self.set_timer(FIRST_SYNC_DELAY, self.request_sync)
            self.set_interval(max(60.0, interval), self.request_sync)

    async def on_welcome_screen_recheck(self) -> None:
        self.workspace.reload()
        if not self.workspace.config.accounts:
            self.notify("Still no accounts in the config.", timeout=3)
            return
        assert self.services is not None
        for account in self.workspace.accounts():
            await self.services.store.ensure_account(account)
        await self.pop_screen()
        await self._show_first_screen()

    # ---- the demo, from the welcome screen ---------------------------------------------------

    def on_welcome_screen_start_demo(self) -> None:
        from tui.screens.welcome import WelcomeScreen

        home = demo_home(self.workspace.paths)
        if not self.demo.start(home):
            return
        if isinstance(self.screen, WelcomeScreen):
            self.screen.show_status(f"Building the demo workspace in {home} …")

    @on(DemoProgressed)
    def _demo_progressed(self, message: DemoProgressed) -> None:
        from tui.screens.welcome import WelcomeScreen

        if isinstance(self.screen, WelcomeScreen):
            self.screen.show_progress("Building the demo workspace …", message.progress)

    @on(DemoBuilt)
    async def _demo_built(self, message: DemoBuilt) -> None:
        from tui.screens.welcome import WelcomeScreen

        self.demo.finished()
        if message.workspace is None:
            if isinstance(self.screen, WelcomeScreen):
                self.screen.show_status(f"The demo could not be built: {message.error}")
            self.notify(
                f"The demo could not be built: {message.error}", severity="error", markup=False
            )
            return
        await self._open_workspace(message.workspace)
        self.notify(
            f"This is the demo workspace in {message.home}. "
            f"Open it again later with: RAPPORT_HOME={message.home} rapport",
            timeout=8,
            markup=False,
        )

    async def _open_workspace(self, workspace: Workspace) -> None:
        """Leave the welcome screen for another workspace's inbox (the demo's)."""
        old = self.services
        self.workspace = workspace
        self._log_to(workspace)
        self.sync = SyncController(self, workspace, self.clock)
        self.services = await self._open_services()
        if old is not None:
            await old.aclose()
            await old.store.close()
            await old.reader.close()
        await self.pop_screen()
        await self._show_first_screen()

    # ---- background sync ---------------------------------------------------------------------

    def request_sync(self) -> bool:
        """Start a background sync round now, unless one is running."""
        return self.sync.start_round()

    @on(SyncStarted)
    def _sync_started(self) -> None:
        self.sync_note = ""
        self.sync_signal.publish(None)

    @on(SyncProgressed)
    def _sync_progressed(self, message: SyncProgressed) -> None:
        self.sync_accounts[message.progress.account] = message.progress
        self.sync_signal.publish(message)

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        self.sync.finished()
        self.sync_rounds += 1
        if message.summary is not None:
            for progress in message.summary.accounts:
                self.sync_accounts[progress.account] = progress
        self.sync_note = message.note
        self.sync_signal.publish(message)

    # ---- themes ------------------------------------------------------------------------------

    def _remember_theme(self, theme: Theme) -> None:
        """Whatever chose the theme (our palette entries or Textual's), keep it for next time."""
        if theme.name == self.workspace.config.general.theme:
            return
        from core.config import set_value
        from core.errors import RapportError

        try:
            set_value(self.workspace.paths, "general", "theme", theme.name)
            self.workspace.reload()
        except (RapportError, OSError) as exc:
            self.notify(f"theme not saved: {exc}", severity="warning", markup=False)

    async def on_unmount(self) -> None:
        self.sync.stop()
        if self.services is not None:
            await self.services.aclose()
            await self.services.store.close()
            await self.services.reader.close()
        self.demo.close()
        from core.logging_setup import reset_logging

        reset_logging()


def run_app(workspace: Any) -> int:
    app = RapportApp(workspace)
    result = app.run()
    return int(result or 0)
