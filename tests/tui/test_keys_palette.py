"""Help lists every binding (as remapped), [keys] remaps, the palette offers everything, the
theme choice is remembered, and the first run says what to do."""

from __future__ import annotations

from textual.command import CommandPalette

from core.config import load_config, set_value
from core.workspace import Workspace
from tests.tui.conftest import (
    SIZE,
    StubAnalyzer,
    make_app,
    notifications,
    screen_text,
    seed,
    settle,
    standard_items,
    until,
)
from tui.keymap import check_keymap, known_bindings
from tui.screens.help import HelpScreen
from tui.screens.welcome import WelcomeScreen
from tui.widgets.item_list import ItemList


def configure(section: str, key: str, value: str) -> None:
    workspace = Workspace.load()
    workspace.paths.ensure()
    set_value(workspace.paths, section, key, value)


def palette_open(app) -> bool:  # type: ignore[no-untyped-def]
    return isinstance(app.screen, CommandPalette)


async def open_palette(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+p")
    await until(pilot, lambda: palette_open(pilot.app), "the command palette to open")


def test_every_binding_has_a_description_an_id_and_a_tooltip() -> None:
    bindings = known_bindings()
    assert len(bindings) > 30
    for ident, binding in bindings.items():
        assert binding.description, ident
        assert binding.tooltip, ident
        assert "." in ident, ident


def test_keymap_check_reports_unknown_ids_and_bad_keys() -> None:
    checked = check_keymap(
        {"inbox.done": "d", "inbox.archive": "a", "list.down": "ctrl+", "done": "x"},
        known_bindings(),
    )
    assert checked.keymap == {"inbox.done": "d"}
    assert any("inbox.archive" in p for p in checked.problems)
    assert any("list.down" in p for p in checked.problems)
    assert any("did you mean inbox.done" in p for p in checked.problems)


async def test_help_lists_the_bindings() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in (
            "Done",
            "Snooze",
            "Tag",
            "Mute",
            "Reply",
            "Undo",
            "Select",
            "Search",
            "Next owed",
            "Next flagged",
            "inbox.done",
            "list.down",
            "[keys]",
        ):
            assert expected in text, expected
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_user_keymap_remaps_and_unknown_ids_warn() -> None:
    configure("keys", "inbox.done", "d")
    configure("keys", "inbox.archive", "a")
    assert load_config(Workspace.load().paths).keys["inbox.done"] == "d"
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("inbox.archive" in n for n in notifications(app))
        items = app.screen.query_one(ItemList)
        await pilot.press("e")  # no longer bound
        await settle(pilot)
        assert items.total == 7
        await pilot.press("d")
        await settle(pilot)
        assert items.total == 6
        assert " d " in screen_text(app)  # the footer shows the new key
        await pilot.press("question_mark")
        await settle(pilot)
        done = next(line for line in screen_text(app).splitlines() if "inbox.done" in line)
        assert done.split("│")[1].split()[0] == "d"


async def test_palette_offers_actions_views_themes_and_accounts() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for query, expected in [
            ("snooze", "Snooze"),
            ("next flag", "Next flagged"),
            ("owed", "View: Owed"),
            ("rapport-light", "Theme: rapport-light"),
            ("account sky", "Account: sky (bluesky)"),
            ("sync now", "Sync now"),
        ]:
            await open_palette(pilot)
            await pilot.press(*query)
            await settle(pilot)  # the search for what was typed has finished
            assert expected in screen_text(app), query
            await pilot.press("escape")
            await until(pilot, lambda: not palette_open(app), "the palette to close")


async def test_palette_runs_an_action() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette(pilot)
        await pilot.press(*"Done")
        await settle(pilot)  # the search for what was typed has finished
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(ItemList).total == 6


async def test_theme_from_palette_is_remembered() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "rapport-dark"
        await open_palette(pilot)
        await pilot.press(*"rapport-light")
        await settle(pilot)  # the search for what was typed has finished
        await pilot.press("enter")
        await settle(pilot)
        assert app.theme == "rapport-light"
    assert load_config(Workspace.load().paths).general.theme == "rapport-light"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "rapport-light"


async def test_app_variables_come_from_the_theme() -> None:
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        variables = app.get_css_variables()
        for name in ("conflict", "positive", "owed", "platform-mastodon", "platform-bluesky"):
            assert variables.get(name), name
        dark = variables["conflict"]
        app.theme = "rapport-light"
        await pilot.pause()
        assert app.get_css_variables()["conflict"] != dark


async def test_broken_user_theme_is_skipped_with_a_warning() -> None:
    workspace = Workspace.load()
    workspace.paths.ensure()
    folder = workspace.paths.config_dir / "themes"
    folder.mkdir()
    (folder / "broken.toml").write_text('name = "broken"\nprimary = "not a colour"\n')
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\n')
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert any("broken.toml" in n for n in notifications(app))
        assert "mine" in app.available_themes


async def test_first_run_shows_the_welcome_screen() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome screen")
        assert isinstance(app.screen, WelcomeScreen)
        text = screen_text(app)
        assert "rapport demo" in text
        assert "rapport accounts add" in text
        squeezed = "".join(c for c in text if c not in " │\n")
        assert str(Workspace.load().paths.config_file) in squeezed  # where things live
        assert str(Workspace.load().paths.database) in squeezed
        await pilot.press("r")  # still no account: stays, says so
        await until(
            pilot,
            lambda: any("no accounts" in n for n in notifications(app)),
            "the recheck to be answered",
        )
        assert isinstance(app.screen, WelcomeScreen)
        assert any("no accounts" in n for n in notifications(app))


async def test_welcome_opens_the_inbox_once_an_account_is_added() -> None:
    from core.config import AccountConfig, add_account
    from tui.screens.inbox import InboxScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome screen")
        assert isinstance(app.screen, WelcomeScreen)
        # meanwhile, in another terminal: rapport accounts add mastodon --name work ...
        add_account(
            Workspace.load().paths,
            AccountConfig(name="work", platform="mastodon", base_url="https://m.example"),
        )
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, InboxScreen)
        assert "Inbox zero" in screen_text(app)


