"""`pull_request = true` on GitLab: a protected branch gets one merge request, opened through
python-gitlab against the fake GitLab over real HTTP, updated as the register's edits change,
never duplicated, and opened anew after a person closes it unmerged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.fakes.gitlab import FakeGitLab
from tests.sources.git.reconcile_json import CycleJson, reconcile_json
from tests.sources.git.repos import PATH, Remote, git


@pytest.fixture
def fake() -> Iterator[FakeGitLab]:
    with FakeGitLab() as served:
        yield served


def write_config(folder: Path, remote: Remote, fake: FakeGitLab, forge: str) -> Path:
    config = folder / "syncer.toml"
    config.write_text(
        f"""state = "state/syncer.sqlite"

[[registers]]
name = "platform"
source = "git"

[registers.git]
repository = "{remote.bare}"
path = "{PATH}"
pull_request = true
token_env = "GL_TOKEN"
pull_request_repo = "{fake.repo}"
pull_request_api = "{fake.server.base_url}"
{forge}

[[registers.targets]]
kind = "gitlab"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GL_TOKEN"
""",
        "utf-8",
    )
    return config


def reconcile(config: Path, fake: FakeGitLab) -> tuple[int, list[CycleJson], str]:
    return reconcile_json(config, {"GL_TOKEN": fake.token})


def test_a_protected_branch_gets_one_merge_request_updated_not_duplicated(
    tmp_path: Path, remote: Remote, fake: FakeGitLab
) -> None:
    config = write_config(tmp_path, remote, fake, 'forge = "gitlab"')
    main = git(remote.bare, "rev-parse", "main")
    code, reports, stderr = reconcile(config, fake)
    assert code == 0, stderr
    assert reports[0]["counts"]["register_in_review"] == 1
    [opened] = fake.merge_requests()
    assert (opened["source_branch"], opened["target_branch"]) == ("syncer/platform", "main")
    assert opened["title"] == "syncer: link 3 items"
    notes = reports[0]["notes"]
    assert any(f"wait in merge request !1 ({opened['web_url']})" in n for n in notes)
    assert git(remote.bare, "rev-parse", "main") == main, "the protected branch is untouched"
    assert f"[{fake.repo}#1]" in git(remote.bare, "show", f"syncer/platform:{PATH}")

    fake.human_edit("2", closed=True)
    code, _, stderr = reconcile(config, fake)
    assert code == 0, stderr
    [updated] = fake.merge_requests()
    assert updated["iid"] == opened["iid"], "updated, not duplicated"
    assert updated["title"] == "syncer: link 3 items, close 1 item"
    assert "- [x] Vendor the codec" in git(remote.bare, "show", f"syncer/platform:{PATH}")

    fake.close_merge_request(int(opened["iid"]))
    code, reports, stderr = reconcile(config, fake)
    assert code == 0, stderr
    [again] = fake.merge_requests()
    assert again["iid"] == 2, "closed unmerged: a new one, as the edits still wait"
    assert len(fake.merge_requests("all")) == 2


def test_an_address_that_names_no_forge_is_one_line_asking_for_it(
    tmp_path: Path, remote: Remote, fake: FakeGitLab
) -> None:
    code, _, stderr = reconcile(write_config(tmp_path, remote, fake, ""), fake)
    assert code != 0
    assert 'set forge = "github" or "gitlab"' in stderr and len(stderr.strip().splitlines()) == 1


def test_a_refused_merge_request_is_one_line_for_that_register(
    tmp_path: Path, remote: Remote, fake: FakeGitLab
) -> None:
    config = write_config(tmp_path, remote, fake, 'forge = "gitlab"')
    config.write_text(
        config.read_text("utf-8").replace(
            f'pull_request_repo = "{fake.repo}"', 'pull_request_repo = "nobody/nothing"'
        ),
        "utf-8",
    )
    code, _, stderr = reconcile(config, fake)
    assert code == 1
    errors = [line for line in stderr.splitlines() if line.startswith("error: platform:")]
    assert len(errors) == 1, stderr
    assert "GitLab nobody/nothing: cannot open the merge request: 404" in errors[0]
    assert fake.token not in stderr
