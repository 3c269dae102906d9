"""`syncer doctor` on a setup where everything is in place: every check passes, for each
tracker, and nothing anywhere was written (the fakes saw only GETs, the state database was not
created, the register's bytes are the same)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from tests.doctor.conftest import TOKEN_VAR, kind_of, run_doctor, write_config

KINDS = {"github": FakeGitHub, "gitlab": FakeGitLab, "jira": FakeJira}
SECRETS = (
    'github_webhook_secret_env = "HOOK_SECRET"\ngitlab_webhook_token_env = "HOOK_SECRET"\n'
    'jira_webhook_secret_env = "HOOK_SECRET"'
)


@pytest.fixture(params=sorted(KINDS))
def fake(request: pytest.FixtureRequest) -> Iterator[FakeTracker]:
    with KINDS[request.param]() as running:
        if isinstance(running, FakeGitHub | FakeGitLab):
            running.add_issue("seed the sync label", labels=("tech-debt",))
            running.server.requests.clear()
        yield running


def test_everything_in_place_passes_and_exits_0(tmp_path: Path, fake: FakeTracker) -> None:
    config = write_config(tmp_path, fake, top=SECRETS)
    ran = run_doctor(config, fake.token, {"HOOK_SECRET": "s3cret"})
    assert ran.code == 0, ran.checks
    assert {check["status"] for check in ran.checks} == {"ok"}, ran.checks
    names = [check["name"] for check in ran.checks]
    assert names[:4] == ["loads", "register parses", "writable", "token readable"]
    assert "may write issues" in names and "clock" in names
    assert ran.named("register parses")["detail"].endswith("TECH_DEBT.md: 1 item")


def test_doctor_writes_nothing(tmp_path: Path, fake: FakeTracker) -> None:
    config = write_config(tmp_path, fake, extra='user_map = {nobody = "no-such-user"}')
    register = (tmp_path / "TECH_DEBT.md").read_bytes()
    before = sorted(path.name for path in tmp_path.rglob("*"))
    ran = run_doctor(config, fake.token)
    assert ran.checks  # it ran
    assert {r.method for r in fake.server.requests} == {"GET"}
    assert (tmp_path / "TECH_DEBT.md").read_bytes() == register
    assert sorted(path.name for path in tmp_path.rglob("*")) == before
    assert not (tmp_path / "state").exists()


def test_an_existing_state_database_is_left_as_it_was(tmp_path: Path, fake: FakeTracker) -> None:
    from syncer.state.store import Store

    config = write_config(tmp_path, fake)
    (tmp_path / "state").mkdir()
    Store(tmp_path / "state" / "syncer.sqlite").close()
    files = {path: path.read_bytes() for path in (tmp_path / "state").iterdir()}
    ran = run_doctor(config, fake.token)
    assert ran.status("writable") == "ok", ran.checks
    assert {path: path.read_bytes() for path in (tmp_path / "state").iterdir()} == files


def test_the_table_says_what_to_do(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake)
        result = CliRunner().invoke(
            app, ["doctor", "--config", str(config)], env={TOKEN_VAR: "wrong"}
        )
    assert result.exit_code == 1
    (row,) = [line for line in result.stdout.splitlines() if "token valid" in line]
    assert row.startswith("FAIL") and "make a new token and put it in $SYNCER_TEST_TOKEN" in row
    assert "wrong" not in result.stdout
    assert kind_of(fake) in row


def test_a_config_that_does_not_load_is_one_failed_check(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text("[[registers]]\nname = 'x'\n", "utf-8")
    ran = run_doctor(config, "token")
    assert ran.code == 2
    assert [(c["name"], c["status"]) for c in ran.checks] == [("loads", "fail")]
    assert "path" in ran.checks[0]["detail"]
