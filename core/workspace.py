"""A workspace: the paths, the validated config and the secrets of one RAPPORT_HOME."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from core.config import Config, load_config
from core.models import Account
from core.paths import Paths, resolve_paths
from core.secrets import SecretStore
from core.store.repository import Store


@dataclass
class Workspace:
    paths: Paths
    config: Config

    @classmethod
    def load(cls, home: str | None = None) -> Workspace:
        paths = resolve_paths(home)
        return cls(paths=paths, config=load_config(paths))

    def reload(self) -> None:
        self.config = load_config(self.paths)
        self.__dict__.pop("secrets", None)  # the backend may have changed

    @cached_property
    def secrets(self) -> SecretStore:
        return SecretStore(self.paths, self.config.secrets_backend)

    async def open_store(self) -> Store:
        """Open the database and make sure every configured account has its row."""
        self.paths.ensure()
        store = await Store.open(self.paths.database)
        try:
            for account in self.accounts():
                await store.ensure_account(account)
        except BaseException:
            await store.close()
            raise
        return store

    def accounts(self, names: list[str] | None = None) -> list[Account]:
        chosen = [a for a in self.config.accounts if a.enabled and (not names or a.name in names)]
        return [
            Account(name=a.name, platform=a.platform, base_url=a.base_url, handle=a.handle)
            for a in chosen
        ]
