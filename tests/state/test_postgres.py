"""A state database URL, as a user writes it: the right server opened, or one line saying why
not, naming the host and port and never the password."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.config import load_config
from syncer.state.advisory import register_key
from syncer.state.location import StoreError, parse_location, shown
from syncer.state.store import Store
from tests import postgres_server as server_module
from tests.postgres_server import GUARDED_PASSWORD, GUARDED_USER, PostgresServer

PASSWORD = "s3cret-Pa55word-never-shown"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def config_with_state(folder: Path, state: str) -> Path:
    (folder / "TECH_DEBT.md").write_text("# Debt\n\n- [ ] Alpha\n", "utf-8")
    config = folder / "syncer.toml"
    config.write_text(
        f'state = "{state}"\n[[registers]]\nname = "debt"\npath = "TECH_DEBT.md"\n', "utf-8"
    )
    return config


def run_cli(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--config", str(config)], env=env)
    return result.exit_code, result.output  # stdout and stderr, as a terminal shows them


def test_an_unreachable_server_is_one_line_naming_host_and_port_not_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL used to be taken as a path: a folder named `postgresql:` appeared, and syncer
    ran on a SQLite file inside it."""
    monkeypatch.chdir(tmp_path)
    port = closed_port()
    config = config_with_state(tmp_path, f"postgresql://alice:{PASSWORD}@127.0.0.1:{port}/syncer")

    code, output = run_cli(config, "status")

    assert code == 1
    assert output.startswith(
        f"error: postgresql://alice:***@127.0.0.1:{port}/syncer: cannot connect to the state "
        f"database server at 127.0.0.1:{port}: "
    )
    assert "refused" in output
    assert len(output.strip().splitlines()) == 1
    assert PASSWORD not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["TECH_DEBT.md", "syncer.toml"]


def test_a_refused_password_is_named_as_such_and_never_shown(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.url(user=GUARDED_USER, password="wrong-" + GUARDED_PASSWORD)

    with pytest.raises(StoreError) as refused:
        Store(url)

    message = str(refused.value)
    assert "password authentication failed" in message
    assert f"127.0.0.1:{postgres_server.port}" in message
    assert GUARDED_PASSWORD not in message


def test_a_password_in_the_url_reaches_the_server_and_no_output(
    postgres_server: PostgresServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """From the environment, as a secret store would hand it over; `-v` prints everything
    syncer says about its configuration."""
    config = config_with_state(tmp_path, "unused.sqlite")

    with postgres_server.database(GUARDED_USER, GUARDED_PASSWORD) as url:
        code, output = run_cli(config, "-v", "reconcile", env={"SYNCER_STATE": url})
        status_code, status = run_cli(config, "status", env={"SYNCER_STATE": url})

    assert (code, status_code) == (0, 0), output + status
    assert GUARDED_PASSWORD not in output + status + caplog.text
    assert "cycle" in caplog.text, "the log was captured"
    assert not (tmp_path / "unused.sqlite").exists(), "the environment's URL was used"


def test_an_unknown_scheme_is_a_configuration_error(tmp_path: Path) -> None:
    config = config_with_state(tmp_path, f"mysql://bob:{PASSWORD}@db.example/syncer")

    code, output = run_cli(config, "status")

    assert code == 2
    assert "unknown state database scheme 'mysql'" in output
    assert "postgresql://user@host:5432/db" in output
    assert PASSWORD not in output
    assert len(output.strip().splitlines()) == 1


def test_a_sqlite_url_names_a_file(tmp_path: Path) -> None:
    assert parse_location("sqlite:///state/syncer.db") == Path("state/syncer.db")
    assert parse_location(f"sqlite:///{tmp_path}/syncer.db") == tmp_path / "syncer.db"
    assert parse_location("sqlite://") == ":memory:"
    with Store(f"sqlite:///{tmp_path}/syncer.db") as store:
        assert store.last_run("debt") is None
    assert (tmp_path / "syncer.db").is_file()


def test_a_url_naming_no_server_is_refused() -> None:
    with pytest.raises(StoreError, match="names no server"):
        parse_location(f"postgresql://:{PASSWORD}@/syncer")


def test_shown_urls_keep_everything_but_the_password() -> None:
    assert shown(f"postgresql://alice:{PASSWORD}@db:5433/syncer?sslmode=require") == (
        "postgresql://alice:***@db:5433/syncer?sslmode=require"
    )
    assert shown("postgresql://alice@db/syncer") == "postgresql://alice@db/syncer"
    assert shown(Path("state.sqlite")) == "state.sqlite"


def test_lock_keys_are_the_same_in_every_process() -> None:
    """Python's `hash` of a string differs per process; a lock key must not."""
    assert register_key("debt") == register_key("debt")
    assert register_key("debt") == 5_938_020_172_333_166_744
    assert register_key("debt") != register_key("debt2")


def test_missing_server_binaries_skip_locally_and_fail_under_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CI must never pass with the PostgreSQL suite silently skipped."""
    monkeypatch.setattr(server_module, "server_binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception), server_module.running_server():
        pass
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="under CI"), server_module.running_server():
        pass


def test_git_clones_of_a_server_state_live_beside_the_config(tmp_path: Path) -> None:
    """A URL has no folder to put `<state>.repos` beside: the config file's folder has."""
    server = load_config(config_with_state(tmp_path, "postgresql://alice@db/syncer"), {})
    assert server.state == "postgresql://alice@db/syncer"
    assert server.state_files == tmp_path / "syncer"
    sqlite = load_config(config_with_state(tmp_path, "state/syncer.sqlite"), {})
    assert sqlite.state == sqlite.state_files == tmp_path / "state" / "syncer.sqlite"
