"""Configuration: what a person editing syncer.toml (or the environment) sees."""

from __future__ import annotations

import re
import tomllib
import traceback
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from syncer.app import build_tracker
from syncer.config import (
    ConfigError,
    Cron,
    RegisterConfig,
    Settings,
    TargetConfig,
    load_config,
    parse_schedule,
    parse_target,
    target_models,
)
from syncer.config.targets import Target
from syncer.fakes.github import FakeGitHub
from syncer.model import IssueDraft, Priority
from syncer.register.rules import RegisterRules
from syncer.trackers.base import FieldMapping, RateLimited, RetryPolicy
from syncer.trackers.github.config import GitHubTarget
from syncer.trackers.jira.config import JiraTarget
from syncer.trackers.pacing import WriteLimits

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "syncer.example.toml"
TOKEN = "ghp_Zq8sEcReTtOkEnVaLuE0123456789abcd"
EXAMPLE_ENV = {"GITHUB_TOKEN": TOKEN, "JIRA_API_TOKEN": "jira-" + TOKEN}

Kind = TypeVar("Kind", bound=Target)

MINIMAL = """
[[registers]]
name = "platform"
path = "TECH_DEBT.md"

[[registers.targets]]
kind = "github"
repo = "acme/platform"
token_env = "GITHUB_TOKEN"
"""


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test works in its own empty folder, so messages show `syncer.toml` as a user would."""
    monkeypatch.chdir(tmp_path)


def write(text: str, path: str = "syncer.toml") -> Path:
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def load(text: str, env: dict[str, str] | None = None, path: str = "syncer.toml") -> Settings:
    return load_config(write(text, path), env=env or {})


def refusal(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(text, env)
    return str(caught.value)


def of_kind(kind: type[Kind], target: TargetConfig) -> Kind:
    """`target` as the kind the test gave it, so its kind's own settings type-check."""
    assert isinstance(target, kind), target
    return target


def target(**values: object) -> GitHubTarget:
    return of_kind(
        GitHubTarget,
        parse_target(
            {"kind": "github", "repo": "acme/platform", "token_env": "GITHUB_TOKEN", **values}
        ),
    )


# --- The example ---------------------------------------------------------------------------------


def test_example_loads_and_its_tokens_are_read_from_the_environment() -> None:
    settings = load_config(EXAMPLE, env=EXAMPLE_ENV)

    platform = settings.register("platform")
    assert [t.name for t in platform.targets] == ["github", "jira:PLAT"]
    assert platform.targets[0].token(EXAMPLE_ENV) == TOKEN
    assert platform.targets[1].token(EXAMPLE_ENV) == "jira-" + TOKEN
    assert platform.conflict_policy == "manual"
    assert settings.register("web").targets[0].base_url == "https://gitlab.example.com"
    assert settings.state == EXAMPLE.parent / "syncer.sqlite"


def test_example_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    keys = [
        *Settings.model_fields,
        *RegisterConfig.model_fields,
        *(key for model in target_models() for key in model.model_fields),
        *RegisterRules.model_fields,
        *(f.name for f in fields(RetryPolicy)),
    ]
    undocumented = [
        key for key in keys if not re.search(rf"^((# )?{key} =|\[+[\w.]*\b{key}\]+$)", text, re.M)
    ]
    assert undocumented == []
    tomllib.loads(text)


# --- Environment ---------------------------------------------------------------------------------


def test_environment_overrides_the_files_top_level_values() -> None:
    text = 'state = "file.sqlite"\nhttp_port = 8000\nlink_style = "hidden"\n' + MINIMAL
    env = {
        "SYNCER_STATE": "/var/lib/syncer/state.sqlite",
        "SYNCER_CONFLICT_POLICY": "tracker-wins",
        "SYNCER_HTTP_PORT": "9100",
        "SYNCER_LINK_STYLE": "",  # empty means unset: the file's value stays
    }
    settings = load(text, env)

    assert settings.state == Path("/var/lib/syncer/state.sqlite")
    assert settings.conflict_policy == "tracker-wins"
    assert settings.http_port == 9100
    assert settings.link_style == "hidden"


