"""One analyser for the whole analysis test package: loading it costs ~0.2 s."""

from __future__ import annotations

import pytest

from core.analysis import ToneAnalyzer


@pytest.fixture(scope="session")
def analyzer() -> ToneAnalyzer:
    return ToneAnalyzer()
