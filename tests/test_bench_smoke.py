"""The benchmarks still run, and the idle cost has not regressed.

Benchmarks are run by hand, so nothing else would notice one broken by a change to the engine or
the adapters, or an idle poll that quietly grew from one request to several. They run here as
subprocesses (as a person runs them) at tiny sizes, at the same time to keep this file fast;
the checks are on request counts, which tiny sizes already show, never on seconds.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.postgres_server import server_binaries

BENCH = Path(__file__).resolve().parent.parent / "bench"
ISSUES = 30
CREATES = 20
CREATE_LIMIT = 8
"""Low enough that creating `CREATES` issues must wait for fake GitHub's create limit."""
TIMEOUT_S = 120
FIRST_SYNC_ITEMS = 160
"""Over the 150 creates an hour GitHub takes: two runs, an hour apart on the virtual clock."""

COMMANDS = {
    "api_cost": [
        "api_cost.py",
        f"--issues={ISSUES}",
        f"--creates={CREATES}",
        f"--create-limit={CREATE_LIMIT}",
    ],
    "cycle": ["cycle.py", f"--items={ISSUES}"],
    "first_sync": ["first_sync.py", f"--items={FIRST_SYNC_ITEMS}"],
    "faults": ["faults.py", "--trials=3", "--quiet"],
    "parse": ["parse.py", "--items=40", "--runs=1"],
    "process": ["process.py", "--sizes=5,20", "--runs=1"],
    "webhook": [
        "webhook.py",
        "--samples=2",
        "--items=3",
        "--rate=20",
        "--load-seconds=1",
        "--idle-seconds=2",
    ],
}
if server_binaries() is not None or os.environ.get("CI"):  # under CI it must run, and does
    COMMANDS["ha"] = [
        "ha.py",
        "--registers=2",
        "--items=3",
        "--daemons=2",
        "--window=2",
        "--lock-samples=5",
    ]


def final_json(name: str, process: subprocess.Popen[bytes], out_file: Path) -> dict[str, Any]:
    """The benchmark's last stdout line, parsed; a failure shows what the benchmark said."""
    try:
        process.wait(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"bench/{name}.py took over {TIMEOUT_S} s\n{said(out_file, 'err')}")
    out = out_file.with_suffix(".out").read_text("utf-8")
    assert process.returncode == 0, (
        f"bench/{name}.py failed:\n{out[-2000:]}\n{said(out_file, 'err')}"
    )
    lines = out.strip().splitlines()
    assert lines, f"bench/{name}.py printed nothing\n{said(out_file, 'err')}"
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    return figures


def said(out_file: Path, stream: str) -> str:
    """The end of what a benchmark wrote to `stream` (its output goes to files: the benchmarks
    run at once, and a pipe nobody reads yet would stop a benchmark that fills it)."""
    return out_file.with_suffix(f".{stream}").read_text("utf-8", errors="replace")[-3000:]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("bench")
    files = {name: folder / name for name in COMMANDS}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, (script, *args) in COMMANDS.items():
        with (
            files[name].with_suffix(".out").open("wb") as out,
            files[name].with_suffix(".err").open("wb") as err,
        ):
            processes[name] = subprocess.Popen(
                [sys.executable, str(BENCH / script), *args], stdout=out, stderr=err
            )
    try:
        yield {name: final_json(name, p, files[name]) for name, p in processes.items()}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def test_api_cost_idle_poll_is_one_request(results: dict[str, dict[str, Any]]) -> None:
    figures = results["api_cost"]
    assert set(figures) == {"github", "gitlab", "jira"}
    for tracker, data in figures.items():
        assert data["issues"] == ISSUES
        assert data["idle_poll_requests"] == 1, tracker
        assert data["changed_poll_independent_of_n"], (tracker, data["polls"])
        assert data["create_many"]["created"] == CREATES, tracker
    assert figures["github"]["idle_poll_304"] == 1, "GitHub's idle poll is a conditional 304"


