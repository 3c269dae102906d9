"""Run `syncer` as users do, as whole processes on a config file, against fake trackers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncer.app import App
from syncer.cli import app as cli
from syncer.config import TrackerKind, load_config
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira
from syncer.model import IssueState, RemoteIssue
from syncer.state.location import is_database_url
from syncer.sync.progress import CycleReport
from syncer.trackers.base import RetryPolicy, Tracker
from syncer.trackers.github import GitHubTracker
from syncer.trackers.gitlab import GitLabTracker
from syncer.trackers.jira import JiraTracker
from tests.postgres_server import empty_database
from tests.trackers.helpers import UNPACED_KEYS, wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN_ENV = "FAKE_TRACKER_TOKEN"
KINDS: tuple[TrackerKind, ...] = ("github", "gitlab", "jira")
CREATE_PATHS = {"github": "/issues", "gitlab": "/issues", "jira": "/issue/bulk"}
"""How the path of each tracker's create request ends (a POST)."""
LIST_PATHS = {"github": "/issues", "gitlab": "/issues", "jira": "/search"}
"""How the path of each tracker's issue listing ends (the one read every cycle starts with)."""


def checkbox_register(count: int, done_every: int = 7) -> str:
    return "# Debt\n\n## High Priority\n\n" + "".join(
        f"- [{'x' if n % done_every == 0 else ' '}] **Item number {n}** - body of item {n}\n"
        for n in range(count)
    )


@dataclass
class Setup:
    """A folder with a register, a config naming it and a fake tracker, and how to run syncer."""

    folder: Path
    fake: FakeTracker
    kind: TrackerKind = "gitlab"
    state_location: str = "syncer.sqlite"
    """What the config's `state` says (`fresh_state`: a file, or a PostgreSQL database)."""

    @property
    def config(self) -> Path:
        return self.folder / "syncer.toml"

    @property
    def register(self) -> Path:
        return self.folder / "TECH_DEBT.md"

    @property
    def state(self) -> Path:
        return self.folder / "syncer.sqlite"

    def write(
        self,
        register: str,
        *,
        target: Mapping[str, object] | None = None,
        timeout_seconds: float = 10,
        **top: object,
    ) -> None:
        """The register and a config with one target on the fake; `target` adds keys to it,
        `top` to the top level."""
        self.register.write_text(register, "utf-8")
        extra = "".join(f"{key} = {_toml(value)}\n" for key, value in top.items())
        unpaced = UNPACED_KEYS if self.kind == "github" else {}
        keys = "".join(
            f"{key} = {_toml(value)}\n" for key, value in {**unpaced, **(target or {})}.items()
        )
        self.config.write_text(
            f"""state = "{self.state_location}"
{extra}
[[registers]]
name = "debt"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "{self.kind}"
repo = "{self.fake.repo}"
base_url = "{self.fake.server.base_url}"
token_env = "{TOKEN_ENV}"
{keys}retry = {{ attempts = 3, backoff_seconds = 0.05, max_wait_seconds = 5, timeout_seconds = {
                timeout_seconds
            } }}
""",
            "utf-8",
        )

    def forget_state(self) -> None:
        """Lose the state database, as a deleted file or a restored empty database would."""
        if is_database_url(self.state_location):
            empty_database(self.state_location)
        else:
            self.state.unlink()

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            TOKEN_ENV: self.fake.token,
            "SYNCER_CONFIG": str(self.config),
        }

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "syncer.cli", *args],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "syncer.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def sync_here(self, *, clean: bool = True) -> CycleReport:
        """One reconcile in this process, as `syncer reconcile` runs it (`App`), without
        starting Python again (a second on this machine): to bring a setup where a trial
        starts, or to let it settle. `clean`: the run must have no error and no refusal."""
        env = self.env()
        with App.build(load_config(self.config, env), env) as app:
            report = app.run("debt")
        assert not clean or not (report.errors or report.refused), (self.kind, report)
        return report

    def tracker(self) -> Tracker:
        """The real adapter on the fake, to look at the issues as syncer reads them."""
        retry = RetryPolicy(attempts=2, backoff_seconds=0.01, max_wait_seconds=2)
        token, url = self.fake.token, self.fake.server.base_url
        if self.kind == "github":
            return GitHubTracker(self.fake.repo, token, base_url=url, retry=retry)
        if self.kind == "gitlab":
            return GitLabTracker(self.fake.repo, token, url=url, retry=retry)
        return JiraTracker(url, self.fake.repo, token, retry=retry)

    def issues(self) -> list[RemoteIssue]:
        """Every issue with the sync label, open or closed."""
        return list(self.tracker().list_changed(None).issues)

    def status(self) -> dict[str, Any]:
        """`syncer status --json`: the register's one target."""
        [row] = status_all([self])
        return row


