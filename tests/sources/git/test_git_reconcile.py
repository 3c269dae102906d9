"""`syncer reconcile` and the daemon on registers kept in git, against the fake GitHub over
real HTTP and real local repositories: pull, commit, push; what goes wrong is one line for
that register alone; protected branches get one pull request, updated, never duplicated."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.config import load_config
from syncer.daemon.service import Daemon
from syncer.fakes.github import FakeGitHub
from syncer.register import parse
from tests.sources.git.conftest import SYNCER
from tests.sources.git.reconcile_json import CycleJson, reconcile_json
from tests.sources.git.repos import PATH, REGISTER, Remote, git


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as served:
        yield served


def write_config(folder: Path, fake: FakeGitHub, git_table: str, extra: str = "") -> Path:
    config = folder / "syncer.toml"
    config.write_text(
        f"""state = "state/syncer.sqlite"
http_port = 0
{extra}
[[registers]]
name = "platform"
source = "git"

[registers.git]
{git_table}

[[registers.targets]]
kind = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GH_TOKEN"
seconds_between_writes = 0
""",
        "utf-8",
    )
    return config


def reconcile(config: Path, fake: FakeGitHub) -> tuple[int, list[CycleJson], str]:
    return reconcile_json(config, {"GH_TOKEN": fake.token})


def test_reconcile_pulls_commits_and_pushes_then_idles(
    tmp_path: Path, remote: Remote, fake: FakeGitHub
) -> None:
    config = write_config(tmp_path, fake, f'repository = "{remote.bare}"\npath = "{PATH}"')
    code, reports, _ = reconcile(config, fake)
    assert code == 0, reports
    assert reports[0]["counts"] == {"created": 3, "register_edits": 3}
    links = [link.text for item in parse(remote.register()).items for link in item.links]
    assert links == [f"{fake.repo}#1", f"{fake.repo}#2", f"{fake.repo}#3"]
    assert remote.log()[0] == (SYNCER, "syncer: link 3 items")
    fake.human_edit("2", closed=True)
    code, reports, _ = reconcile(config, fake)
    assert code == 0 and remote.log()[0] == (SYNCER, 'syncer: close "Vendor the codec" (#2)')
    commits = len(remote.log())
    code, reports, _ = reconcile(config, fake)
    assert code == 0 and reports[0]["plan"] == [] and len(remote.log()) == commits
    assert (tmp_path / "state" / "syncer.sqlite.repos" / "platform.git").is_dir()


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('repository = "{missing}"\npath = "{path}"', "cannot reach the repository"),
        ('repository = "{bare}"\npath = "{path}"\nbranch = "release"',
         "the branch release does not exist in the repository"),
        ('repository = "{bare}"\npath = "docs/NOPE.md"', "no such file on the branch"),
        ('repository = "https://127.0.0.1:9/acme/debt.git"\npath = "{path}"\n'
         'token_env = "GH_TOKEN"', "cannot reach the repository"),
    ],
)  # fmt: skip
def test_what_goes_wrong_fails_that_register_alone_in_one_line(
    tmp_path: Path, remote: Remote, fake: FakeGitHub, table: str, said: str
) -> None:
    (tmp_path / "LOCAL.md").write_text("# Local\n\n- [ ] Keep this local item\n", "utf-8")
    local = f"""
[[registers]]
name = "local"
path = "LOCAL.md"
sync_label = "local-debt"

