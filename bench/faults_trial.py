"""One trial of bench/faults.py: set up, break, run, recover, judge.

A trial is a folder with a register, a config and one fake tracker (served by the bench on
127.0.0.1). It is synced once (in this process), then a person edits the register (retitles an
item, adds two) and the tracker (retitles another item's issue), so the faulted runs have
creates, a push and a pull to do. The trial's faults are applied, whole `syncer reconcile`
processes run (one may be killed with SIGKILL as the fake receives its k-th request), every
fault is undone, a recovery `syncer reconcile` runs, then a last cycle (in this process) checks
that nothing is left to do. The verdict is what a user would notice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from syncer.app import App, build_tracker
from syncer.config import load_config
from syncer.fakes.control import FakeTracker
from syncer.model import IssueState
from syncer.register import NewItem, add_item, parse, set_title

ROOT = Path(__file__).resolve().parents[1]
MOJIBAKE = ROOT / "tests" / "data" / "seeds" / "debt-register-mojibake-cp1252.md"
TOKEN_ENV = "BENCH_TRACKER_TOKEN"
TIMEOUT_S = 1
"""The client timeout of every config (PyGithub takes whole seconds)."""
SLOW_S = 2.0
"""How late a stalled answer or late work comes: past the timeout."""
EXIT_CODES = {0, 1, 2, 3, 4, 5, 130, 143}
"""The exit codes the README documents."""
MESSAGES = ("error: ", "refused: ", "interrupted by ")
"""How each line a user is told on stderr starts (besides log records)."""
CREATES = {"github": "/issues", "gitlab": "/issues", "jira": "/issue/bulk"}
LISTS = {"github": "/issues", "gitlab": "/issues", "jira": "/search"}
Trial = dict[str, str]
"""Dimension name → the value this trial takes (see `DIMENSIONS` in bench/faults.py)."""
UNPACED = {
    "seconds_between_writes": "0",
    "creates_per_minute": "1000000",
    "creates_per_hour": "1000000",
    "writes_per_minute": "1000000",
    "writes_per_hour": "1000000",
}
"""A GitHub target's pacing off: faults are the subject here, on the real clock."""


def base_register() -> str:
    return "# Debt\n\n## High Priority\n\n" + "".join(
        f"### Bench item {n}\n**Status**: {'Done' if n == 3 else 'Not Started'}\n"
        f"**Effort**: Medium\n\nBody of bench item {n}, as the team wrote it.\n\n"
        for n in range(5)
    )


@dataclass
class Ran:
    """One `syncer reconcile` process as its user saw it."""

    code: int
    stdout: str
    stderr: str
    killed: bool = False


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    """Not handled cleanly: undocumented exit, traceback, a message over several lines."""
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unrecovered: list[str] = field(default_factory=list)
    leaked: bool = False
    missed: list[str] = field(default_factory=list)
    """Faults the runs never met (no request reached the fake, a run ended before request k):
    not a failure, what the trial could not try."""


class TrialFolder:
    """The files of one trial and how to run `syncer` on them."""

    def __init__(self, folder: Path, fake: FakeTracker, kind: str) -> None:
        """`fake`: fake GitHub with its creation limit off (the trials are about faults, and
        run on the real clock: GitHub pacing is `UNPACED` too)."""
        self.folder, self.fake, self.kind = folder, fake, kind
        self.config = folder / "syncer.toml"
        self.register = folder / "TECH_DEBT.md"
        self.token_env = TOKEN_ENV

    def write_config(self, target: dict[str, str] | None = None, top: str = "") -> None:
        keys = {
            "kind": f'"{self.kind}"',
            "repo": f'"{self.fake.repo}"',
            "base_url": f'"{self.fake.server.base_url}"',
            "token_env": f'"{self.token_env}"',
            "retry": "{ attempts = 3, backoff_seconds = 0.05, max_wait_seconds = 5,"
            f" timeout_seconds = {TIMEOUT_S} }}",
            **(UNPACED if self.kind == "github" else {}),
            **(target or {}),
        }
        lines = "".join(f"{key} = {value}\n" for key, value in keys.items())
        self.config.write_text(
            f'state = "syncer.sqlite"\n{top}\n[[registers]]\nname = "debt"\n'
            f'path = "TECH_DEBT.md"\n\n[[registers.targets]]\n{lines}',
            "utf-8",
        )

    def env(self, token: bool = True) -> dict[str, str]:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SYNCER_CONFIG": str(self.config)}
        env.pop(TOKEN_ENV, None)
        return {**env, TOKEN_ENV: self.fake.token} if token else env

    def start(self, token: bool = True) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "syncer.cli", "reconcile", "--json"],
            env=self.env(token),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def cycle_here(self) -> int:
        """One cycle in this process (as `reconcile` runs it): the operations it planned."""
        env = self.env()
        with App.build(load_config(self.config, env), env) as app:
            report = app.run("debt")
        if report.errors or report.refused:
            raise RuntimeError(f"{report.errors} {report.refused}")
        return len(report.plan.operations) if report.plan else 0


