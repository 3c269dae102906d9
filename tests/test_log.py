"""Every log line of the process, syncer's or a library's, goes through one masking pipeline."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer import log

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "s3cr3t-Token-for-the-log-tests"


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(log.LEVEL_ENV, raising=False)
    log.secret(TOKEN)
    yield
    log.configure()


def json_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_registered_secrets_are_masked_in_every_value(capsys: pytest.CaptureFixture[str]) -> None:
    log.configure("json")
    log.get().info("request", url=f"https://x/?q={TOKEN}", error=ValueError(TOKEN))
    line = capsys.readouterr().err
    assert TOKEN not in line and line.count(log.MASK) == 2


def test_json_values_stay_json_objects_with_secrets_masked_inside(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log.configure("json")
    log.get().info(
        "cycle",
        counts={"created": 39, "errors": 0},
        errors=[f"refused: Bearer {TOKEN}"],
        nested={"target": ("github", {"why": f"token={TOKEN}"})},
    )
    (line,) = json_lines(capsys)
    assert line["counts"] == {"created": 39, "errors": 0}
    assert line["errors"] == ["refused: Bearer ***"]
    assert line["nested"] == {"target": ["github", {"why": "token=***"}]}


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_a_library_logger_is_masked_and_rendered_like_syncer(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    log.configure(log_format)
    logging.getLogger("urllib3.connectionpool").warning("Retrying %s", f"/api?x={TOKEN}")
    err = capsys.readouterr().err
    assert TOKEN not in err and "Retrying /api?x=***" in err
    if log_format == "json":
        (line,) = (json.loads(x) for x in err.splitlines())
        assert (line["logger"], line["level"]) == ("urllib3.connectionpool", "warning")
        assert "timestamp" in line


def test_pygithub_lines_print_once_and_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """PyGithub installs its own stderr handler on import: it would print in clear."""
    log.configure("console")
    logging.getLogger("github.Requester").warning("GET /repos {'Authorization': '%s'}", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err and err.count("GET /repos") == 1


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_exception_messages_and_tracebacks_are_masked(
    capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    log.configure(log_format)
    try:
        raise RuntimeError(f"JiraError HTTP 500\n\trequest headers = {{'Authorization': {TOKEN}}}")
    except RuntimeError:
        logging.getLogger("jira").exception("search failed")
        log.get().exception("cycle failed")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count("Traceback (most recent call last)") == 2
    assert err.count("RuntimeError: JiraError HTTP 500") == 2


def test_credentials_in_the_forms_libraries_print_them(capsys: pytest.CaptureFixture[str]) -> None:
    """URL-encoded, in Authorization headers, base64 with the Jira Cloud email, in a query
    parameter or a URL's password: masked, registered or not."""
    cloud = base64.b64encode(f"bot@example.com:{TOKEN}".encode()).decode()
    unregistered = "glpat-Xq3rT9vLm2Np8Rv5WsYz"
    log.configure("json")
    logging.getLogger("requests").warning(
        "%s | %s | %s | %s | %s",
        "https://x/y?next=https%3A%2F%2Fz%3Ft%3Ds3cr3t-Token-for-the-log-tests",
        f"Authorization: Basic {cloud}",
        f"{cloud} alone",
        "GET /api/v4/issues?private_token=some-other-secret&page=2",
        f"https://oauth2:{unregistered}@gitlab.example.com/group/project",
    )
    (line,) = json_lines(capsys)
    assert line["event"] == (
        "https://x/y?next=https%3A%2F%2Fz%3Ft%3D*** | Authorization: Basic *** | *** alone | "
        "GET /api/v4/issues?private_token=***&page=2 | https://oauth2:***@gitlab.example.com/"
        "group/project"
    )


def test_noisy_libraries_wait_for_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log.configure("json", logging.INFO)
    logging.getLogger("urllib3.connectionpool").info("Starting new HTTP connection")
    logging.getLogger("apscheduler.scheduler").info("Added job")
    logging.getLogger("syncer.trackers.pacing").info("pacing writes")
    logging.getLogger("urllib3.connectionpool").warning("Connection pool is full")
    assert [x["event"] for x in json_lines(capsys)] == ["pacing writes", "Connection pool is full"]
    monkeypatch.setenv(log.LEVEL_ENV, "debug")
    log.configure("json", logging.INFO)
    logging.getLogger("urllib3.connectionpool").debug("Starting new HTTP connection")
    logging.getLogger("markdown_it.rules_block.list").debug("entering list")
    log.get().debug("plan")
    assert [x["event"] for x in json_lines(capsys)] == ["Starting new HTTP connection", "plan"]


def test_configuring_again_replaces_the_handler(capsys: pytest.CaptureFixture[str]) -> None:
    log.configure("console")
    log.configure("json")
    log.get().info("once")
    assert [x["event"] for x in json_lines(capsys)] == ["once"]


def test_an_unknown_level_is_said_and_the_asked_level_kept(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(log.LEVEL_ENV, "verbose")
    log.configure("json", logging.INFO)
    log.get().debug("hidden")
    (line,) = json_lines(capsys)
    assert line["level"] == "warning" and log.LEVEL_ENV in line["event"]


@pytest.mark.parametrize(
    "code",
    [
        "raise RuntimeError(f'request headers = Authorization: token {T}')",
        "import warnings; warnings.warn(f'base URL https://u:{T}@h differs')",
        "import threading\ndef boom() -> None:\n    raise RuntimeError(f'Bearer {T}')\n"
        "t = threading.Thread(target=boom)\nt.start()\nt.join()",
    ],
    ids=["uncaught", "warning", "thread"],
)
def test_crashes_and_warnings_take_the_masked_road(code: str) -> None:
    script = f"from syncer import log\nT = log.secret({TOKEN!r})\nlog.configure('json')\n{code}\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert TOKEN not in result.stderr
    (line,) = (json.loads(x) for x in result.stderr.splitlines())
    assert line["level"] in ("critical", "warning")


def test_get_before_configure_masks_too() -> None:
    script = (
        "import structlog\nfrom syncer import log\nT = log.secret('never-shown-token')\n"
        "structlog.reset_defaults()\nlog.get().warning('x', t=T)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    output = result.stdout + result.stderr
    assert "never-shown-token" not in output and "t=***" in output
