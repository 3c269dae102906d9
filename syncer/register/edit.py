"""Edits on a parsed register, returned as new text: splices of the exact spans that change.

Each edit touches only the bytes of the values it changes; new text follows the document's own
conventions (the status phrase its items already use, its field style, numbering, line endings
and its encoding damage). An edit the document's shape cannot hold raises `EditError`.

This module is the public layer: one `set_*` / `add_*` / `remove_*` function per edit, each
returning the register's new text, and the splice-level API under the names it always had here
(imported `as` themselves: explicit re-exports, which `syncer.register` exports in turn). The
edits themselves live by what they edit: `splice` (the `Splice` and `apply`), `edit_status`
(status and priority), `edit_fields` (title, fields, body), `edit_links` (links), `edit_remove`
(removing an item), `edit_add` (adding one).
"""

from __future__ import annotations

from syncer.model import Priority, Status
from syncer.register.edit_add import NewItem as NewItem
from syncer.register.edit_add import add_item_edits as add_item_edits
from syncer.register.edit_fields import body_edits as body_edits
from syncer.register.edit_fields import field_edits as field_edits
from syncer.register.edit_fields import lead_edits as lead_edits
from syncer.register.edit_fields import title_edits as title_edits
from syncer.register.edit_links import link_edits as link_edits
from syncer.register.edit_links import links_edits as links_edits
from syncer.register.edit_links import unlink_edits as unlink_edits
from syncer.register.edit_remove import remove_edits as remove_edits
from syncer.register.edit_status import priority_edits as priority_edits
from syncer.register.edit_status import status_edits as status_edits
from syncer.register.edit_status import status_phrase as status_phrase
from syncer.register.items import Register
from syncer.register.splice import EditError as EditError
from syncer.register.splice import Splice as Splice
from syncer.register.splice import Splices as Splices
from syncer.register.splice import apply as apply

# --- the one-edit API: each returns the register's new text -------------------------------


def set_status(register: Register, key: str, status: Status | str) -> str:
    return apply(register.text, status_edits(register, key, status))


def set_title(register: Register, key: str, title: str) -> str:
    return apply(register.text, title_edits(register, key, title))


def set_priority(register: Register, key: str, priority: Priority | str | None) -> str:
    return apply(register.text, priority_edits(register, key, priority))


def set_field(register: Register, key: str, name: str, value: str) -> str:
    return apply(register.text, field_edits(register, key, name, value))


def set_body(register: Register, key: str, body: str) -> str:
    return apply(register.text, body_edits(register, key, body))


def add_link(register: Register, key: str, text: str, url: str, hidden: bool = False) -> str:
    return apply(register.text, link_edits(register, key, text, url, hidden))


def remove_link(register: Register, key: str, url: str) -> str:
    return apply(register.text, unlink_edits(register, key, url))


def remove_item(register: Register, key: str) -> str:
    return apply(register.text, remove_edits(register, key))


def add_item(register: Register, new: NewItem) -> str:
    return apply(register.text, add_item_edits(register, new))
