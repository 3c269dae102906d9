"""Print pip constraints that pin every runtime and `test` requirement to its declared floor.

CI installs the project with them (`pip install -c FILE -e '.[test]'`) and runs the tests there,
so each `>=` in pyproject.toml is a version the code was seen to work with. The floors are read
from pyproject.toml, never listed a second time. A requirement with no `>=` floor is refused:
every dependency must name the oldest version it is known to work with.

Standard library only: it runs with the bare `python3` CI starts from, before any virtualenv.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path
from typing import Any

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# A name, optional extras, then comma-separated specifiers; markers (`;`) are not expected here.
REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*(?P<specs>[^;]*)"
)


def floor(requirement: str) -> str:
    """`name==X` for a requirement that says `>=X` (other specifiers, such as `<4`, may follow)."""
    match = REQUIREMENT.fullmatch(requirement.strip())
    if match is None:
        raise SystemExit(f"floors: cannot read the requirement {requirement!r}")
    specs = [spec.strip() for spec in match["specs"].split(",") if spec.strip()]
    floors = [spec[2:].strip() for spec in specs if spec.startswith(">=")]
    if len(floors) != 1:
        raise SystemExit(f"floors: {requirement!r} must have exactly one `>=` floor")
    return f"{match['name']}=={floors[0]}"


def expanded(project: dict[str, Any], requirements: list[str]) -> list[str]:
    """`requirements`, the project's own extras (`syncer[keyring]`) replaced by theirs."""
    out: list[str] = []
    for text in requirements:
        match = REQUIREMENT.fullmatch(text.strip())
        if match is not None and match["name"] == project["name"] and match["extras"]:
            extras = [e.strip() for e in match["extras"].strip("[]").split(",")]
            out += expanded(
                project, [r for e in extras for r in project["optional-dependencies"][e]]
            )
        else:
            out.append(text)
    return out


def main() -> None:
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    requirements = expanded(
        project, project["dependencies"] + project["optional-dependencies"]["test"]
    )
    sys.stdout.write("".join(f"{floor(text)}\n" for text in requirements))


if __name__ == "__main__":
    main()