@dataclass(frozen=True)
class Run:
    """What a user sees of one `syncer reconcile --json`: exit code, its report, its stderr."""

    code: int
    report: dict[str, Any]
    stderr: str

    @property
    def problems(self) -> list[str]:
        """The stderr lines that are not log records: errors, refusals, interruptions."""
        return [line for line in self.stderr.splitlines() if not _is_log_record(line)]


def _is_log_record(line: str) -> bool:
    return line[:4].isdigit() and line[4:5] == "-"  # a console log line starts with its time


def reconcile_all(setups: Sequence[Setup], *args: str) -> list[Run]:
    """`syncer reconcile --json` on every setup at once (each its own folder and fake): the
    machine runs them side by side, so trying a fault on three trackers costs about one run."""
    processes = [setup.start("reconcile", "--json", *args) for setup in setups]
    runs = []
    for code, stdout, stderr in finish_output(processes):
        assert "Traceback" not in stderr, stderr
        reports = json.loads(stdout) if stdout.strip() else [{}]
        runs.append(Run(code, reports[0], stderr))
    return runs


def status_all(setups: Sequence[Setup]) -> list[dict[str, Any]]:
    """`syncer status --json` of each setup: its one target. Run in this process (the command
    only reads the state database), since starting Python costs a second on this machine."""
    rows = []
    for setup in setups:
        result = CliRunner().invoke(cli, ["status", "--json", "--config", str(setup.config)])
        assert result.exit_code == 0, result.output
        [row] = json.loads(result.stdout)
        rows.append(row)
    return rows


def finish_output(
    processes: Sequence[subprocess.Popen[str]], timeout: float = 120
) -> list[tuple[int, str, str]]:
    """Wait for every process; (exit code, stdout, stderr) each, in order."""
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append((process.returncode, stdout, stderr))
    return results


def finish(
    processes: Sequence[subprocess.Popen[str]], timeout: float = 120
) -> list[tuple[int, str]]:
    """Wait for every process; (exit code, stderr) each, in order."""
    return [(code, stderr) for code, _, stderr in finish_output(processes, timeout)]


@dataclass
class Arrivals:
    """The requests a fake has heard arrive since `once_on` (answered or not yet)."""

    fake: FakeTracker
    answered_before: int
    heard: list[tuple[str, str]]

    def all_answered(self) -> None:
        """Wait until each request heard was answered: what the fake held back is done."""
        wait_until(
            lambda: len(self.fake.server.requests) - self.answered_before >= len(self.heard),
            "the fake answers every request it took in",
        )


def once_on(fake: FakeTracker, method: str, path_end: str, arm: Callable[[], None]) -> Arrivals:
    """Call `arm()` (which schedules a fault on `fake`) as the first `method` request whose
    path ends with `path_end` arrives, so the fault meets that request and no other."""
    armed = False
    arrivals = Arrivals(fake, len(fake.server.requests), [])

    def hook(got_method: str, path: str) -> None:
        nonlocal armed
        arrivals.heard.append((got_method, path))
        if not armed and got_method == method and path.endswith(path_end):
            armed = True
            arm()

    fake.server.on_arrival(hook)
    return arrivals


def open_markers(setup: Setup) -> Counter[str | None]:
    """How many open issues carry each marker: a duplicate shows as a count above one."""
    return Counter(i.marker for i in setup.issues() if i.state is IssueState.OPEN)


def _toml(value: object) -> str:
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="module")
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab() as fake:
        yield fake


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(create_limit=None) as fake:  # with UNPACED_KEYS: see `Setup.write`
        yield fake


@pytest.fixture(scope="module")
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def setup(tmp_path: Path, gitlab: FakeGitLab, fresh_state: Callable[[], str]) -> Setup:
    gitlab.reset()
    return Setup(tmp_path, gitlab, state_location=fresh_state())


@pytest.fixture
def trio(
    tmp_path: Path,
    github: FakeGitHub,
    gitlab: FakeGitLab,
    jira: FakeJira,
    fresh_state: Callable[[], str],
) -> list[Setup]:
    """One setup per tracker kind (GitHub, GitLab, Jira), each in its own folder."""
    fakes: dict[TrackerKind, FakeTracker] = {"github": github, "gitlab": gitlab, "jira": jira}
    setups = []
    for kind, fake in fakes.items():
        fake.reset()
        (tmp_path / kind).mkdir()
        setups.append(Setup(tmp_path / kind, fake, kind, fresh_state()))
    return setups