def test_only_the_given_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCER_HTTP_PORT", "1")
    assert load(MINIMAL, env={}).http_port == 8080


def test_a_bad_environment_value_names_the_variable() -> None:
    message = refusal(MINIMAL, {"SYNCER_HTTP_PORT": "eighty"})
    assert message.startswith("SYNCER_HTTP_PORT (environment): input should be a valid integer")


def test_registers_cannot_come_from_the_environment() -> None:
    message = refusal(MINIMAL, {"SYNCER_REGISTERS__0__NAME": "x"})
    assert "SYNCER_REGISTERS__0__NAME (environment): registers can only be set in" in message


def test_unsigned_webhook_trackers_come_from_the_file_or_the_environment() -> None:
    from_file = load('allow_unsigned_webhooks = ["jira"]\n' + MINIMAL)
    assert from_file.allow_unsigned_webhooks == {"jira"}
    for value in ("jira,gitlab", " jira , gitlab ", '["jira", "gitlab"]'):
        settings = load(MINIMAL, {"SYNCER_ALLOW_UNSIGNED_WEBHOOKS": value})
        assert settings.allow_unsigned_webhooks == {"jira", "gitlab"}
    assert load(MINIMAL).allow_unsigned_webhooks == frozenset()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[jira", "write tracker kinds separated by commas, e.g. jira,gitlab"),
        ("jira,bitbucket", "must be one of github, gitlab, jira"),
    ],
)
def test_a_bad_unsigned_webhook_list_is_one_line_naming_the_variable(
    value: str, problem: str
) -> None:
    """Not pydantic-settings' traceback for a list that is not JSON."""
    message = refusal(MINIMAL, {"SYNCER_ALLOW_UNSIGNED_WEBHOOKS": value})
    assert message == f"SYNCER_ALLOW_UNSIGNED_WEBHOOKS (environment): {problem}"


def test_webhook_debounce_is_above_zero_and_at_most_five_minutes() -> None:
    assert load(MINIMAL).webhook_debounce_seconds == 2.0
    assert load("webhook_debounce_seconds = 0.5\n" + MINIMAL).webhook_debounce_seconds == 0.5
    assert "webhook_debounce_seconds: input should be greater than 0" in refusal(
        "webhook_debounce_seconds = 0\n" + MINIMAL
    )
    assert "less than or equal to 300" in refusal("webhook_debounce_seconds = 301\n" + MINIMAL)


def test_config_path_comes_from_syncer_config_else_the_working_directory() -> None:
    elsewhere = write(MINIMAL.replace("platform", "from-env", 1), "etc/syncer.toml")
    write(MINIMAL)

    assert load_config(env={"SYNCER_CONFIG": str(elsewhere)}).registers[0].name == "from-env"
    assert load_config(env={}).registers[0].name == "platform"


# --- Paths ---------------------------------------------------------------------------------------


def test_relative_paths_are_relative_to_the_config_files_folder(tmp_path: Path) -> None:
    folder = tmp_path / "etc" / "syncer"
    text = MINIMAL.replace('path = "TECH_DEBT.md"', 'path = "../../repo/TECH_DEBT.md"')
    text = text.replace('token_env = "GITHUB_TOKEN"', 'token_file = "secrets/github"')
    settings = load(text, {"SYNCER_STATE": "state/syncer.sqlite"}, "etc/syncer/syncer.toml")

    assert settings.registers[0].path == tmp_path / "repo" / "TECH_DEBT.md"
    assert settings.registers[0].targets[0].token_file == folder / "secrets" / "github"
    assert settings.state == folder / "state" / "syncer.sqlite"