def test_api_cost_creates(results: dict[str, dict[str, Any]]) -> None:
    github = results["api_cost"]["github"]["create_many"]
    assert github["create_requests"] == github["create_requests_accepted"] == CREATES
    assert github["limit_hits"] == 0, "the adapter paces its writes below the fake's limit"
    assert github["waited_s"] >= 60, "the limit was within reach: the pacer waited for it"
    jira = results["api_cost"]["jira"]["create_many"]
    assert jira["create_requests"] == math.ceil(CREATES / 50), "Jira creates in bulk"
    moves = jira["transition_requests"]["by_method"]
    assert moves == {"GET": 1, "POST": jira["non_todo_drafts"]}, "transitions asked for once"


def test_cycle_idle_and_changes(results: dict[str, dict[str, Any]]) -> None:
    figures = results["cycle"]
    assert figures["items"] == figures["issues"] == figures["linked_items"] == ISSUES
    for name in ("initial", "echo", "idle", "changes", "after_changes"):
        assert figures[name]["errors"] == [], name
        assert "wall_s" in figures[name]
    idle = figures["idle"]
    assert (idle["requests"], idle["writes"]) == (1, 0)
    assert idle["register_unchanged"]
    changes = figures["changes"]
    assert changes["writes"] == 10, "one tracker write per register edit"
    assert changes["register_writes"] == 1, "one register write for the tracker edits"
    assert figures["peak_mib"]["idle"] > 0


def test_first_sync_links_everything_in_the_time_the_creation_limit_allows(
    results: dict[str, dict[str, Any]],
) -> None:
    figures = results["first_sync"]
    assert (figures["items"], figures["linked"], figures["issues"]) == (FIRST_SYNC_ITEMS,) * 3
    assert (figures["duplicates"], figures["limit_answers"], figures["runs"]) == (0, 0, 2)
    assert [run["linked"] for run in figures["per_run"]] == [150, FIRST_SYNC_ITEMS]


def test_webhook_lands_and_the_endpoint_answers_every_delivery(
    results: dict[str, dict[str, Any]],
) -> None:
    figures = results["webhook"]
    assert figures["latency"]["samples"] == 2
    assert figures["latency"]["p95_s"] >= figures["debounce_s"], "a cycle waits out the debounce"
    assert (figures["load"]["requests"], figures["load"]["errors"]) == (20, 0)
    assert figures["idle"]["registers"] == 3 and figures["idle"]["rss_peak_mib"] > 0


def test_faults_judges_its_first_trials_clean(results: dict[str, dict[str, Any]]) -> None:
    """The first trials of the sweep: the baseline, a missing register, an unset token."""
    figures = results["faults"]
    assert figures["trials"] == figures["handled_cleanly"] == 3
    judged = ("data_lost", "duplicates", "not_recovered", "secrets_leaked")
    assert [figures[name] for name in judged] == [0, 0, 0, 0]
    dimensions = figures["by_dimension"]
    assert set(dimensions) == {"tracker", "register", "config", "fault", "kill", "runs"}
    assert dimensions["register"]["missing"] == {"trials": 1, "failed": 0}
    assert dimensions["config"]["token_unset"] == {"trials": 1, "failed": 0}


def test_ha_measures_daemons_sharing_registers_on_postgresql(
    results: dict[str, dict[str, Any]],
) -> None:
    if "ha" not in results:
        pytest.skip("PostgreSQL's server binaries are not installed: bench/ha.py needs them")
    figures = results["ha"]
    assert (figures["registers"], figures["items"], figures["daemons"]) == (2, 3, 2)
    assert figures["latency"] > 0, "the fakes answer as slowly as a tracker"
    assert figures["cycles_per_minute_1"] > 0 and figures["cycles_per_minute_n"] > 0
    assert figures["lock_ms"] > 0 and figures["failover_seconds"] > 0
    assert figures["failover_target_seconds"] == figures["interval"] + 5


def test_parse_times_the_reader_and_whole_processes(results: dict[str, dict[str, Any]]) -> None:
    figures = results["parse"]
    assert figures["items"] == 40
    assert {"ratio", "process_ratio", "parse_s", "process_parse_s"} <= set(figures)
    assert "render_s" not in figures, "render returns a string: nothing to time"


def test_process_measures_an_idle_reconcile_beside_the_floor(
    results: dict[str, dict[str, Any]],
) -> None:
    figures = results["process"]
    assert figures["floor_cpu_s"] > 0 and figures["imports_cpu_s"] > 0
    assert set(figures["idle"]) == {"5", "20"}
    assert all(run["cpu_s"] > 0 for run in figures["idle"].values())
