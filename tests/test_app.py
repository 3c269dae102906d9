"""The composition root: one way to wire and run a register, for the CLI, the daemon and demo."""

from __future__ import annotations

from pathlib import Path

from syncer.app import App, pacing_key
from syncer.config import load_config
from syncer.fakes.github import FakeGitHub

REGISTER = "# Debt\n\n## Work\n\n" + "".join(f"- [ ] Item number {n}\n" for n in range(10))


def config(folder: Path, fake: FakeGitHub, per_minute: int, extra: str = "") -> Path:
    (folder / "TECH_DEBT.md").write_text(REGISTER, "utf-8")
    path = folder / "syncer.toml"
    path.write_text(
        f"""state = "syncer.sqlite"
[[registers]]
name = "debt"
path = "TECH_DEBT.md"
[[registers.targets]]
kind = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GH_TOKEN"
writes_per_minute = {per_minute}
seconds_between_writes = 0
{extra}retry = {{ max_wait_seconds = 0.5 }}
""",
        "utf-8",
    )
    return path


def test_write_pacing_holds_across_back_to_back_runs(tmp_path: Path) -> None:
    """Each run used to forget the previous one's writes: two runs made twice the limit."""
    with FakeGitHub() as fake:
        env = {"GH_TOKEN": fake.token}
        settings = load_config(config(tmp_path, fake, per_minute=4), env)
        reports = []
        for _ in range(2):
            with App.build(settings, env) as app:
                reports.append(app.run("debt"))
        posts = fake.server.count("POST")
    assert posts == 4, "the second run saw the first run's writes and waited for room"
    assert "write limit reached (4 in a minute" in reports[1].errors[0]
    assert reports[1].counts.get("created", 0) == 0


def test_the_creation_budget_holds_across_back_to_back_runs(tmp_path: Path) -> None:
    """GitHub's creation limit is an hour's: a run right after one that spent it makes
    nothing, and says when to come back, instead of starting the hour afresh."""
    with FakeGitHub() as fake:
        env = {"GH_TOKEN": fake.token}
        limits = "creates_per_hour = 3\n"
        settings = load_config(config(tmp_path, fake, per_minute=80, extra=limits), env)
        reports = []
        for _ in range(2):
            with App.build(settings, env) as app:
                reports.append(app.run("debt"))
        posts = fake.server.count("POST")
    assert posts == 3
    assert [r.counts.get("created", 0) for r in reports] == [3, 0]
    assert "creation limit reached (20 in a minute, 3 in an hour)" in reports[1].errors[0]


def test_the_pacing_key_names_the_token_without_holding_it(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        env = {"GH_TOKEN": fake.token}
        target = load_config(config(tmp_path, fake, 80), env).registers[0].targets[0]
    key = pacing_key(target, fake.token)
    assert key.startswith("github:") and fake.token not in key
    assert key != pacing_key(target, fake.token + "x"), "another token has its own budget"
