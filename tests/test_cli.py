"""`syncer parse`: what a person running it sees, and its errors."""

from __future__ import annotations

import json
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