def test_home_and_absolute_paths_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    text = 'state = "/srv/syncer.sqlite"\n' + MINIMAL.replace("TECH_DEBT.md", "~/TECH_DEBT.md")
    settings = load(text)
    assert settings.state == Path("/srv/syncer.sqlite")
    assert settings.registers[0].path == tmp_path / "home" / "TECH_DEBT.md"


# --- Errors --------------------------------------------------------------------------------------


def test_an_unknown_key_is_named_with_its_path_and_a_suggestion() -> None:
    message = refusal(MINIMAL + 'sync_lable = "debt"\n')
    assert message == (
        "syncer.toml: registers[0].targets[0].sync_lable: unknown key (did you mean sync_label?)"
    )
    assert refusal('_secrets_dir = "/"\n' + MINIMAL) == "syncer.toml: _secrets_dir: unknown key"


def test_every_problem_is_listed_the_misspelt_table_first() -> None:
    text = 'http_port = "x"\n[[register]]\nname = "platform"\npath = "TECH_DEBT.md"\n'
    lines = refusal(text).splitlines()
    assert lines[0] == "syncer.toml: register: unknown key (did you mean registers?)"
    assert "syncer.toml: http_port: input should be a valid integer" in lines[1]
    assert lines[-1] == "syncer.toml: registers: required"


def test_a_bad_choice_lists_the_allowed_ones() -> None:
    text = MINIMAL + '\n[[registers.targets]]\nkind = "jiira"\nrepo = "PLAT"\n'
    message = refusal(text)
    assert (
        message == "syncer.toml: registers[0].targets[1].kind: must be one of github, gitlab, jira"
    )


def test_a_bad_dictionary_key_is_named() -> None:
    text = MINIMAL + "[registers.targets.priority_labels]\nurgent = 'P0'\n"
    assert refusal(text) == (
        "syncer.toml: registers[0].targets[0].priority_labels.urgent: unknown key, "
        "must be one of critical, high, medium, low"
    )


@pytest.mark.parametrize(
    ("schedule", "complaint"),
    [
        ("every 15 minutes", "is not a schedule: use 'every N' with s, m, h or d"),
        ("every 0m", "the interval must be at least 1"),
        ("61 * * * *", "cron minute field '61': 61 is outside 0-59"),
        ("0 9 * * funday", "'funday' is not a day_of_week value"),
        ("0 9 1 * mon", "restrict the day of month or the day of week, not both"),
    ],
)
def test_a_bad_schedule_says_what_is_wrong(schedule: str, complaint: str) -> None:
    message = refusal(f'schedule = "{schedule}"\n' + MINIMAL)
    assert message.startswith("syncer.toml: schedule: ")
    assert complaint in message


def test_state_retention_defaults_and_keeping_nothing_is_refused() -> None:
    settings = load(MINIMAL, {"SYNCER_STATE_KEEP_RUNS": "50"})
    assert (settings.state_keep_days, settings.state_keep_runs) == (30, 50)
    lines = refusal("state_keep_days = 0\nstate_keep_runs = 0\n" + MINIMAL).splitlines()
    assert lines == [
        "syncer.toml: state_keep_days: input should be greater than or equal to 1",
        "syncer.toml: state_keep_runs: input should be greater than or equal to 1",
    ]


def test_duplicate_register_names_and_files_are_refused() -> None:
    twice = MINIMAL + MINIMAL.replace('path = "TECH_DEBT.md"', 'path = "OTHER.md"')
    assert refusal(twice) == (
        "syncer.toml: registers[1].name: register name 'platform' is already used by registers[0]"
    )
    same_file = MINIMAL + MINIMAL.replace('name = "platform"', 'name = "other"')
    assert refusal(same_file).startswith(
        "syncer.toml: registers[1].path: the same file as registers[0]"
    )