def finish(processes: list[subprocess.Popen[str]], killed: set[int]) -> list[Ran]:
    runs = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
            stderr += "\nbench: hung for 120 s, killed"
        runs.append(Ran(process.returncode, stdout, stderr, process.pid in killed))
    return runs


class Saboteur:
    """Arms the trial's tracker fault on the request it concerns, and kills the first
    process with SIGKILL as the fake receives request number `kill_at` (0: never)."""

    def __init__(self, folder: TrialFolder, fault: str, kill_at: int) -> None:
        self.fake, self.kind, self.fault, self.kill_at = folder.fake, folder.kind, fault, kill_at
        self.heard = 0
        self.answered_before = len(self.fake.server.requests)
        self.armed = fault in ("none", "refused_create")
        self.victim: subprocess.Popen[str] | None = None
        self.killed: set[int] = set()
        self.fake.server.on_arrival(self.arrived)

    def arrived(self, method: str, path: str) -> None:
        self.heard += 1
        if self.heard == self.kill_at and self.victim and self.victim.poll() is None:
            os.kill(self.victim.pid, signal.SIGKILL)
            self.killed.add(self.victim.pid)
        if not self.armed and self._concerns(method, path):
            self.armed = True
            self._arm()

    def _concerns(self, method: str, path: str) -> bool:
        if self.fault in ("5xx", "429"):
            return method != "GET"  # the first write: what an outage costs is a lost answer
        if self.fault == "garbled_list":
            return method == "GET" and path.endswith(LISTS[self.kind])
        return method == "POST" and path.endswith(CREATES[self.kind])

    def _arm(self) -> None:
        fake = self.fake
        arm: dict[str, Callable[[], None]] = {
            "5xx": lambda: fake.fail_next(2, 502),
            "429": lambda: fake.throttle_next(2, retry_after=0.2),
            "stall": lambda: fake.stall_next(1, SLOW_S),
            "late": lambda: fake.late_next(1, SLOW_S),
            "garbled_list": lambda: fake.garble_next(1, "html"),
            "garbled_create": lambda: fake.garble_next(1, "cut"),
        }
        arm[self.fault]()

    def disarm(self) -> None:
        """No more faults; wait (bounded) until the fake did what it took in, late work too."""
        self.fake.server.on_arrival(None)
        self.fake.clear_faults()
        deadline = time.monotonic() + 10
        while len(self.fake.server.requests) - self.answered_before < self.heard:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)


def damage_register(folder: TrialFolder, how: str) -> tuple[bytes | None, Callable[[], None]]:
    """Break the register as `how` says: (the bytes syncer must leave at its path, or None
    when it may write; how to put the person's register back)."""
    path, text = folder.register, folder.register.read_text("utf-8")
    aside = folder.folder / "register.aside"
    if how in ("good", "mojibake", "symlink"):
        if how == "symlink":
            target = folder.folder / "docs" / "TECH_DEBT.md"
            target.parent.mkdir()
            path.rename(target)
            path.symlink_to(target)
        return None, lambda: None
    path.rename(aside)
    if how == "directory":
        path.mkdir()
    elif how == "read_only":
        path.write_text(text, "utf-8")
        path.chmod(0o444)
    elif how != "missing":
        broken = {
            "binary": b"\x00\x01\x02\xff syncer bench \x00",
            "utf16": text.encode("utf-16"),
            "not_utf8": text.replace("Body of", "Caf\xe9 body of").encode("latin-1"),
            "truncated": b"",
        }
        path.write_bytes(broken[how])

    def restore() -> None:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        elif path.exists():
            path.chmod(0o644)
            path.unlink()
        aside.rename(path)

    return (path.read_bytes() if path.is_file() else None), restore


def break_config(folder: TrialFolder, how: str, closed_port: int, target: dict[str, str]) -> bool:
    """Write the config (`target`: keys to add) as `how` breaks it; whether the token is in
    the environment."""
    target = dict(target)
    if how == "token_pasted":
        folder.token_env = folder.fake.token
    elif how == "wrong_repo":
        target["repo"] = '"NOPE"' if folder.kind == "jira" else '"nobody/nothing"'
    elif how == "unreachable":
        target["base_url"] = f'"http://127.0.0.1:{closed_port}"'
    elif how == "unknown_key":
        target["colour"] = '"blue"'
    folder.write_config(target)
    folder.token_env = TOKEN_ENV
    return how != "token_unset"


def ref_of(kind: str, link_text: str) -> str:
    """The issue ref an adapter takes, from a link's text (`org/repo#12`, Jira's `KEY-12`)."""
    return link_text if kind == "jira" else link_text.rsplit("#", 1)[-1]


