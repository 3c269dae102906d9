"""How the configuration says no: `ConfigError`, problems placed below a validator's own key, and
reading a secret without ever echoing one."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic_core import PydanticCustomError

from syncer.redact import looks_like_token


class ConfigError(Exception):
    """The configuration cannot be used. One problem per line, the most important first; each
    names the file (or environment variable) and the key path. Never carries a secret."""


PASTED_TOKEN = (
    "holds what looks like a token itself; put the token in an environment variable and name "
    "that variable here"
)


def problem_at(message: str, *at: str | int) -> PydanticCustomError:
    """A validation error located below the validator's own place (`at` is appended to the key
    path), so a duplicate is reported at `registers[2].name`, not at `registers`."""
    return PydanticCustomError("config", "{message}", {"message": message, "at": at})


def read_secret(var: str, key: str, what: str, env: Mapping[str, str] | None) -> str:
    """The secret in environment variable `var` (named by the config's `key`).

    A token pasted where its variable's name belongs passes the name check when it is all
    capitals; the "not set" error must not echo it onto a terminal or into CI logs.
    """
    value = (os.environ if env is None else env).get(var, "").strip()
    if not value:
        if looks_like_token(var):
            raise ConfigError(f"{what}: {key} {PASTED_TOKEN}")
        raise ConfigError(f"{what}: environment variable {var} is not set or empty")
    return value
