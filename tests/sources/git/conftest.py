from __future__ import annotations

from pathlib import Path

import pytest

from tests.sources.git.repos import Remote, isolate


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    isolate(monkeypatch, tmp_path / "home")
    return Remote(tmp_path)
