"""Pydantic's validation errors as a person editing syncer.toml reads them: one line per problem,
`file: key.path: problem`, the most telling first, no value ever quoted.

Targets are a union told apart by `kind`, and pydantic puts the kind chosen into the key path
(`targets[0].github.email`) and calls a key of another kind "extra". Neither is how the file is
written, so the kind is taken out of the path, and a key another kind has says whose it is
("not used by github targets") rather than "unknown key".
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from syncer.config.settings import Settings

_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")
_MISSING = ("missing", "missing_argument", "missing_keyword_only_argument")
_TABLE_ARRAYS = {"registers": "[[registers]]", "targets": "[[registers.targets]]"}


@dataclass(frozen=True)
class _Tagged:
    """A union of models told apart by the value of one key (`kind`)."""

    key: str
    models: Mapping[str, type[BaseModel]]

    def choices(self) -> str:
        return ", ".join(self.models)


@dataclass(frozen=True)
class _Place:
    """Where an error is, as the file writes it: the key path without the tags pydantic adds,
    the type found there, and the tag that chose it when the last step was one."""

    loc: tuple[str | int, ...]
    node: Any
    chosen: tuple[str, _Tagged] | None = None


def describe(exc: ValidationError, where: str, env_vars: Mapping[str, str]) -> str:
    """One line per problem: unknown keys first, shallowest first (a misspelt key or table is
    usually why another one is "missing"), then bad values, then missing keys. Values themselves
    are never quoted."""
    ranked = [_line(error, where, env_vars) for error in exc.errors(include_input=False)]
    ranked.sort(key=lambda pair: pair[0])
    return "\n".join(line for _, line in ranked)


def _line(
    error: ErrorDetails, where: str, env_vars: Mapping[str, str]
) -> tuple[tuple[int, int], str]:
    ctx = error.get("ctx") or {}
    raw = (*error["loc"], *ctx.get("at", ()))
    place = _place(raw)
    loc = place.loc
    kind = error["type"]
    rank = (1, 0)
    tagged = _tagged(place.node)
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
        message = "unknown key, " + _message(error)
    elif kind in _UNKNOWN:
        rank, message = _unknown_key(raw)
    elif kind == "union_tag_not_found" and tagged is not None:
        loc, rank = (*loc, tagged.key), (2, 0)
        message = f"required, one of {tagged.choices()}"
    elif kind == "union_tag_invalid" and tagged is not None:
        loc, message = (*loc, tagged.key), f"must be one of {tagged.choices()}"
    elif kind in _MISSING:
        rank = (2, 0)
        message = "required"
    elif kind == "list_type" and loc and loc[-1] in _TABLE_ARRAYS:
        message = f"must be a list of tables: write {_TABLE_ARRAYS[str(loc[-1])]}"
    else:
        message = _message(error)
    if loc and loc[0] in env_vars:
        return rank, f"{env_vars[str(loc[0])]} (environment): {message}"
    path = _key_path(loc)
    return rank, f"{where}: {path}: {message}" if path else f"{where}: {message}"


def _unknown_key(raw: tuple[str | int, ...]) -> tuple[tuple[int, int], str]:
    """A key of another kind of target says so; any other with the closest known key. (`raw`:
    the location as pydantic gives it, with the tag that chose the target's kind.)"""
    parent, key = _place(raw[:-1]), str(raw[-1])
    if parent.chosen is not None:
        tag, union = parent.chosen
        if any(key in model.model_fields for model in union.models.values()):
            return (1, 0), f"not used by {tag} targets"
    message = "unknown key"
    close = difflib.get_close_matches(key, _keys(parent.node), n=1, cutoff=0.7)
    if close:
        message += f" (did you mean {close[0]}?)"
    return (0, len(parent.loc) + 1), message


def _message(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] in ("literal_error", "enum"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return "must be one of " + ", ".join(choices)
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _key_path(loc: tuple[Any, ...]) -> str:
    """`registers[0].targets[1].kind`; keys that are not plain names are quoted."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w-]*", str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def _place(loc: tuple[Any, ...]) -> _Place:
    """Walk the models' annotations along `loc`, dropping the tags pydantic puts in it."""
    node: Any = Settings
    kept: list[str | int] = []
    chosen: tuple[str, _Tagged] | None = None
    for part in loc:
        tagged = _tagged(node)
        if tagged is not None and part in tagged.models:
            node, chosen = tagged.models[part], (part, tagged)
            continue
        kept.append(part)
        node, chosen = _child(node, part), None
    return _Place(tuple(kept), node, chosen)


def _tagged(node: Any) -> _Tagged | None:
    """`node` as a union told apart by a key (`Annotated[A | B, Field(discriminator=...)]`)."""
    if get_origin(node) is not Annotated:
        return None
    union, *metadata = get_args(node)
    key = next(
        (m.discriminator for m in metadata if isinstance(m, FieldInfo) and m.discriminator), None
    )
    if not isinstance(key, str):
        return None
    models: dict[str, type[BaseModel]] = {}
    for model in get_args(union):
        for tag in get_args(model.model_fields[key].annotation):
            models[tag] = model
    return _Tagged(key, models)


def _keys(node: Any) -> list[str]:
    """The keys allowed where a table of type `node` is."""
    node = _child(node, None)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    if is_dataclass(node):
        return [f.name for f in fields(node)]
    return []


def _child(node: Any, part: str | int | None) -> Any:
    """The type one step below `node` (`part=None`: `node` itself, unwrapped of `X | None`)."""
    origin, args = get_origin(node), get_args(node)
    if origin is Union or origin is types.UnionType:
        node = next(arg for arg in args if arg is not type(None))
        origin, args = get_origin(node), get_args(node)
    if origin is Annotated:  # a model checked by a validator of its own (`git`)
        node = args[0]
        origin, args = get_origin(node), get_args(node)
    if part is None:
        return node
    if origin in (list, tuple) and isinstance(part, int):
        return args[0]
    if origin is dict:
        return args[1]
    if isinstance(node, type) and issubclass(node, BaseModel) and part in node.model_fields:
        return node.model_fields[str(part)].annotation
    return None
