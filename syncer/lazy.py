"""Names a package exports but imports only when first used (PEP 562).

A package's `__init__` that imports everything it exports makes importing any part of it import
all of it: importing a tracker's config model would load that tracker's SDK, and the
configuration package would import itself in a cycle through the kinds' models. Such a package
sets `__getattr__ = lazy_names(__name__, {...})` and imports the same names under
`TYPE_CHECKING` for the type checker.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_names(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that imports `name` from the submodule `homes[name]` of `package`
    on first use, and keeps it on the package so the next use is a plain attribute."""

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{home}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
