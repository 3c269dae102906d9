"""`syncer reconcile / status / conflicts` from a configuration file, against fake GitLab."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.fakes.gitlab import FakeGitLab
from syncer.register import parse, set_title
from syncer.state.store import Store

from .conftest import SEEDS

runner = CliRunner()


def setup(
    tmp: Path, fake: FakeGitLab, policy: str = "register-wins"
) -> tuple[Path, dict[str, str]]:
    shutil.copyfile(SEEDS / "tech-debt-followups.md", tmp / "TECH_DEBT.md")
    config = tmp / "syncer.toml"
    config.write_text(
        f"""
state = "state.sqlite"
conflict_policy = "{policy}"

[[registers]]
name = "backend"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "gitlab"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "FAKE_GITLAB_TOKEN"
""",
        "utf-8",
    )
    return config, {"FAKE_GITLAB_TOKEN": fake.token}


def invoke(*args: str, env: dict[str, str]) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        yield fake


def test_reconcile_dry_run_then_for_real_then_idle(tmp_path: Path, fake: FakeGitLab) -> None:
    config, env = setup(tmp_path, fake)
    code, out = invoke("reconcile", "--config", str(config), "--dry-run", "--json", env=env)
    assert code == 0 and fake.issue_count() == 0
    assert len(json.loads(out)[0]["plan"]) == 12
    code, out = invoke("reconcile", "--config", str(config), "--json", env=env)
    assert code == 0 and json.loads(out)[0]["counts"]["created"] == 12
    code, out = invoke("reconcile", "--config", str(config), "--json", env=env)
    assert code == 0 and json.loads(out)[0]["plan"] == []
    code, out = invoke("status", "--config", str(config), "--json", env=env)
    row = json.loads(out)[0]
    assert (row["links"], row["pending"], row["open_conflicts"]) == (12, 0, 0)


def test_manual_conflict_waits_then_is_resolved(tmp_path: Path, fake: FakeGitLab) -> None:
    config, env = setup(tmp_path, fake, policy="manual")
    invoke("reconcile", "--config", str(config), env=env)
    path = tmp_path / "TECH_DEBT.md"
    register = parse(path.read_text("utf-8"))
    item = next(i for i in register.items if i.title == "Webhook sink")
    path.write_text(set_title(register, item.key, "Webhook sink (register)"), "utf-8")
    fake.human_edit(item.links[0].text.split("#")[1], title="Webhook sink (tracker)")
    code, _ = invoke("reconcile", "--config", str(config), env=env)
    assert code == 3, "conflicts wait"
    code, out = invoke("conflicts", "--config", str(config), "--json", env=env)
    (conflict,) = json.loads(out)
    assert (conflict["field"], conflict["tracker_value"]) == ("title", "Webhook sink (tracker)")
    code, _ = invoke("conflicts", "resolve", str(conflict["id"]), "--take", "tracker",
                     "--config", str(config), env=env)  # fmt: skip
    assert code == 0
    code, _ = invoke("reconcile", "--config", str(config), env=env)
    assert code == 0
    titles = [i.title for i in parse(path.read_text("utf-8")).items]
    assert "Webhook sink (tracker)" in titles


def test_bad_config_and_missing_token_exit_2(tmp_path: Path, fake: FakeGitLab) -> None:
    config, _ = setup(tmp_path, fake)
    code, _ = invoke("reconcile", "--config", str(config), env={})
    assert code == 2
    config.write_text("registers = 3\n", "utf-8")
    result = runner.invoke(app, ["reconcile", "--config", str(config)])
    assert result.exit_code == 2 and "syncer.toml" in result.stderr


def test_reconcile_prunes_old_history_and_a_dry_run_does_not(
    tmp_path: Path, fake: FakeGitLab
) -> None:
    config, env = setup(tmp_path, fake)
    env["SYNCER_STATE_KEEP_RUNS"] = "1"
    invoke("reconcile", "--config", str(config), env=env)
    state = tmp_path / "state.sqlite"
    with Store(state) as store:
        store.remember_delivery("gitlab", "delivered-long-ago")
        old = store.add_intent("backend", "gitlab", "update", "TD-1", "long-ago", "{}")
        store.complete(old.id, "v1")
    long_ago = "2020-01-01T00:00:00.000000+00:00"
    with closing(sqlite3.connect(state)) as db, db:
        db.execute("UPDATE deliveries SET received_at = ?", (long_ago,))
        db.execute("UPDATE outbox SET created_at = ? WHERE id = ?", (long_ago, old.id))

    def history() -> tuple[list[int], list[int], int]:
        with closing(sqlite3.connect(state)) as db:
            runs = [row[0] for row in db.execute("SELECT id FROM runs ORDER BY id")]
            writes = [row[0] for row in db.execute("SELECT id FROM outbox ORDER BY id")]
            (deliveries,) = db.execute("SELECT count(*) FROM deliveries").fetchone()
        return runs, writes, deliveries

    before = history()
    code, _ = invoke("reconcile", "--config", str(config), "--dry-run", env=env)
    assert code == 0 and history() == before, "a dry run changes nothing, history included"

    code, _ = invoke("reconcile", "--config", str(config), env=env)

    runs, writes, deliveries = history()
    assert code == 0
    assert len(runs) == 1 and runs[0] > before[0][-1], "only the newest run is kept"
    assert writes == [w for w in before[1] if w != old.id], "recent writes stay"
    assert deliveries == 0


def test_the_json_plan_is_typed_data_with_old_and_new_values(
    tmp_path: Path, fake: FakeGitLab
) -> None:
    """Regression: `--json` printed the plan as English sentences a script had to parse."""
    config, env = setup(tmp_path, fake)
    _, out = invoke("reconcile", "--config", str(config), "--dry-run", "--json", env=env)
    creates = json.loads(out)[0]["plan"]
    assert {op["kind"] for op in creates} == {"create_issue"}
    first = creates[0]
    assert first["target"] and first["item"] and first["fields"]["title"]["old"] is None
    invoke("reconcile", "--config", str(config), env=env)
    path = tmp_path / "TECH_DEBT.md"
    register = parse(path.read_text("utf-8"))
    item = next(i for i in register.items if i.title == "Webhook sink")
    path.write_text(set_title(register, item.key, "Webhook sink, renamed"), "utf-8")
    _, out = invoke("reconcile", "--config", str(config), "--dry-run", "--json", env=env)
    [update] = json.loads(out)[0]["plan"]
    assert update["kind"] == "update_issue" and update["item"] == "webhook-sink-renamed"
    assert update["fields"] == {"title": {"old": "Webhook sink", "new": "Webhook sink, renamed"}}
    assert update["ref"]