def test_two_targets_on_one_repo_need_their_own_names() -> None:
    second = '\n[[registers.targets]]\nkind = "github"\nrepo = "acme/platform"\ntoken_env = "T"\n'
    assert refusal(MINIMAL + second).startswith(
        "syncer.toml: registers[0].targets[1].name: target name 'github:acme/platform' is "
        "already used by targets[0]"
    )
    assert len(load(MINIMAL + second + 'name = "bot"\n').registers[0].targets) == 2


def test_toml_syntax_errors_give_line_and_column() -> None:
    assert refusal(MINIMAL + "sync_label = tech-debt\n") == (
        "syncer.toml:10:14: invalid TOML: Invalid value"
    )
    assert refusal('http_host = "unclosed\n') == (
        "syncer.toml:1:22: invalid TOML: Illegal character '\\n'"
    )
    unclosed = 'state = "x"\nschedule = ["every 15m",\n\n'
    assert refusal(unclosed) == "syncer.toml:2:25: invalid TOML: Invalid value"


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^nowhere\.toml: config file not found$"):
        load_config(Path("nowhere.toml"), env={})
    with pytest.raises(ConfigError, match=r"^gone\.toml: config file not found \(from SYNCER_C"):
        load_config(env={"SYNCER_CONFIG": "gone.toml"})
    with pytest.raises(ConfigError, match=r"^no config file: looked for \./syncer\.toml and "):
        load_config(env={"XDG_CONFIG_HOME": str(tmp_path)})


def test_tracker_specific_requirements() -> None:
    jira = '\n[[registers.targets]]\nkind = "jira"\nrepo = "PLAT"\ntoken_env = "JIRA_TOKEN"\n'
    assert refusal(MINIMAL + jira).endswith(
        "registers[0].targets[1].base_url: required for jira targets: the address of your Jira"
    )
    cloud = jira + 'base_url = "https://acme.atlassian.net"\n'
    assert refusal(MINIMAL + cloud).endswith(
        "registers[0].targets[1].email: required for Jira Cloud: its API tokens go with the "
        "account's email"
    )
    assert refusal(MINIMAL + 'due_date_field = "Due"\n').endswith(
        "registers[0].targets[0].due_date_field: not used by github targets"
    )
    assert refusal(MINIMAL + 'jira_resolution = "Fixed"\n').endswith(
        "registers[0].targets[0].jira_resolution: not used by github targets"
    )
    assert refusal(MINIMAL.replace('"acme/platform"', '"platform"')).endswith(
        "registers[0].targets[0].repo: a github repo is written owner/name"
    )
    assert refusal(MINIMAL + 'token_file = "t"\n').endswith(
        "registers[0].targets[0].token_file: set exactly one of token_env, token_file, "
        "token_command, token_keyring"
    )


def test_an_unknown_register_name_lists_the_configured_ones() -> None:
    with pytest.raises(ConfigError, match=r"no register named 'web' \(configured: platform\)"):
        load(MINIMAL).register("web")


# --- Tokens and secrets --------------------------------------------------------------------------


def test_a_missing_or_empty_token_variable_is_named() -> None:
    github = load(MINIMAL).registers[0].targets[0]
    for env in ({}, {"GITHUB_TOKEN": "  "}):
        with pytest.raises(ConfigError) as caught:
            github.token(env)
        assert str(caught.value) == (
            "target github:acme/platform: environment variable GITHUB_TOKEN is not set or empty"
        )


def test_a_token_file_is_read_when_asked() -> None:
    text = MINIMAL.replace('token_env = "GITHUB_TOKEN"', 'token_file = "secrets/github"')
    github = load(text).registers[0].targets[0]
    with pytest.raises(ConfigError, match=r"token file .*/secrets/github does not exist$"):
        github.token()

    write("\n", "secrets/github")
    with pytest.raises(ConfigError, match=r"token file .*/secrets/github is empty$"):
        github.token()

    write(TOKEN + "\n", "secrets/github")
    assert github.token() == TOKEN


