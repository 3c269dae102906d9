from __future__ import annotations

from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.md"))


def read_seed(name: str) -> str:
    return (SEEDS / name).read_bytes().decode("utf-8")


@pytest.fixture(params=[p.name for p in SEED_FILES])
def seed_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
