"""The five real registers: exact items, byte-exact rendering, and local status edits."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from syncer.cli import app
from syncer.model import Status
from syncer.register import parse, set_status

from .conftest import SEEDS, read_seed
from .helpers import assert_status_flips_are_local, expected_items, item_rows


def test_cli_json_equals_the_expected_items(seed_name: str) -> None:
    result = CliRunner().invoke(app, ["parse", "--json", str(SEEDS / seed_name)])
    assert result.exit_code == 0, result.output
    assert item_rows(json.loads(result.stdout)) == expected_items(SEEDS / seed_name)


def test_render_is_byte_exact(seed_name: str) -> None:
    text = read_seed(seed_name)
    assert parse(text).render() == text


def test_keys_are_unique_and_stable_across_a_status_edit(seed_name: str) -> None:
    register = parse(read_seed(seed_name))
    keys = [item.key for item in register.items]
    assert len(keys) == len(set(keys))
    first = register.items[0]
    flipped = Status.DONE if first.status is not Status.DONE else Status.TODO
    again = parse(set_status(register, first.key, flipped))
    assert [item.key for item in again.items] == keys


def test_flipping_any_status_changes_only_that_item(seed_name: str) -> None:
    assert_status_flips_are_local(read_seed(seed_name))


@pytest.mark.parametrize(
    ("seed", "title"),
    [
        ("debt-register-mojibake-cp1252.md", "APScheduler → Celery Migration"),
        ("debt-register-mojibake-cp1252.md", "Single-Region → Multi-Region Preparation"),
        ("debt-tracker-mojibake-macroman.md", "Multi-Tenant Architecture"),
    ],
)
def test_titles_come_out_repaired_through_mojibake(seed: str, title: str) -> None:
    assert title in [item.title for item in parse(read_seed(seed)).items]