def test_secrets_never_appear_in_the_configuration_or_its_errors() -> None:
    env = {"GITHUB_TOKEN": TOKEN, "JIRA_API_TOKEN": TOKEN, "SYNCER_GITHUB_WEBHOOK_SECRET": TOKEN}
    settings = load_config(EXAMPLE, env=env)
    assert TOKEN not in repr(settings) + str(settings) + settings.model_dump_json()
    assert settings.webhook_secret("github", env) == TOKEN
    assert settings.webhook_secret("jira", env) is None

    errors: list[ConfigError] = []
    mistakes = [
        MINIMAL.replace('token_env = "GITHUB_TOKEN"', f'token_env = "{TOKEN}"'),
        MINIMAL + f'token = "{TOKEN}"\n',
        MINIMAL + f'base_url = "{TOKEN}"\n',
        f'http_port = "{TOKEN}"\n' + MINIMAL,
        MINIMAL + f"sync_label = {TOKEN}\n",
    ]
    for text in mistakes:
        with pytest.raises(ConfigError) as caught:
            load(text, env)
        errors.append(caught.value)
    with pytest.raises(ConfigError) as caught:
        load(MINIMAL, {**env, "SYNCER_HTTP_PORT": TOKEN})
    errors.append(caught.value)
    for target_config in settings.registers[0].targets:
        with pytest.raises(ConfigError) as caught:
            target_config.token({"OTHER": TOKEN})
        errors.append(caught.value)

    for error in errors:
        shown = "".join(traceback.format_exception(error))
        assert TOKEN not in shown
        assert TOKEN[4:20] not in shown


# --- What the adapters and the daemon get --------------------------------------------------------


def test_a_target_builds_its_field_mapping() -> None:
    mapping = target(
        sync_label="debt",
        priority_labels={"critical": "P0"},
        field_labels={"Effort": "effort: "},
    ).mapping()

    assert mapping.sync_label == "debt"
    assert mapping.priority_labels[Priority.CRITICAL] == "P0"
    assert mapping.priority_labels[Priority.LOW] == "priority: low", "others keep their default"
    assert mapping.jira_transitions == FieldMapping().jira_transitions


def test_jira_settings_reach_the_mapping() -> None:
    jira = of_kind(
        JiraTarget,
        parse_target(
            {
                "kind": "jira",
                "repo": "PLAT",
                "base_url": "https://acme.atlassian.net/",
                "email": "bot@acme.example",
                "token_env": "JIRA_API_TOKEN",
                "jira_transitions": {"done": ["Ship it"]},
                "jira_priorities": {"low": "Trivial"},
                "jira_resolution": "Fixed",
            }
        ),
    )
    mapping = jira.mapping()

    assert (jira.name, jira.jira_flavour, jira.base_url) == (
        "jira:PLAT",
        None,
        "https://acme.atlassian.net",
    ), "the flavour is Jira's to say (serverInfo), not the address's"
    assert mapping.jira_transitions["done"] == ("Ship it",)
    assert mapping.jira_transitions["todo"] == FieldMapping().jira_transitions["todo"]
    assert mapping.jira_priorities[Priority.LOW] == "Trivial"
    assert mapping.jira_resolution == "Fixed"


def test_labels_with_two_meanings_are_refused() -> None:
    with pytest.raises(ValueError, match="the label 'Tech-Debt' has two meanings"):
        target(priority_labels={"high": "Tech-Debt"})


def test_schedules_parse_for_the_daemon() -> None:
    assert parse_schedule("every 30s") == timedelta(seconds=30)
    assert parse_schedule("Every 2h") == timedelta(hours=2)
    cron = parse_schedule("*/20 9-17 * * 1-5,7")
    assert isinstance(cron, Cron)
    assert cron.trigger_fields() == {
        "minute": "0,20,40",
        "hour": "9,10,11,12,13,14,15,16,17",
        "day": "*",
        "month": "*",
        # by name: APScheduler 3 counts weekday 0 as Monday, cron as Sunday
        "day_of_week": "sun,mon,tue,wed,thu,fri",
    }


