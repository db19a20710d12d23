"""Config: defaults, validation errors that name file, line and key, edits keep comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import AccountConfig, add_account, load_config, remove_account
from core.errors import ConfigError
from core.paths import resolve_paths


def write_config(home: Path, text: str) -> Path:
    paths = resolve_paths(home)
    paths.ensure()
    paths.config_file.write_text(text)
    return paths.config_file


def test_rapport_home_moves_config_and_data(rapport_home: Path) -> None:
    paths = resolve_paths()
    assert paths.config_file.is_relative_to(rapport_home)
    assert paths.database.is_relative_to(rapport_home)


def test_a_missing_file_means_defaults(rapport_home: Path) -> None:
    config = load_config(resolve_paths())
    assert config.accounts == []
    assert config.general.target_response == "4h"
    assert config.tone.sensitivity == "normal"


def test_invalid_toml_names_the_file_and_line(rapport_home: Path) -> None:
    path = write_config(rapport_home, '[general]\ntarget_response = "4h"\nbroken = \n')
    with pytest.raises(ConfigError) as caught:
        load_config(resolve_paths())
    message = str(caught.value)
    assert str(path) in message
    assert "line 3" in message


def test_a_bad_value_names_the_line_and_key(rapport_home: Path) -> None:
    write_config(
        rapport_home,
        "# my accounts\n"
        "[[accounts]]\n"
        'name = "ok"\n'
        'platform = "mastodon"\n'
        'base_url = "https://a.example"\n'
        "\n"
        "[[accounts]]\n"
        'name = "second"\n'
        'platform = "github"\n'
        'base_url = "not a url"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(resolve_paths())
    message = str(caught.value)
    assert "line 10" in message
    assert "accounts[1].base_url" in message
    assert "https://" in message


def test_an_unknown_key_is_named_with_its_line(rapport_home: Path) -> None:
    write_config(rapport_home, '[general]\ntarget_respnse = "4h"\n')
    with pytest.raises(ConfigError, match=r"line 2: general\.target_respnse: unknown key"):
        load_config(resolve_paths())


def test_a_bad_duration_says_what_is_accepted(rapport_home: Path) -> None:
    write_config(rapport_home, '[general]\ntarget_response = "soon"\n')
    with pytest.raises(ConfigError, match=r"line 2.*use a number and m, h, d or w"):
        load_config(resolve_paths())


def test_adding_and_removing_accounts_keeps_the_users_comments(rapport_home: Path) -> None:
    path = write_config(rapport_home, '# keep this comment\n[general]\ntheme = "rapport-light"\n')
    paths = resolve_paths()
    add_account(
        paths, AccountConfig(name="home", platform="mastodon", base_url="https://m.example/")
    )
    add_account(paths, AccountConfig(name="code", platform="github", base_url="https://gh.example"))
    config = load_config(paths)
    assert [a.name for a in config.accounts] == ["home", "code"]
    assert config.accounts[0].base_url == "https://m.example"
    assert "# keep this comment" in path.read_text()

    with pytest.raises(ConfigError, match="exists already"):
        add_account(paths, AccountConfig(name="home", platform="github", base_url="https://x.y"))
    assert remove_account(paths, "home")
    assert not remove_account(paths, "home")
    assert [a.name for a in load_config(paths).accounts] == ["code"]
    assert config.general.theme == "rapport-light"


def test_an_unknown_platform_names_the_file_line_key_and_the_known_ones(
    rapport_home: Path,
) -> None:
    path = write_config(
        rapport_home,
        "[[accounts]]\n"
        'name = "home"\n'
        'platform = "mastodon"\n'
        'base_url = "https://a.example"\n'
        "\n"
        "[[accounts]]\n"
        'name = "typo"\n'
        'platform = "mastadon"\n'
        'base_url = "https://b.example"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(resolve_paths())
    message = str(caught.value)
    assert f"{path}, line 8" in message
    assert "accounts[1].platform" in message
    assert "'mastadon'" in message
    assert "bluesky, github, mastodon, reddit" in message


def test_a_rule_on_an_unknown_platform_is_refused_too(rapport_home: Path) -> None:
    write_config(
        rapport_home,
        '[[rules]]\nname = "ci"\nplatform = "gihtub"\ntag = ["ci"]\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(resolve_paths())
    message = str(caught.value)
    assert "line 3" in message
    assert "rules[0].platform" in message
    assert "'gihtub'" in message
    assert "github" in message


@pytest.mark.parametrize(
    ("text", "where", "advice"),
    [
        (
            '[general]\ntarget_response = 4h\nsync_interval = "10m"\n',
            "line 2, column 20",
            'text goes in quotes: target_response = "4h"',
        ),
        ('[general\ntheme = "rapport-dark"\n', "line 1, column 9", "fix that line"),
        (
            '[tone]\nwatch_words = ["deadline",\n',
            "line 2, column 27",
            "a [ or { without its closing bracket",
        ),
    ],
)
def test_invalid_toml_names_the_file_line_and_column_and_what_to_do(
    rapport_home: Path, text: str, where: str, advice: str
) -> None:
    path = write_config(rapport_home, text)
    with pytest.raises(ConfigError) as caught:
        load_config(resolve_paths())
    message = str(caught.value)
    assert message.startswith(f"{path}, {where}: not valid TOML: ")
    assert "(at " not in message  # the parser's own position, restated above
    assert advice in message
    assert "\n" not in message
