"""The value types keys are checked against: names of variables (never secrets), URLs, paths
anchored to the config file's folder, non-blank text, tracker kinds."""

from __future__ import annotations

import json
import os
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_settings import NoDecode

from syncer.config.errors import PASTED_TOKEN
from syncer.redact import looks_like_token
from syncer.state.location import StoreError, parse_location

TrackerKind: TypeAlias = Literal["github", "gitlab", "jira"]
ConflictPolicy: TypeAlias = Literal["register-wins", "tracker-wins", "newest-wins", "manual"]
LinkStyle: TypeAlias = Literal["visible", "hidden"]

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")

CONFIG_FOLDER: ContextVar[Path | None] = ContextVar("syncer_config_folder", default=None)
"""Set while `load_config` builds a `Settings`: the folder relative paths are anchored to. It is
a context variable because pydantic-settings builds the instance inside `__init__`, which takes
no validation context."""


def anchor(value: Path) -> Path:
    """Relative paths are relative to the config file's folder, whatever the working directory
    (a daemon's is often `/`); `~` is the user's home, as in a shell."""
    value = value.expanduser()
    folder = CONFIG_FOLDER.get()
    if folder is None or value.is_absolute():
        return value
    return Path(os.path.normpath(folder / value))  # `../web/TODO.md` shown as the file it is


def env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        if looks_like_token(value):
            raise ValueError(PASTED_TOKEN)
        raise ValueError(
            "must be the name of an environment variable (A-Z, 0-9 and _), never the secret itself"
        )
    return value


def http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


def _nonblank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _kinds_text(value: Any) -> Any:
    """A list of tracker kinds from the environment: `jira,gitlab` or JSON `["jira"]`."""
    if not isinstance(value, str):
        return value
    if value.lstrip().startswith("["):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("write tracker kinds separated by commas, e.g. jira,gitlab") from None
    return [part.strip() for part in value.split(",") if part.strip()]


ConfigPath = Annotated[Path, AfterValidator(anchor)]


def _state_location(value: Any) -> Any:
    """A database URL stays text (a `sqlite:///` one becomes its file); anything else is a path."""
    if not isinstance(value, str):
        return value
    try:
        return parse_location(value)
    except StoreError as exc:
        raise ValueError(str(exc)) from None


def _anchor_file(value: Path | str) -> Path | str:
    return anchor(value) if isinstance(value, Path) else value


StateLocation = Annotated[
    Path | str, BeforeValidator(_state_location), AfterValidator(_anchor_file)
]
TrackerKinds = Annotated[frozenset[TrackerKind], NoDecode, BeforeValidator(_kinds_text)]
PositiveCount = Annotated[int, Field(strict=True, gt=0)]
EnvName = Annotated[str, AfterValidator(env_name)]
HttpUrl = Annotated[str, AfterValidator(http_url)]
Text = Annotated[str, AfterValidator(_nonblank)]