# --- GitHub write limits -------------------------------------------------------------------------


def test_write_limits_default_to_githubs_documented_figures() -> None:
    assert target().write_limits() == WriteLimits(per_minute=80, per_hour=500)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("writes_per_minute = 0", "writes_per_minute: input should be greater than 0"),
        ("writes_per_hour = -5", "writes_per_hour: input should be greater than 0"),
        ('writes_per_minute = "80"', "writes_per_minute: input should be a valid integer"),
        ("writes_per_hour = 7.5", "writes_per_hour: input should be a valid integer"),
    ],
)
def test_write_limits_must_be_whole_numbers_above_zero(line: str, problem: str) -> None:
    assert refusal(MINIMAL + line + "\n").endswith(f"registers[0].targets[0].{problem}")


def test_create_limits_and_the_gap_are_configurable_per_github_target() -> None:
    """Defaults: a second between writes, 20 creates a minute and 150 an hour, as GitHub's
    users measure its creation limit; a GitHub Enterprise Server's admin may raise them."""
    assert target().write_limits() == WriteLimits(80, 500, 1.0, 20, 150)
    raised = load(
        MINIMAL + "seconds_between_writes = 0\ncreates_per_minute = 60\ncreates_per_hour = 1000\n"
    )
    limits = of_kind(GitHubTarget, raised.registers[0].targets[0]).write_limits()
    assert limits == WriteLimits(80, 500, 0, 60, 1000)
    assert refusal(MINIMAL + "seconds_between_writes = -1\n").endswith(
        "registers[0].targets[0].seconds_between_writes: input should be greater than or equal to 0"
    )


def test_write_limits_are_refused_on_other_trackers() -> None:
    jira = MINIMAL.replace(
        'kind = "github"\nrepo = "acme/platform"',
        'kind = "jira"\nrepo = "PLAT"\nbase_url = "https://jira.example.com"',
    )
    message = refusal(jira + "writes_per_hour = 100\n")
    assert message.endswith("registers[0].targets[0].writes_per_hour: not used by jira targets")


# --- @mentions ------------------------------------------------------------------------------------


def test_mentions_are_quoted_unless_a_target_keeps_them() -> None:
    assert target().mapping().mentions == "quote"
    assert target(mentions="keep").mapping().mentions == "keep"
    gitlab = parse_target(
        {"kind": "gitlab", "repo": "acme/platform", "token_env": "GITHUB_TOKEN", "mentions": "keep"}
    )
    assert gitlab.mapping().mentions == "keep"


def test_mentions_take_keep_or_quote_and_are_refused_on_jira() -> None:
    message = refusal(MINIMAL + 'mentions = "notify"\n')
    assert message.endswith("registers[0].targets[0].mentions: must be one of keep, quote")
    jira = MINIMAL.replace(
        'kind = "github"\nrepo = "acme/platform"',
        'kind = "jira"\nrepo = "PLAT"\nbase_url = "https://jira.example.com"',
    )
    message = refusal(jira + 'mentions = "keep"\n')
    assert message.endswith("registers[0].targets[0].mentions: not used by jira targets")


def test_the_built_adapter_keeps_to_the_configured_pace() -> None:
    with FakeGitHub() as fake:
        github = target(
            repo=fake.repo,
            base_url=fake.server.base_url,
            writes_per_minute=1,
            retry={"max_wait_seconds": 0},
        )
        tracker = build_tracker(github, {"GITHUB_TOKEN": fake.token})
        first, second = tracker.create_many([IssueDraft("first", "First"), IssueDraft("2", "2")])
        assert first.issue is not None
        assert isinstance(second.error, RateLimited)
        assert fake.issue_count() == 1