def test_the_readme_lists_every_key_as_the_app_binds_it() -> None:
    from pathlib import Path

    from scripts.keys_table import keys_table

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert keys_table() in readme, "README's key table is stale: python -m scripts.keys_table"


async def test_help_lists_every_key_of_every_screen_as_mapped() -> None:
    configure("keys", "composer.snippet", "ctrl+y")
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=(140, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        # Every binding of every screen, in README's order: the composer's, the dialogs',
        # esc (Clear) too, though nothing is selected or searched right now.
        assert [r.id for r in screen.rows] == list(known_bindings())
        by_id = {r.id: r for r in screen.rows}
        assert by_id["composer.snippet"].keys == "^y"  # as remapped, though not on screen
        assert by_id["inbox.clear"].keys == "esc"
        assert by_id["composer.snippet"].where == "composer"
        table = _rendered_help(screen)
        for ident in ("composer.send_anyway", "snooze.quick_4", "tag.list", "snippets.cancel"):
            assert ident in table, ident
        for section in ("Composer", "Snooze", "Tag", "Snippets", "Search box"):
            assert section in table, section
        # The remap example is one a config may hold (a bare dotted key is a nested table).
        assert '"inbox.done" = "d"' in screen_text(app)


def _rendered_help(screen: HelpScreen) -> str:
    """The whole help table as text (the screen shows only what fits)."""
    from rich.console import Console

    console = Console(width=140, record=True, color_system=None)
    console.print(screen.table)
    return console.export_text()


async def test_a_dotted_key_in_the_config_remaps_too() -> None:
    workspace = Workspace.load()
    workspace.paths.ensure()
    # Unquoted, as people write it: TOML reads it as the table keys.inbox = {done = "d"}.
    workspace.paths.config_file.write_text('[keys]\ninbox.done = "d"\n', encoding="utf-8")
    assert load_config(workspace.paths).keys == {"inbox.done": "d"}
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        items = app.screen.query_one(ItemList)
        await pilot.press("d")
        await settle(pilot)
        assert items.total == 6


def test_binding_texts_survive_markup() -> None:
    """The footer's tooltips and the palette read these as markup: "[x]" would vanish."""
    from textual.content import Content

    for ident, binding in known_bindings().items():
        for text in (binding.description, binding.tooltip):
            assert Content.from_markup(text).plain == text, ident


async def test_palette_help_is_shown_as_written() -> None:
    configure("views", "wip", "tag:[wip]")
    await seed(standard_items())
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette(pilot)
        await pilot.press(*"wip")
        await settle(pilot)
        assert "saved search: tag:[wip]" in screen_text(app)


async def test_snippet_dialog_names_the_config_table() -> None:
    from tui.modals.snippets import SnippetModal

    await seed(standard_items())
    app = make_app(analyzer=StubAnalyzer())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, SnippetModal), "the snippet dialog")
        await pilot.pause()
        assert "the config file under [snippets]," in screen_text(app)


async def test_welcome_builds_the_demo_and_opens_it() -> None:
    from tui.demo_builder import demo_home
    from tui.screens.inbox import InboxScreen

    own = Workspace.load().paths
    app = make_app(demo_items=40)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WelcomeScreen), "the welcome screen")
        assert "press d" in screen_text(app)
        await pilot.press("d")
        await until(
            pilot, lambda: isinstance(app.screen, InboxScreen), "the demo's inbox", within=60
        )
        await settle(pilot)
        # The demo workspace, the way `rapport demo --home` makes it, beside the user's data.
        workspace = app.workspace
        assert workspace.config.demo is not None
        assert workspace.paths.config_dir == demo_home(own) / "config"
        assert {a.platform for a in workspace.accounts()} == {
            "mastodon",
            "bluesky",
            "reddit",
            "github",
        }
        assert app.screen.query_one(ItemList).total > 0
        assert any(f"RAPPORT_HOME={demo_home(own)}" in n for n in notifications(app))
    # The user's own workspace is as it was: still no account.
    assert not Workspace.load().config.accounts
