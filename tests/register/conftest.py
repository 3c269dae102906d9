from __future__ import annotations

from pathlib import Path

import pytest

from syncer.register import RegisterRules

DATA = Path(__file__).resolve().parent.parent / "data"
SEEDS = DATA / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.md"))
WILD = DATA / "wild"
"""Registers in styles the seeds do not show, each with the items a person reads in it and,
where the built-in vocabulary cannot decide, the configuration (`NAME.rules.json`) it needs."""
WILD_FILES = sorted(WILD.glob("*.md"))


def read_seed(name: str) -> str:
    return (SEEDS / name).read_bytes().decode("utf-8")


def read_wild(name: str) -> tuple[str, RegisterRules | None]:
    """A wild register's exact text, and its rules when it comes with some."""
    rules = WILD / f"{Path(name).stem}.rules.json"
    configured = (
        RegisterRules.model_validate_json(rules.read_text("utf-8")) if rules.exists() else None
    )
    return (WILD / name).read_bytes().decode("utf-8"), configured


@pytest.fixture(params=[p.name for p in SEED_FILES])
def seed_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=[p.name for p in WILD_FILES])
def wild_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)
