"""Each thing doctor finds wrong, found against a fake that plays it: the check fails (or
warns), says what to do, and the exit code is 1 for a failure, 0 for warnings alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.state.store import Store
from tests.doctor.conftest import run_doctor, write_config

Made = type[FakeGitHub | FakeGitLab | FakeJira]


@pytest.mark.parametrize("made", [FakeGitHub, FakeGitLab, FakeJira])
def test_a_refused_token_fails_and_stops_that_targets_checks(tmp_path: Path, made: Made) -> None:
    with made() as fake:
        ran = run_doctor(write_config(tmp_path, fake), "not-the-token")
    assert ran.code == 1
    assert ran.failures() == ["token valid"]
    assert "refused the token (401)" in ran.named("token valid")["detail"]
    assert "may write issues" not in [check["name"] for check in ran.checks]


def test_a_token_that_is_not_set_fails_naming_the_variable(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake, extra="")
        config.write_text(config.read_text("utf-8").replace("SYNCER_TEST_TOKEN", "UNSET_VAR"))
        ran = run_doctor(config, fake.token)
    assert ran.code == 1
    assert ran.failures() == ["token readable"]
    assert "UNSET_VAR" in ran.named("token readable")["fix"]


def test_a_classic_github_token_without_repo_scope_fails(tmp_path: Path) -> None:
    with FakeGitHub(scopes=("read:user", "gist")) as fake:
        ran = run_doctor(write_config(tmp_path, fake), fake.token)
    assert ran.code == 1
    check = ran.named("may write issues")
    assert check["status"] == "fail"
    assert "(gist, read:user) do not include repo" in check["detail"]
    assert "`repo` scope" in check["fix"]


def test_a_fine_grained_github_token_is_judged_by_the_repository_permissions(
    tmp_path: Path,
) -> None:
    read_only = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
    with FakeGitHub(scopes=None, permissions=read_only) as fake:
        refused = run_doctor(write_config(tmp_path, fake), fake.token)
    with FakeGitHub(scopes=None, permissions={**read_only, "triage": True}) as fake:
        allowed = run_doctor(write_config(tmp_path, fake), fake.token)
    assert refused.code == 1
    assert "may not edit issues" in refused.named("may write issues")["detail"]
    assert "(permissions: pull)" in refused.named("may write issues")["detail"]
    assert allowed.named("may write issues") == {
        "name": "may write issues",
        "subject": f"target github:{fake.repo}",
        "status": "ok",
        "detail": "fine-grained token",
        "fix": "",
    }


def test_a_gitlab_token_without_api_scope_fails(tmp_path: Path) -> None:
    with FakeGitLab(scopes=("read_api",)) as fake:
        ran = run_doctor(write_config(tmp_path, fake), fake.token)
    assert ran.code == 1
    assert ran.failures() == ["token scopes"]
    assert "(read_api) do not include api" in ran.named("token scopes")["detail"]


def test_a_gitlab_guest_may_not_write_issues(tmp_path: Path) -> None:
    with FakeGitLab(access_level=10) as fake:
        ran = run_doctor(write_config(tmp_path, fake), fake.token)
    assert ran.code == 1
    assert ran.failures() == ["may write issues"]
    assert "the account has Guest in" in ran.named("may write issues")["detail"]
    assert "Reporter" in ran.named("may write issues")["fix"]


def test_a_jira_account_without_a_permission_fails_naming_it(tmp_path: Path) -> None:
    granted = ("BROWSE_PROJECTS", "CREATE_ISSUES", "EDIT_ISSUES")
    with FakeJira(permissions=granted) as fake:
        ran = run_doctor(write_config(tmp_path, fake), fake.token)
    assert ran.code == 1
    assert ran.failures() == ["may write issues"]
    assert "lacks TRANSITION_ISSUES in DEBT" in ran.named("may write issues")["detail"]


def test_a_jira_priority_the_site_does_not_have_fails(tmp_path: Path) -> None:
    with FakeJira() as fake:
        config = write_config(tmp_path, fake, extra='jira_priorities = {high = "Urgent"}')
        ran = run_doctor(config, fake.token)
    assert ran.failures() == ["priorities"]
    assert ran.named("priorities")["detail"] == "no such Jira priority: Urgent"
    assert "Highest" in ran.named("priorities")["fix"]


@pytest.mark.parametrize("made", [FakeGitHub, FakeGitLab])
def test_a_missing_sync_label_is_a_warning(tmp_path: Path, made: Made) -> None:
    with made() as fake:
        ran = run_doctor(write_config(tmp_path, fake, extra='sync_label = "debt-x"'), fake.token)
    assert ran.code == 0, ran.checks
    check = ran.named("sync label")
    assert (check["status"], check["detail"]) == ("warn", "'debt-x' does not exist yet")
    assert "syncer creates it at the first reconcile" in check["fix"]


@pytest.mark.parametrize("made", [FakeGitHub, FakeGitLab])
def test_an_unknown_user_map_name_fails(tmp_path: Path, made: Made) -> None:
    with made() as fake:
        known = fake.known_users[0]
        extra = f'user_map = {{ann = "{known}", bob = "no-such-person"}}'
        ran = run_doctor(write_config(tmp_path, fake, extra=extra), fake.token)
    assert ran.code == 1
    assert ran.failures() == ["user_map"]
    assert ran.named("user_map")["detail"].endswith("user: no-such-person")


def test_a_state_folder_that_is_a_file_fails(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake)
        (tmp_path / "state").write_text("not a folder", "utf-8")
        ran = run_doctor(config, fake.token)
    assert ran.code == 1
    assert ran.failures() == ["writable"]
    assert "is a file, not a folder" in ran.named("writable")["detail"]


def test_a_state_database_from_a_newer_syncer_fails(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake)
        (tmp_path / "state").mkdir()
        path = tmp_path / "state" / "syncer.sqlite"
        Store(path).close()
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        connection.close()
        ran = run_doctor(config, fake.token)
    assert ran.failures() == ["writable"]
    assert "schema version 999 is newer" in ran.named("writable")["detail"]
    assert ran.named("writable")["fix"] == "upgrade syncer to the version that wrote this file"


def test_a_register_without_items_is_a_warning(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        ran = run_doctor(write_config(tmp_path, fake, register="Just prose.\n"), fake.token)
    check = ran.named("register parses")
    assert check["status"] == "warn"
    assert "does the file use a style syncer reads? see `syncer parse" in check["fix"]


def test_a_missing_register_file_fails(tmp_path: Path) -> None:
    with FakeGitHub() as fake:
        config = write_config(tmp_path, fake)
        (tmp_path / "TECH_DEBT.md").unlink()
        ran = run_doctor(config, fake.token)
    assert ran.failures() == ["register parses"]
    assert ran.named("register parses")["detail"].endswith("TECH_DEBT.md: no such file")


def test_an_unset_webhook_secret_is_a_warning(tmp_path: Path) -> None:
    with FakeGitLab() as fake:
        ran = run_doctor(write_config(tmp_path, fake), fake.token)
    check = ran.named("secret set")
    assert (check["subject"], check["status"]) == ("gitlab webhooks", "warn")
    assert "the daemon would refuse gitlab webhooks" in check["detail"]


def test_a_git_register_is_skipped_not_cloned(tmp_path: Path) -> None:
    config = tmp_path / "syncer.toml"
    config.write_text(
        'state = "syncer.sqlite"\n[[registers]]\nname = "remote"\nsource = "git"\n'
        '[registers.git]\nrepository = "https://git.example.com/team/repo.git"\n'
        'path = "TECH_DEBT.md"\n',
        "utf-8",
    )
    ran = run_doctor(config, "unused")
    assert ran.code == 0, ran.checks
    check = ran.named("register parses")
    assert check["status"] == "skip"
    assert check["detail"].startswith("kept in git (TECH_DEBT.md in https://git.example.com/")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["syncer.toml"]
