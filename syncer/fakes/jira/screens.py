"""The fake Jira's screens: which fields creating, editing and each transition may set.

On a real site a project's screen schemes decide what each operation shows, and an admin
changes them; a request setting a field its screen lacks is refused, and a transition whose
screen requires a field is refused without it. Server/Data Center's classic workflow closes an
issue through a screen that requires a resolution; Cloud's simplified workflows have no
screens and set the resolution themselves. `Screens.default` is each flavour's; a test passes
its own to play a site configured otherwise (priority off the create screen, a required
custom field on Done).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from syncer.fakes.jira.state import Flavour, Json

RESOLUTIONS = (
    ("1", "Fixed"),
    ("2", "Won't Fix"),
    ("3", "Duplicate"),
    ("5", "Cannot Reproduce"),
    ("10000", "Done"),
)
"""(id, name) of the site's resolutions."""

_SCHEMAS: dict[str, tuple[str, Json]] = {
    # field id: (name, schema)
    "summary": ("Summary", {"type": "string", "system": "summary"}),
    "description": ("Description", {"type": "string", "system": "description"}),
    "labels": ("Labels", {"type": "array", "items": "string", "system": "labels"}),
    "priority": ("Priority", {"type": "priority", "system": "priority"}),
    "duedate": ("Due date", {"type": "date", "system": "duedate"}),
    "assignee": ("Assignee", {"type": "user", "system": "assignee"}),
    "reporter": ("Reporter", {"type": "user", "system": "reporter"}),
    "issuetype": ("Issue Type", {"type": "issuetype", "system": "issuetype"}),
    "project": ("Project", {"type": "project", "system": "project"}),
    "resolution": ("Resolution", {"type": "resolution", "system": "resolution"}),
    "customfield_10050": (
        "Root cause",
        {
            "type": "string",
            "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea",
            "customId": 10050,
        },
    ),
}
_CREATE = {"project": True, "issuetype": True, "summary": True, "reporter": False}
_EDITABLE = dict.fromkeys(("description", "labels", "priority", "duedate", "assignee"), False)


def resolution_id_of(name: str) -> str:
    return next(rid for rid, rname in RESOLUTIONS if rname == name)


def field_name(field_id: str) -> str:
    return _SCHEMAS[field_id][0] if field_id in _SCHEMAS else field_id


@dataclass(frozen=True)
class Screens:
    """Field id → required, for each operation; transitions by name (absent: no screen)."""

    create: Mapping[str, bool] = field(default_factory=lambda: {**_CREATE, **_EDITABLE})
    edit: Mapping[str, bool] = field(default_factory=lambda: {"summary": True, **_EDITABLE})
    transitions: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)

    @classmethod
    def default(cls, flavour: Flavour) -> Screens:
        if flavour == "cloud":
            return cls()
        return cls(transitions={"Done": {"resolution": True}})

    def without(self, *field_ids: str) -> Screens:
        """These screens with the fields taken off the create and edit screens."""
        create = {k: v for k, v in self.create.items() if k not in field_ids}
        edit = {k: v for k, v in self.edit.items() if k not in field_ids}
        return Screens(create, edit, self.transitions)


def field_meta(field_id: str, required: bool, base_url: str) -> Json:
    """One field as createmeta, editmeta and `expand=transitions.fields` describe it."""
    name, schema = _SCHEMAS.get(field_id, (field_id, {"type": "any"}))
    meta: Json = {
        "required": required,
        "schema": dict(schema),
        "name": name,
        "key": field_id,
        "fieldId": field_id,
        "hasDefaultValue": field_id in ("priority", "issuetype"),
        "operations": ["add", "set", "remove"] if field_id == "labels" else ["set"],
    }
    if field_id == "resolution":
        meta["allowedValues"] = [
            {"self": f"{base_url}/rest/api/2/resolution/{rid}", "id": rid, "name": rname}
            for rid, rname in RESOLUTIONS
        ]
    return meta