[[registers.targets]]
kind = "github"
repo = "{fake.repo}"
base_url = "{fake.server.base_url}"
token_env = "GH_TOKEN"
seconds_between_writes = 0
sync_label = "local"
""".replace('sync_label = "local-debt"\n', "")
    git_table = table.format(missing=tmp_path / "missing.git", path=PATH, bare=remote.bare)
    config = write_config(tmp_path, fake, git_table)
    config.write_text(config.read_text("utf-8") + local, "utf-8")
    before = remote.log()
    code, reports, stderr = reconcile(config, fake)
    assert code == 1
    errors = [line for line in stderr.splitlines() if line.startswith("error: platform:")]
    assert len(errors) == 1 and said in errors[0], stderr
    assert fake.token not in stderr
    assert [r["outcome"] for r in reports] == ["error", "ok"]
    assert "[Keep this local item](" not in (tmp_path / "LOCAL.md").read_text("utf-8")
    assert "#1" in (tmp_path / "LOCAL.md").read_text("utf-8")
    assert remote.log() == before and remote.register() == REGISTER


def test_a_register_leaving_the_configuration_takes_its_repository_with_it(
    tmp_path: Path, remote: Remote, fake: FakeGitHub
) -> None:
    config = write_config(tmp_path, fake, f'repository = "{remote.bare}"\npath = "{PATH}"')
    reconcile(config, fake)
    folder = tmp_path / "state" / "syncer.sqlite.repos" / "platform.git"
    assert folder.is_dir()
    (tmp_path / "LOCAL.md").write_text("# Local\n\n- [ ] An item\n", "utf-8")
    text = config.read_text("utf-8").replace(
        'source = "git"\n\n[registers.git]\n', 'path = "LOCAL.md"\n'
    )
    text = text.replace(f'repository = "{remote.bare}"\npath = "{PATH}"\n', "")
    config.write_text(text.replace('name = "platform"', 'name = "local"'), "utf-8")
    code, _, stderr = reconcile(config, fake)
    assert code == 0, stderr
    assert not folder.exists()
    assert remote.register().count(f"{fake.repo}#") == 3, "the register itself stays as it was"


def test_a_protected_branch_gets_one_pull_request_updated_not_duplicated(
    tmp_path: Path, remote: Remote, fake: FakeGitHub
) -> None:
    table = (
        f'repository = "{remote.bare}"\npath = "{PATH}"\npull_request = true\n'
        f'token_env = "GH_TOKEN"\npull_request_repo = "{fake.repo}"\n'
        f'pull_request_api = "{fake.server.base_url}"\nforge = "github"'
    )
    config = write_config(tmp_path, fake, table)
    main = git(remote.bare, "rev-parse", "main")
    code, reports, stderr = reconcile(config, fake)
    assert code == 0, stderr
    assert reports[0]["counts"]["register_in_review"] == 1
    assert any("wait in pull request #4" in note for note in reports[0]["notes"])
    [pull] = fake.pulls.open()
    assert (pull.head, pull.base) == ("syncer/platform", "main")
    assert git(remote.bare, "rev-parse", "main") == main, "the protected branch is untouched"
    proposed = git(remote.bare, "show", f"syncer/platform:{PATH}")
    assert f"[{fake.repo}#1]" in proposed

    fake.human_edit("2", closed=True)
    remote.person.edit(lambda t: t + "\nSeen by the team.\n", "A note")
    code, reports, stderr = reconcile(config, fake)
    assert code == 0, stderr
    assert [p.number for p in fake.pulls.open()] == [pull.number], "updated, not duplicated"
    proposed = git(remote.bare, "show", f"syncer/platform:{PATH}")
    assert "- [x] Vendor the codec" in proposed and "Seen by the team." in proposed
    assert fake.pulls.json(pull)["title"] == "syncer: link 3 items, close 1 item"
    branch = git(remote.bare, "rev-list", "main..syncer/platform").splitlines()
    assert len(branch) == 2, "one commit per change, the first kept (no force-push)"

    commits = git(remote.bare, "rev-parse", "syncer/platform")
    code, _, _ = reconcile(config, fake)
    assert git(remote.bare, "rev-parse", "syncer/platform") == commits, "nothing new: no commit"
    assert len(fake.pulls.open()) == 1


def test_an_unreachable_pull_request_api_is_one_line_for_that_register(
    tmp_path: Path, remote: Remote, fake: FakeGitHub
) -> None:
    """Nothing answers at `pull_request_api` (a closed port): one line names the register and
    the address, as for a refusal; the issues are still created and the branch pushed."""
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/api/v3"
    table = (
        f'repository = "{remote.bare}"\npath = "{PATH}"\npull_request = true\n'
        f'token_env = "GH_TOKEN"\npull_request_repo = "{fake.repo}"\n'
        f'pull_request_api = "{closed}"\nforge = "github"'
    )
    code, _, stderr = reconcile(write_config(tmp_path, fake, table), fake)
    assert code == 1
    errors = [line for line in stderr.splitlines() if line.startswith("error: platform:")]
    assert len(errors) == 1, stderr
    assert f"GitHub {fake.repo}: cannot reach http://127.0.0.1:" in errors[0]
    assert "Traceback" not in stderr and fake.token not in stderr
    assert fake.issue_count() == 3
    assert f"[{fake.repo}#1]" in git(remote.bare, "show", f"syncer/platform:{PATH}")


def test_the_daemon_keeps_a_git_register(tmp_path: Path, remote: Remote, fake: FakeGitHub) -> None:
    config = write_config(
        tmp_path, fake, f'repository = "{remote.bare}"\npath = "{PATH}"', 'schedule = "every 1h"'
    )
    daemon = Daemon(load_config(config, env={}), env={"GH_TOKEN": fake.token})
    daemon.start()
    try:
        started = time.monotonic()
        while not daemon.runner.ready() and time.monotonic() - started < 30:
            time.sleep(0.05)
    finally:
        daemon.shutdown()
    assert daemon.runner.ready()
    assert remote.log()[0] == (SYNCER, "syncer: link 3 items")
    assert fake.issue_count() == 3
