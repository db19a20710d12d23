"""Finding connectors: the built-in four without any entry points, a third-party plugin through
the `rapport.connectors` entry point group (a real dist-info on sys.path), and a plugin that
fails to import reported clearly while the other accounts still sync."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cli.main import run
from core.connectors import registry
from core.connectors.registry import PluginError, available, connector_class
from core.paths import resolve_paths
from core.secrets import SecretStore

PLUGIN = """
from datetime import UTC, datetime

from core.connectors.base import AuthError, Connector, Identity, Page, PostedReply
from core.models import Contact, Item, ItemKind


class ForgejoConnector(Connector):
    platform = "forgejo"
    title = "Forgejo"
    default_base_url = "https://forge.example"

    async def verify(self):
        if self.credentials["token"].reveal() != "forge-token-ok":
            raise AuthError("Forgejo: the server refused the token (HTTP 401)")
        return Identity(remote_id="1", handle="@forge-me")

    async def fetch(self, stream, cursor, horizon):
        if cursor:
            return
        author = Contact(platform="forgejo", remote_id="7", handle="@ana")
        item = Item(
            account=self.account.name, platform="forgejo", remote_id="c-1",
            kind=ItemKind.COMMENT, author=author, text="Could you look at #12?",
            created_at=datetime(2026, 1, 2, tzinfo=UTC),
        )
        yield Page(stream=stream, items=[item], cursor={"done": True}, skipped=2)

    async def fetch_context(self, item):
        return []

    async def post_reply(self, item, text, idempotency_key):
        return PostedReply(remote_id="r-1", url="https://forge.example/r-1")
"""

ENTRY_POINTS = """\
[rapport.connectors]
forgejo = rapport_forgejo_test:ForgejoConnector
broken = rapport_broken_test:BrokenConnector
"""


@pytest.fixture
def fresh_registry() -> Iterator[None]:
    available.cache_clear()
    yield
    available.cache_clear()


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_registry: None) -> Path:
    """A tiny installed distribution: two modules and a dist-info with their entry points."""
    site = tmp_path / "site"
    (site / "rapport_forgejo_test").mkdir(parents=True)
    (site / "rapport_forgejo_test" / "__init__.py").write_text(PLUGIN)
    (site / "rapport_broken_test").mkdir()
    (site / "rapport_broken_test" / "__init__.py").write_text(
        "import libforge_that_is_not_installed  # noqa\n"
    )
    info = site / "rapport_forgejo_test-0.1.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(
        "Metadata-Version: 2.1\nName: rapport-forgejo-test\nVersion: 0.1\n"
    )
    info.joinpath("entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(site))
    for name in ("rapport_forgejo_test", "rapport_broken_test", "libforge_that_is_not_installed"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return site


def cli(capsys: pytest.CaptureFixture[str], *args: str, stdin: str = "") -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = run(list(args), open_app=lambda workspace: 0)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def write_config(text: str) -> None:
    paths = resolve_paths()
    paths.ensure()
    paths.config_file.write_text(textwrap.dedent(text))


def test_the_built_in_four_need_no_entry_points(
    monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    monkeypatch.setattr(registry, "entry_points", lambda group: [])
    assert sorted(available()) == ["bluesky", "github", "mastodon", "reddit"]
    assert connector_class("github").__name__ == "GitHubConnector"
    assert connector_class("bluesky").title == "Bluesky"


def test_unreadable_entry_point_metadata_still_leaves_the_built_ins(
    monkeypatch: pytest.MonkeyPatch, fresh_registry: None
) -> None:
    def broken(group: str) -> list[object]:
        raise ValueError("bad METADATA")

    monkeypatch.setattr(registry, "entry_points", broken)
    assert sorted(available()) == ["bluesky", "github", "mastodon", "reddit"]


def test_a_plugin_adds_a_platform_that_accounts_add_and_sync_use(
    plugins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "forgejo" in available()
    assert connector_class("forgejo").title == "Forgejo"

    code, out, err = cli(
        capsys, "accounts", "add", "forgejo", "--name", "forge", "--token-stdin",
        stdin="forge-token-ok\n",
    )  # fmt: skip
    assert code == 0, err
    assert "verified: forge is @forge-me on Forgejo" in out

    code, out, err = cli(capsys, "sync", "--json")
    assert code == 0, err
    summary = json.loads(out)
    [account] = summary["accounts"]
    assert (account["account"], account["phase"], account["new"]) == ("forge", "ok", 1)
    assert account["skipped"] == 2


def test_a_plugin_that_fails_to_import_fails_its_account_clearly_and_the_others_sync(
    plugins: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(PluginError) as caught:
        connector_class("broken")
    assert "rapport_broken_test:BrokenConnector" in str(caught.value)
    assert "libforge_that_is_not_installed" in str(caught.value)

    code, _, err = cli(
        capsys, "accounts", "add", "broken", "--name", "b", "--base-url", "https://b.example",
        "--token-stdin", stdin="x\n",
    )  # fmt: skip
    assert code == 2
    assert "the connector for 'broken'" in err
    assert "could not be loaded" in err
    assert "Traceback" not in err

    code, _, err = cli(
        capsys, "accounts", "add", "forgejo", "--name", "forge", "--token-stdin",
        stdin="forge-token-ok\n",
    )  # fmt: skip
    assert code == 0, err
    paths = resolve_paths()
    SecretStore(paths, "file").save("b", {"token": "x"})
    with paths.config_file.open("a") as config:
        config.write(
            '\n[[accounts]]\nname = "b"\nplatform = "broken"\nbase_url = "https://b.example"\n'
        )
    code, out, err = cli(capsys, "sync", "--json")
    assert code == 1
    accounts = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert accounts["forge"]["phase"] == "ok"
    assert accounts["forge"]["new"] == 1
    assert accounts["b"]["phase"] == "failed"
    assert "could not be loaded" in accounts["b"]["error"]
    assert "Traceback" not in err
    log = (paths.log_dir / "rapport.log").read_text()
    assert "WARNING" in log
    assert "the connector for 'broken'" in log


def test_a_config_account_on_a_plugin_platform_is_accepted(plugins: Path) -> None:
    from core.config import load_config

    write_config(
        """\
        [[accounts]]
        name = "forge"
        platform = "forgejo"
        base_url = "https://forge.example"
        """
    )
    assert [a.platform for a in load_config(resolve_paths()).accounts] == ["forgejo"]
