"""syncer's configuration: one TOML file, with top-level values overridable from the environment.

The file says what to sync (registers and their tracker targets); the environment says where and
how this process runs (`SYNCER_STATE`, `SYNCER_HTTP_PORT`, ...) and holds the secrets. Secrets
never enter these models: a target names the environment variable or file holding its token, and
its `token()` reads it at the moment it is needed, so no repr, error or log line built from the
configuration can carry one. For the same reason, error messages never quote the values they
refuse, only the key path where they were found.

The modules, by job: `errors`, `values` (the checked value types), `schedules`, `targets` (what
every tracker target has; each kind's model is in `syncer/trackers/<kind>/config.py`), `kinds`
(the union of them), `registers`, `settings`, `loading` (finding and reading the file) and
`describe` (validation errors as one line each).

The names below are loaded on first use (PEP 562): a kind's model imports `syncer.config.targets`,
and the union imports every kind's model, so importing them all here, eagerly, would make
importing a kind's model first a cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syncer.lazy import lazy_names

if TYPE_CHECKING:
    from syncer.config.errors import ConfigError
    from syncer.config.kinds import TargetConfig, parse_target, target_models
    from syncer.config.loading import (
        CONFIG_ENV,
        DEFAULT_CONFIG,
        find_config,
        load_config,
        user_config_file,
    )
    from syncer.config.registers import RegisterConfig
    from syncer.config.schedules import Cron, Schedule, parse_schedule
    from syncer.config.settings import ENV_PREFIX, ConfigSource, Settings
    from syncer.config.targets import TOKEN_SOURCES, KeyringEntry, Target
    from syncer.config.values import ConflictPolicy, LinkStyle, TrackerKind

_HOMES = {
    "ConfigError": "errors",
    "TargetConfig": "kinds",
    "parse_target": "kinds",
    "target_models": "kinds",
    "CONFIG_ENV": "loading",
    "DEFAULT_CONFIG": "loading",
    "find_config": "loading",
    "load_config": "loading",
    "user_config_file": "loading",
    "RegisterConfig": "registers",
    "Cron": "schedules",
    "Schedule": "schedules",
    "parse_schedule": "schedules",
    "ENV_PREFIX": "settings",
    "ConfigSource": "settings",
    "Settings": "settings",
    "TOKEN_SOURCES": "targets",
    "KeyringEntry": "targets",
    "Target": "targets",
    "ConflictPolicy": "values",
    "LinkStyle": "values",
    "TrackerKind": "values",
}

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CONFIG",
    "ENV_PREFIX",
    "TOKEN_SOURCES",
    "ConfigError",
    "ConfigSource",
    "ConflictPolicy",
    "Cron",
    "KeyringEntry",
    "LinkStyle",
    "RegisterConfig",
    "Schedule",
    "Settings",
    "Target",
    "TargetConfig",
    "TrackerKind",
    "find_config",
    "load_config",
    "parse_schedule",
    "parse_target",
    "target_models",
    "user_config_file",
]


__getattr__ = lazy_names(__name__, _HOMES)
