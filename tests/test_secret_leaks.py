"""A token never reaches a terminal: `syncer reconcile` as a user runs it, every tracker failing.

The trackers fail every way a token can surface: server errors, refused credentials, and a wrong
`base_url` pointing at a server whose error pages quote the request back, headers and all (a
debugging proxy, a framework's debug page). Logging is at DEBUG, so the libraries underneath
log all they can. Not one byte of the token, in any encoding, may appear in the output.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.fakes.control import FakeTracker
from syncer.fakes.github import FakeGitHub
from syncer.fakes.gitlab import FakeGitLab
from syncer.fakes.jira import FakeJira

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zq7+tK9/Lm2Np8Rv5Ws=Xy4-secret"
EMAIL = "syncer-bot@example.com"
LEAKED_FORMS = {
    "raw": TOKEN,
    "url-encoded": quote(TOKEN, safe=""),
    "form-encoded": quote_plus(TOKEN),
    "basic auth (Jira Cloud)": base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode(),
}
FAST_RETRY = "{attempts = 2, backoff_seconds = 0.01, max_wait_seconds = 1, timeout_seconds = 5}"


class HeaderEchoingServer:
    """Not a tracker: what a wrong `base_url` may reach. Answers every request with a 500 whose
    body quotes the request line and headers, and remembers the credentials it was sent."""

    def __init__(self) -> None:
        received: list[str] = []

        class Echo(BaseHTTPRequestHandler):
            def answer(self) -> None:
                headers = " ".join(f"{k}: {v}" for k, v in self.headers.items())
                received.extend(
                    v for k, v in self.headers.items() if k.lower() in _CREDENTIAL_HEADERS
                )
                body = json.dumps({"message": f"{self.command} {self.path} {headers}"}).encode()
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = answer

            def log_message(self, *_: object) -> None:
                """Quiet: the test reads the syncer process's output, not this server's."""

        self.received = received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HeaderEchoingServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


_CREDENTIAL_HEADERS = ("authorization", "private-token")


def _target(kind: str, url: str, repo: str, cloud: bool = False) -> str:
    extra = f', jira_flavour = "cloud", email = "{EMAIL}"' if cloud else ""
    return (
        f'{{kind = "{kind}", repo = "{repo}", base_url = "{url}", token_env = "SYNCER_TEST_TOKEN",'
        f" retry = {FAST_RETRY}{extra}}}"
    )


@pytest.fixture
def failing_world(tmp_path: Path) -> Iterator[tuple[Path, HeaderEchoingServer]]:
    """A config with one register per (tracker, way of failing); every one of them fails."""
    with (
        HeaderEchoingServer() as echo,
        FakeGitHub(token=TOKEN) as github_down,
        FakeGitLab(token=TOKEN) as gitlab_down,
        FakeJira(token=TOKEN) as jira_down,
        FakeJira(token=TOKEN, flavour="cloud", email=EMAIL) as cloud_down,
        FakeGitHub() as github_refusing,
        FakeGitLab() as gitlab_refusing,
        FakeJira() as jira_refusing,
        FakeJira(flavour="cloud", email=EMAIL) as cloud_refusing,
    ):
        down: list[FakeTracker] = [github_down, gitlab_down, jira_down, cloud_down]
        for fake in down:
            fake.fail_next(1000, 502)
        fakes: dict[str, tuple[str, FakeTracker]] = {
            "github": ("github", github_down),
            "gitlab": ("gitlab", gitlab_down),
            "jira": ("jira", jira_down),
            "cloud": ("jira", cloud_down),
        }
        refusing: dict[str, FakeTracker] = {"github": github_refusing, "gitlab": gitlab_refusing}
        refusing |= {"jira": jira_refusing, "cloud": cloud_refusing}
        tables = []
        for name, (kind, fake) in fakes.items():
            cloud = name == "cloud"
            targets = {
                "down": _target(kind, fake.server.base_url, fake.repo, cloud),
                "refused": _target(
                    kind, refusing[name].server.base_url, refusing[name].repo, cloud
                ),
                "echoed": _target(kind, echo.url, fake.repo, cloud),
            }
            for way, target in targets.items():
                register = f"{name}-{way}"
                (tmp_path / f"{register}.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
                labelled = target[:-1] + f', sync_label = "{register}"}}'  # one register each
                tables.append(
                    f'[[registers]]\nname = "{register}"\npath = "{register}.md"\n'
                    f"targets = [{labelled}]\n"
                )
        config = tmp_path / "syncer.toml"
        config.write_text('state = "state.sqlite"\n\n' + "\n".join(tables), "utf-8")
        yield config, echo


def _reconcile(config: Path, log_format: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SYNCER_TEST_TOKEN": TOKEN,
        "SYNCER_LOG_FORMAT": log_format,
        "SYNCER_LOG_LEVEL": "debug",
    }
    return subprocess.run(
        [sys.executable, "-m", "syncer.cli", "reconcile", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _leaks(output: str) -> list[str]:
    return [form for form, text in LEAKED_FORMS.items() if text in output]


@pytest.mark.parametrize("log_format", ["json", "console"])
def test_no_output_of_a_failing_reconcile_carries_the_token(
    failing_world: tuple[Path, HeaderEchoingServer], log_format: str
) -> None:
    config, echo = failing_world
    result = _reconcile(config, log_format)
    assert result.returncode == 6, result.stderr[-2000:]  # refused tokens among the failures
    output = result.stdout + result.stderr
    # The paths a token leaks by were really taken: every tracker failed, and the echoing server
    # was sent (and quoted back) every form of the credentials.
    assert output.count("error: ") == 12
    assert f"token {TOKEN}" in echo.received and f"Bearer {TOKEN}" in echo.received
    assert TOKEN in echo.received and f"Basic {LEAKED_FORMS['basic auth (Jira Cloud)']}" in (
        echo.received
    )
    assert _leaks(output) == []
    assert "urllib3.connectionpool" in result.stderr, "the libraries' DEBUG lines are shown"
    if log_format == "json":
        lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
        cycles = [line for line in lines if line["event"] == "cycle"]
        assert len(cycles) == 12 and all(c["counts"] == {"errors": 1} for c in cycles)


def test_status_shows_the_last_error_without_the_token(
    failing_world: tuple[Path, HeaderEchoingServer],
) -> None:
    config, _ = failing_world
    _reconcile(config, "json")
    result = CliRunner().invoke(app, ["status", "--config", str(config), "--json"])
    rows = json.loads(result.stdout)
    assert all(row["last_error"] for row in rows)
    assert _leaks(result.stdout) == []
