"""A failure is one line, for the register (or process) it concerns; the rest goes on.

Regressions of the reliability issue: an unreadable register crashed the whole reconcile with a
traceback, skipped the other registers and was recorded as a success; a read-only state
database gave a traceback; SIGTERM stopped a run with no message and left it unfinished.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from tests.postgres_server import ON_POSTGRESQL

from .conftest import Setup, checkbox_register

UNREADABLE = {
    "missing": None,
    "a folder": "dir",
    "binary": b"\x00\x01\x02 not text",
    "not UTF-8": "caf\xe9 au lait\n".encode("latin-1"),
    "UTF-16": "# Debt\n\n- [ ] Item\n".encode("utf-16"),
}


def add_second_register(setup: Setup, path: str) -> None:
    """A second register on the same project, under its own sync label (as it must be)."""
    text = setup.config.read_text("utf-8")
    tail = text[text.index("[[registers.targets]]") :] + 'sync_label = "debt-other"\n'
    setup.config.write_text(
        text + f'\n[[registers]]\nname = "broken"\npath = "{path}"\n\n' + tail, "utf-8"
    )


@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_an_unreadable_register_fails_alone_in_one_line(setup: Setup, kind: str) -> None:
    setup.write(checkbox_register(3))
    add_second_register(setup, "OTHER.md")
    content = UNREADABLE[kind]
    other = setup.folder / "OTHER.md"
    if content == "dir":
        other.mkdir()
    elif isinstance(content, bytes):
        other.write_bytes(content)
    result = setup.run("reconcile", "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "OTHER.md" in errors[0], result.stderr
    reports = {r["register"]: r for r in json.loads(result.stdout)}
    assert reports["debt"]["counts"]["created"] == 3, "the other register synced"
    status = {row["register"]: row for row in json.loads(setup.run("status", "--json").stdout)}
    assert "OTHER.md" in status["broken"]["last_error"], "the failure is recorded"
    assert status["debt"]["last_error"] == ""


@pytest.mark.skipif(ON_POSTGRESQL, reason="about a SQLite file on a read-only mount")
def test_a_read_only_state_database_is_one_line(setup: Setup) -> None:
    """The state folder on a read-only mount (root writes through permission bits, so the
    folder is remounted read-only in a private mount namespace, as a container would)."""
    setup.write(checkbox_register(3))
    assert setup.run("reconcile").returncode == 0
    with closing(sqlite3.connect(setup.state)) as connection:
        connection.execute("PRAGMA journal_mode = DELETE")  # no -wal/-shm beside it
    folder = str(setup.folder)
    remount = f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{remount} && ! touch {folder}/probe"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip(f"no private read-only mount here: {probe.stderr.decode().strip()}")
    command = f"{remount} && exec {sys.executable} -m syncer.cli reconcile"
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", command],
        env=setup.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "syncer.sqlite: the state database is read-only" in result.stderr, result.stderr


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_run_cleanly_and_records_it(
    setup: Setup, sig: signal.Signals, code: int
) -> None:
    setup.write(checkbox_register(40))
    setup.fake.stall_next(1000, seconds=0.05)  # every request answers late: time to signal
    process = setup.start("reconcile")
    deadline = time.monotonic() + 30
    while setup.fake.issue_count() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    setup.fake.clear_faults()
    assert process.returncode == code, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("interrupted")]
    assert lines == [f"interrupted by {sig.name}: what was done is recorded"], stderr
    assert "Traceback" not in stderr
    status = json.loads(setup.run("status", "--json").stdout)[0]
    assert status["finished"] and sig.name in status["last_error"], (stderr, status)
    made = setup.fake.issue_count()
    assert status["links"] == made, "every issue made before the signal is linked"
    register = setup.register.read_text("utf-8")
    assert register.count("](http") == made, "and its link is in the register"
    assert setup.run("reconcile").returncode == 0
    assert setup.fake.issue_count() == 40


def test_a_read_only_register_is_left_alone_with_a_note(setup: Setup) -> None:
    """A register the user made read-only (0444) was rewritten anyway."""
    setup.write(checkbox_register(3))
    setup.register.chmod(0o444)
    before = setup.register.read_bytes()
    result = setup.run("reconcile", "--json")
    assert result.returncode == 0, result.stderr
    (report,) = json.loads(result.stdout)
    assert any("read-only" in note for note in report["notes"]), report["notes"]
    assert setup.register.read_bytes() == before
    again = json.loads(setup.run("reconcile", "--json").stdout)[0]
    assert again["counts"].get("created", 0) == 0, "its issues are not made twice"
    setup.register.chmod(0o644)
    assert setup.run("reconcile").returncode == 0
    assert setup.register.read_text("utf-8").count("](http") == 3, "the links land once writable"
