"""Rapport's headless domain: models, store, connectors, analysis, sync. Never imports Textual."""


def __getattr__(name: str) -> str:
    # importlib.metadata costs ~30 ms at import: only pay it when someone asks for the version.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("rapport-tui")
        except PackageNotFoundError:  # running from a source tree that was never installed
            return "0.0.0"
    raise AttributeError(f"module 'core' has no attribute {name!r}")
