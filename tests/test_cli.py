"""`syncer parse`: what a person running it sees, and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from syncer.cli import app

EXAMPLE = Path(__file__).resolve().parent.parent / "syncer" / "examples" / "TECH_DEBT.md"
runner = CliRunner()


def test_table_shows_each_item_with_why_it_was_recognized() -> None:
    result = runner.invoke(app, ["parse", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Session store in process memory" in result.stdout
    assert "heading with item fields (Status, Effort)" in result.stdout
    assert "row of a table with title column 'Issue'" in result.stdout
    assert "[Title]" not in result.stdout, "the template inside the code fence is no item"


def test_json_lists_items_with_fields_links_and_body() -> None:
    result = runner.invoke(app, ["parse", "--json", str(EXAMPLE)])
    items = json.loads(result.stdout)
    first = items[0]
    assert first["fields"]["Owner"] == "@dana"
    assert first["body"].startswith("Retries are not idempotent")
    assert [i["kind"] for i in items].count("checkbox") == 2, "a nested checkbox is a sub-task"
    assert items[1]["priority"] == "critical" and items[1]["title"].endswith("memory")


def test_missing_file_is_one_line_error_naming_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["parse", str(tmp_path / "nope.md")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.md'}: no such file"


def test_binary_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "a.md"
    binary.write_bytes(b"# x\x00\x01")
    latin = tmp_path / "b.md"
    latin.write_bytes("# Caf\u00e9\n".encode("latin-1"))
    for path, words in ((binary, "binary file"), (latin, "not valid UTF-8")):
        result = runner.invoke(app, ["parse", str(path)])
        assert result.exit_code == 2 and words in result.stderr and str(path) in result.stderr


def test_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["parse", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr


DUTCH = "# Schuld\n\n### Legacy-SSO vervangen\n**Status**: klaar\n**Inspanning**: 2 sprints\n"
"""A register in a language whose words syncer does not ship (its rules name them)."""
DUTCH_CONFIG = """
[[registers]]
name = "nl"
path = "TODO.md"
[registers.rules]
status_words = { "klaar" = "done" }
"""


def _statuses(args: list[str]) -> list[str]:
    result = runner.invoke(app, ["parse", "--json", *args])
    assert result.exit_code == 0, result.output
    return [item["status"] for item in json.loads(result.stdout)]


def dutch_register(folder: Path) -> tuple[Path, Path]:
    (folder / "TODO.md").write_text(DUTCH, encoding="utf-8")
    (folder / "syncer.toml").write_text(DUTCH_CONFIG, encoding="utf-8")
    return folder / "TODO.md", folder / "syncer.toml"


def test_parse_reads_with_the_rules_of_the_configured_register(tmp_path: Path) -> None:
    register, config = dutch_register(tmp_path)
    assert _statuses([str(register)]) == ["todo"], "shipped words know no klaar"
    assert _statuses([str(register), "--config", str(config)]) == ["done"]
    assert _statuses([str(register), "-c", str(config), "--register", "nl"]) == ["done"]


def test_parse_register_alone_reads_that_register_file(tmp_path: Path) -> None:
    _, config = dutch_register(tmp_path)
    assert _statuses(["--config", str(config), "--register", "nl"]) == ["done"]


def test_parse_with_a_config_not_naming_the_file_says_so(tmp_path: Path) -> None:
    _, config = dutch_register(tmp_path)
    other = tmp_path / "OTHER.md"
    other.write_text(DUTCH, encoding="utf-8")
    result = runner.invoke(app, ["parse", str(other), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "is not a configured register" in result.stderr


def test_parse_with_an_unknown_register_names_the_known_ones(tmp_path: Path) -> None:
    register, config = dutch_register(tmp_path)
    result = runner.invoke(app, ["parse", str(register), "-c", str(config), "-r", "fr"])
    assert result.exit_code == 2
    assert result.stderr == "error: no register named 'fr' (configured: nl)\n"


def test_parse_with_a_bad_config_is_one_line_error(tmp_path: Path) -> None:
    register, config = dutch_register(tmp_path)
    config.write_text(DUTCH_CONFIG.replace('"done"', '"finished"'), encoding="utf-8")
    result = runner.invoke(app, ["parse", str(register), "--config", str(config)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {config}: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_the_command_line_starts_without_the_engine_store_or_tracker_sdks() -> None:
    """`syncer parse`, `syncer init` and `--help` load what they use: a quick command should not
    wait for SQLAlchemy, pydantic-settings and three tracker SDKs (half a second and more)."""
    heavy = ("sqlalchemy", "pydantic_settings", "structlog", "github", "gitlab", "jira",
             "syncer.app", "syncer.config")  # fmt: skip
    probe = f"import sys, syncer.cli; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
