"""The deployment files do what they say, checked as far as a machine without Docker allows.

The Dockerfile's HEALTHCHECK runs for real against a local HTTP server; the settings the image,
the systemd unit and the compose file set are read by syncer's own configuration loader (a
misspelt `SYNCER_*` variable would be silently ignored otherwise); the constraints file pins
every package the runtime dependencies need; `systemd-analyze verify` checks the unit.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from syncer.config import Settings, load_config

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")
UNIT = (ROOT / "deploy" / "syncer.service").read_text("utf-8")
COMPOSE = (ROOT / "deploy" / "compose.yaml").read_text("utf-8")
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the final stage, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    last_from = max(i for i, (word, _) in enumerate(found) if word == "FROM")
    return found[last_from:]


def one(word: str) -> str:
    (value,) = [rest for w, rest in instructions(DOCKERFILE) if w == word]
    return value


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in instructions(DOCKERFILE):
        if word == "ENV":
            for part in shlex.split(rest):
                name, _, value = part.partition("=")
                env[name] = value
    return env


def healthcheck_command() -> list[str]:
    options_and_cmd = one("HEALTHCHECK")
    command: list[str] = json.loads(options_and_cmd.split(" CMD ", 1)[1])
    return command


def settings_from(env: dict[str, str], tmp_path: Path) -> Settings:
    config = tmp_path / "syncer.toml"
    config.write_text('[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n', "utf-8")
    return load_config(config, env=env)


# --- Dockerfile ----------------------------------------------------------------------------------


def test_the_image_runs_the_daemon_as_a_user_on_the_config_volume() -> None:
    assert (
        json.loads(one("ENTRYPOINT")) == ["syncer"] and "syncer" in PYPROJECT["project"]["scripts"]
    )
    assert json.loads(one("CMD")) == ["daemon", "--config", "/config/syncer.toml"]
    user = one("USER").split(":")[0]
    assert user not in ("0", "root")
    assert {"/config", "/state"} <= set(json.loads(one("VOLUME")))
    assert one("EXPOSE") == "8080"


def test_the_image_has_git_and_ssh_for_registers_kept_in_git() -> None:
    installs = " ".join(rest for word, rest in instructions(DOCKERFILE) if word == "RUN")
    assert re.search(r"apt-get install -y --no-install-recommends git openssh-client", installs)


def test_the_image_environment_is_read_by_syncer_as_meant(tmp_path: Path) -> None:
    settings = settings_from(image_env(), tmp_path)
    assert settings.state == Path("/state/syncer.sqlite")
    assert (settings.http_host, settings.http_port, settings.log_format) == (
        "0.0.0.0",
        8080,
        "json",
    )
    assert str(settings.state).startswith(tuple(json.loads(one("VOLUME"))))


def test_the_build_installs_the_pinned_versions_from_files_the_context_keeps() -> None:
    build = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    assert re.search(r"pip install -c constraints\.txt \.", build)
    kept = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.startswith("!")
    }
    sources = [
        part
        for line in build.splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for part in line.split()[1:-1]
    ]
    assert sources and all(s in kept and (ROOT / s).exists() for s in sources), sources


class _Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        """Quiet."""


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_healthcheck(port: int) -> int:
    command = healthcheck_command()
    assert command[0] == "python"
    env = {"SYNCER_HTTP_PORT": str(port), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, *command[1:]], env=env, capture_output=True, timeout=30
    )
    return result.returncode


def test_healthcheck_passes_on_200_and_fails_on_503(
    health_server: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = health_server.server_address[1]
    assert run_healthcheck(port) == 0
    monkeypatch.setattr(_Health, "status", 503)
    assert run_healthcheck(port) != 0


def test_healthcheck_fails_when_nothing_listens() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run_healthcheck(port) != 0


# --- The constraints file ------------------------------------------------------------------------


def pins() -> dict[str, str]:
    text = (ROOT / "constraints.txt").read_text("utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            found[canonicalize_name(name)] = version
    return found


def test_every_runtime_dependency_is_pinned_within_what_pyproject_allows() -> None:
    pinned = pins()
    for text in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(text)
        version = pinned.get(canonicalize_name(requirement.name))
        assert version is not None, f"{requirement.name} is not pinned"
        assert requirement.specifier.contains(version, prereleases=True), (text, version)


def test_every_package_the_dependencies_need_is_pinned() -> None:
    """Walks the installed dependency tree (markers of this Python, no extras)."""
    pinned = pins()
    environment = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    seen: set[str] = set()
    todo = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate(environment)):
            continue
        seen.add(name)
        try:
            todo.extend(Requirement(text) for text in requires(name) or [])
        except PackageNotFoundError:
            pytest.fail(f"{name} is needed but not installed here")
    assert sorted(seen - pinned.keys()) == []


# --- systemd and compose -------------------------------------------------------------------------


def unit_values(key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in UNIT.splitlines() if line.startswith(f"{key}=")]


def test_the_unit_runs_the_daemon_with_secrets_from_a_file_and_time_to_finish(
    tmp_path: Path,
) -> None:
    (exec_start,) = unit_values("ExecStart")
    assert shlex.split(exec_start)[1:] == ["daemon", "--config", "/etc/syncer/syncer.toml"]
    assert unit_values("EnvironmentFile") == ["/etc/syncer/syncer.env"]
    assert unit_values("Restart") == ["on-failure"] and unit_values("KillSignal") == ["SIGTERM"]
    assert unit_values("TimeoutStopSec") == ["5min"] and unit_values("User") == ["syncer"]
    env = dict(part.split("=", 1) for value in unit_values("Environment") for part in value.split())
    settings = settings_from(env, tmp_path)
    writable = unit_values("ReadWritePaths")[0].split()
    assert settings.log_format == "json"
    assert isinstance(settings.state, Path), "the unit keeps the state in a SQLite file"
    assert str(settings.state.parent) in writable and unit_values("ProtectSystem") == ["strict"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_accepts_every_line_of_the_unit(tmp_path: Path) -> None:
    """`verify` names unknown keys and bad values; the executable is swapped for one that
    exists here, as /opt/syncer is not installed on a test machine."""
    unit = tmp_path / "syncer.service"
    unit.write_text(UNIT.replace("/opt/syncer/bin/syncer", sys.executable), "utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_compose_checks_health_like_the_image_and_publishes_only_on_loopback() -> None:
    (test_line,) = [line for line in COMPOSE.splitlines() if line.strip().startswith("test:")]
    assert json.loads(test_line.split(":", 1)[1]) == ["CMD", *healthcheck_command()]
    assert re.search(r'- "127\.0\.0\.1:8080:8080"', COMPOSE)
    assert "- ./config:/config:ro" in COMPOSE and "- state:/state" in COMPOSE
    assert "env_file: [syncer.env]" in COMPOSE and "restart: unless-stopped" in COMPOSE
    grace = re.search(r"stop_grace_period: (\d+)m", COMPOSE)
    assert grace and timedelta(minutes=int(grace[1])) >= timedelta(minutes=5)
