"""The clones of registers no longer kept in git are deleted when syncer starts."""

from __future__ import annotations

from pathlib import Path

from syncer.app import App
from syncer.config import load_config
from syncer.sources.git.repository import MARKER


def test_a_clone_of_a_register_no_longer_in_git_is_deleted(tmp_path: Path) -> None:
    (tmp_path / "TECH_DEBT.md").write_text("# Debt\n", "utf-8")
    config = tmp_path / "syncer.toml"
    config.write_text(
        'state = "syncer.sqlite"\n\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n',
        "utf-8",
    )
    clones = tmp_path / "syncer.sqlite.repos"
    (clones / "debt.git").mkdir(parents=True)
    (clones / "debt.git" / MARKER).write_text("", "utf-8")
    (clones / "not-ours").mkdir()
    settings = load_config(config, env={})
    with App.build(settings, env={}, open_store=False):
        pass
    assert sorted(p.name for p in clones.iterdir()) == ["not-ours"]
