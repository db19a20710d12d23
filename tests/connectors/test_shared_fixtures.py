"""The conformance tests' reference fixtures: skipped when absent on a developer's machine,
a failure under CI, which must always have them."""

from __future__ import annotations

from pathlib import Path

import pytest

import tests.conftest as shared
from tests.conftest import shared_fixture


@pytest.fixture
def no_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    missing = tmp_path / "shared" / "fixtures"
    monkeypatch.setattr(shared, "FIXTURES", missing)
    return missing


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_missing_reference_fixtures_fail_under_ci(
    no_fixtures: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception) as caught:
        shared_fixture("mastodon/notifications.json")
    assert "the reference fixtures are missing" in str(caught.value)
    assert str(no_fixtures / "mastodon/notifications.json") in str(caught.value)


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_missing_reference_fixtures_skip_outside_ci(
    no_fixtures: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception) as caught:
        shared_fixture("mastodon/notifications.json")
    assert "the reference fixtures are missing" in str(caught.value)


def test_present_fixtures_are_found_under_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "fixtures"
    (folder / "mastodon").mkdir(parents=True)
    (folder / "mastodon" / "notifications.json").write_text("[]")
    monkeypatch.setattr(shared, "FIXTURES", folder)
    monkeypatch.setenv("CI", "true")
    assert shared_fixture("mastodon/notifications.json").read_text() == "[]"
