"""A throwaway PostgreSQL server for the tests: initdb into a temp folder, a free loopback port,
stopped and deleted at the end of the session.

The server binaries are found on PATH or where Debian puts them (`/usr/lib/postgresql/N/bin`,
which is not on PATH). initdb and postgres refuse to run as root, so under root (containers, CI)
they run as `nobody`, owning the folder. Missing binaries skip the PostgreSQL tests locally and
fail them under CI (`CI` set, as `.ci/run` does): CI must never silently not run them.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

BACKEND_VARIABLE = "SYNCER_TEST_STATE"
"""`postgresql` runs the suites that start syncer on a config file (daemon, reliability) with
their state on the test server instead of a SQLite file (`fresh_state` in tests/conftest.py)."""
ON_POSTGRESQL = os.environ.get(BACKEND_VARIABLE, "sqlite") == "postgresql"
SUPERUSER = "syncer"
GUARDED_USER, GUARDED_PASSWORD = "guarded", "pw-never-shown-7f3a9c"
"""A role that must give a password (scram), to test that one never reaches a message."""
_DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"


def server_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, the newest Debian version if not on PATH."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    debian = sorted(Path("/").glob(_DEBIAN_BINARIES.lstrip("/")), key=_version)
    return next((folder for folder in reversed(debian) if (folder / "initdb").is_file()), None)


def _version(folder: Path) -> int:
    name = folder.parent.name
    return int(name) if name.isdigit() else 0


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; under CI the PostgreSQL tests must run")
    pytest.skip(reason)


@dataclass
class PostgresServer:
    port: int
    folder: Path
    _names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql://{user}{secret}@127.0.0.1:{self.port}/{database}"

    @contextmanager
    def database(self, owner: str = SUPERUSER, password: str = "") -> Iterator[str]:
        """A fresh, empty database for one test, dropped after it; its URL, as `owner`."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        try:
            yield self.url(name, owner, password)
        finally:
            with psycopg.connect(self.url(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def empty_database(url: str) -> None:
    """Drop everything in the database at `url`: a state database lost, as deleting a file."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_server_user(folder: Path) -> list[str]:
    """The command prefix that runs the server binaries as a user they accept."""
    if os.geteuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody")
    os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    runuser = shutil.which("runuser")
    if runuser is None:
        _unavailable("running as root without runuser: cannot start PostgreSQL as nobody")
    return [str(runuser), "-u", "nobody", "--"]


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    binaries = server_binaries()
    if binaries is None:
        _unavailable("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        raise AssertionError("unreachable")
    # Not pytest's tmp folder: under root it is private to root, and the server runs as nobody.
    folder = Path(tempfile.mkdtemp(prefix="syncer-pg-"))
    user = _as_server_user(folder)
    data, port = folder / "data", _free_port()
    ctl = [*user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log")]
    initdb = [*user, str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust"]
    try:
        subprocess.run([*initdb, "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        with (data / "pg_hba.conf").open("r+") as hba:
            rules = hba.read()
            hba.seek(0)
            hba.write(f"host all {GUARDED_USER} 127.0.0.1/32 scram-sha-256\n{rules}")
        options = f"-k {folder} -p {port} -h 127.0.0.1 -F"
        subprocess.run([*ctl, "-w", "-o", options, "start"], check=True, capture_output=True)
        server = PostgresServer(port, folder)
        with psycopg.connect(server.url(), autocommit=True) as admin:
            admin.execute(
                f"CREATE ROLE {GUARDED_USER} LOGIN CREATEDB PASSWORD '{GUARDED_PASSWORD}'"
            )
        yield server
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
