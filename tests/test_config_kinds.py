"""Targets of each tracker kind: one model per kind, living with its adapter, told apart by
`kind`; what a person editing syncer.toml sees when a key belongs to another kind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from syncer.config import (
    ConfigError,
    TrackerKind,
    load_config,
    parse_target,
    target_models,
)

REGISTER = '[[registers]]\nname = "platform"\npath = "TECH_DEBT.md"\n\n[[registers.targets]]\n'
GITHUB = 'kind = "github"\nrepo = "acme/platform"\ntoken_env = "T"\n'
GITLAB = 'kind = "gitlab"\nrepo = "acme/platform"\ntoken_env = "T"\n'
JIRA = 'kind = "jira"\nrepo = "PLAT"\nbase_url = "https://jira.example.com"\ntoken_env = "T"\n'


def refusal(tmp_path: Path, target: str) -> str:
    file = tmp_path / "syncer.toml"
    file.write_text(REGISTER + target, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(file, env={})
    return str(caught.value).replace(f"{file}: ", "")


def test_every_tracker_kind_has_a_model() -> None:
    tags = [get_args(model.model_fields["kind"].annotation) for model in target_models()]
    assert sorted(tag for found in tags for tag in found) == sorted(get_args(TrackerKind))


def test_a_missing_kind_is_one_line_listing_the_kinds(tmp_path: Path) -> None:
    message = refusal(tmp_path, 'repo = "acme/platform"\ntoken_env = "T"\n')
    assert message == "registers[0].targets[0].kind: required, one of github, gitlab, jira"


def test_a_key_of_another_kind_says_whose_it_is(tmp_path: Path) -> None:
    assert refusal(tmp_path, GITLAB + "creates_per_hour = 10\n") == (
        "registers[0].targets[0].creates_per_hour: not used by gitlab targets"
    )
    assert refusal(tmp_path, JIRA + 'in_progress_label = "doing"\n') == (
        "registers[0].targets[0].in_progress_label: not used by jira targets"
    )


def test_suggestions_come_from_the_kinds_own_keys(tmp_path: Path) -> None:
    assert refusal(tmp_path, GITHUB + "creates_per_minut = 10\n") == (
        "registers[0].targets[0].creates_per_minut: unknown key (did you mean creates_per_minute?)"
    )
    assert refusal(tmp_path, JIRA + 'jira_resolutoin = "Fixed"\n') == (
        "registers[0].targets[0].jira_resolutoin: unknown key (did you mean jira_resolution?)"
    )
    # a Jira key is no help on a GitHub target: it would be refused next
    assert refusal(tmp_path, GITHUB + 'jira_resolutoin = "Fixed"\n') == (
        "registers[0].targets[0].jira_resolutoin: unknown key"
    )


def test_due_dates_sync_where_the_tracker_has_them() -> None:
    def due(text: str, **more: str) -> str | None:
        keys = dict(line.split(" = ") for line in text.splitlines())
        values = {key: value.strip('"') for key, value in keys.items()}
        return parse_target({**values, **more}).synced_due_date_field()

    assert due(GITHUB) is None
    assert due(GITLAB) == "Target Date"
    assert due(JIRA, due_date_field="Due") == "Due"


def test_reading_the_configuration_loads_no_tracker_sdk(tmp_path: Path) -> None:
    """A kind's model is imported with the configuration; its client library only when a
    target connects. Importing a kind's model first works too (no import cycle)."""
    file = tmp_path / "syncer.toml"
    file.write_text(REGISTER + GITHUB + "\n[[registers.targets]]\n" + JIRA, encoding="utf-8")
    probe = (
        "import sys, syncer.trackers.jira.config\n"
        "from pathlib import Path\n"
        "from syncer.config import load_config\n"
        f"load_config(Path({str(file)!r}), env={{}})\n"
        "print(sorted(m for m in ('github', 'gitlab', 'jira', 'requests') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