def judge_outputs(runs: list[Ran], token: str, verdict: Verdict) -> None:
    for number, run in enumerate(runs, 1):
        verdict.leaked |= token in run.stdout or token in run.stderr
        if run.killed:
            continue
        said = [line for line in run.stderr.splitlines() if line.startswith(MESSAGES)]
        stray = [
            line
            for line in run.stderr.splitlines()
            if line.strip() and not line.startswith(MESSAGES) and not _is_log_record(line)
        ]
        if "Traceback" in run.stderr:
            verdict.problems.append(f"run {number}: traceback")
        elif stray:
            verdict.problems.append(f"run {number}: stray stderr line {stray[0][:60]!r}")
        if run.code not in EXIT_CODES:
            verdict.problems.append(f"run {number}: exit {run.code}")
        elif run.code in (1, 2, 4, 5) and not said:
            verdict.problems.append(f"run {number}: exit {run.code} and no message")


def _is_log_record(line: str) -> bool:
    return (line[:4].isdigit() and line[4:5] == "-") or line.startswith('{"')


def judge_result(
    folder: TrialFolder, expected: set[str], person_title: str, symlinked: bool, v: Verdict
) -> None:
    """After recovery: every item there with both edits, each with one issue."""
    if symlinked and not folder.register.is_symlink():
        v.lost.append("the symlinked register became a regular file")
    try:
        items = parse(folder.register.read_text("utf-8")).items
    except (OSError, UnicodeDecodeError) as exc:
        v.lost.append(f"register unreadable after recovery: {exc}")
        return
    missing = expected - {item.title for item in items}
    if missing:
        v.lost.append(f"items or edits missing: {sorted(missing)[:3]}")
    env = folder.env()
    target = load_config(folder.config, env).registers[0].targets[0]
    issues = build_tracker(target, env).list_changed(None).issues
    markers = Counter(i.marker for i in issues if i.state is IssueState.OPEN)
    if markers and max(markers.values()) > 1:
        v.duplicates.append(f"open issues sharing a marker: {markers.most_common(1)}")
    refs = [link.text for item in items for link in item.links]
    if len(refs) != len(set(refs)) or any(len(item.links) > 1 for item in items):
        v.duplicates.append("an issue linked by two items, or an item linked twice")
    titles = {i.ref: i.title for i in issues}
    person = [i for i in items if i.title == person_title]
    pushed = {titles.get(ref_of(folder.kind, link.text)) for i in person for link in i.links}
    if person and person_title not in pushed:
        v.lost.append("the person's register edit never reached the tracker")


def run_trial(
    number: int, trial: Trial, fake: FakeTracker, root: Path, closed_port: int
) -> Verdict:
    fake.reset()
    kind, verdict = trial["tracker"], Verdict()
    folder = TrialFolder(root / f"trial-{number}", fake, kind)
    folder.folder.mkdir()
    folder.write_config()
    mojibake = trial["register"] == "mojibake"
    folder.register.write_text(MOJIBAKE.read_text("utf-8") if mojibake else base_register())
    folder.cycle_here()
    person_title, tracker_title = f"Person's edit {number}", f"Tracker edit {number}"
    register = parse(folder.register.read_text("utf-8"))
    text = set_title(register, register.items[1].key, person_title)
    text = add_item(parse(text), NewItem("Bench new item A", body="Added by a person."))
    owner = {"Owner": "@ghost"} if trial["fault"] == "refused_create" else {}
    text = add_item(parse(text), NewItem("Bench new item B", fields=owner))
    folder.register.write_text(text, "utf-8")
    fake.human_edit(ref_of(kind, register.items[2].links[0].text), title=tracker_title)
    expected = {i.title for i in parse(text).items} - {register.items[2].title} | {tracker_title}

    left, restore = damage_register(folder, trial["register"])
    refused = trial["fault"] == "refused_create"
    ghost = {"user_map": '{ "@ghost" = "left-the-company" }'} if refused else {}
    token = break_config(folder, trial["config"], closed_port, ghost)
    kill_at = 0 if trial["kill"] == "none" else int(trial["kill"])
    saboteur = Saboteur(folder, trial["fault"], kill_at)
    saboteur.victim = folder.start(token)
    processes = [saboteur.victim, *(folder.start(token) for _ in range(int(trial["runs"]) - 1))]
    runs = finish(processes, saboteur.killed)
    saboteur.disarm()
    if not saboteur.armed:
        verdict.missed.append(f"fault {trial['fault']}")
    if kill_at and not saboteur.killed:
        verdict.missed.append(f"kill at request {kill_at}")
    if left is not None and folder.register.read_bytes() != left:
        verdict.lost.append("syncer wrote over a register it could not use")
    restore()
    folder.write_config()
    [recovery] = finish([folder.start()], set())
    judge_outputs([*runs, recovery], fake.token, verdict)
    if recovery.code != 0:
        verdict.unrecovered.append(f"recovery exit {recovery.code}: {recovery.stderr[-120:]!r}")
    else:
        try:
            if left_over := folder.cycle_here():
                verdict.unrecovered.append(f"not settled: {left_over} operations after recovery")
        except RuntimeError as exc:
            verdict.unrecovered.append(f"the cycle after recovery failed: {exc}")
    judge_result(folder, expected, person_title, trial["register"] == "symlink", verdict)
    return verdict
