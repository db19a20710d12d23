"""Where config, secrets and data live. `RAPPORT_HOME=DIR` moves all of them under DIR."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "rapport"


@dataclass(frozen=True, slots=True)
class Paths:
    config_dir: Path
    data_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.json"

    @property
    def database(self) -> Path:
        return self.data_dir / "rapport.db"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "sync.lock"

    def ensure(self) -> None:
        for folder in (self.config_dir, self.data_dir):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """RAPPORT_HOME (or `home`) wins; otherwise the platform's config and data folders."""
    chosen = home if home is not None else os.environ.get("RAPPORT_HOME")
    if chosen:
        root = Path(chosen).expanduser().resolve()
        return Paths(config_dir=root / "config", data_dir=root / "data")
    import platformdirs

    return Paths(
        config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
    )
