"""The commit message of a cycle's register write: what changed, in a person's words.

`syncer: close "Flaky payment webhook retries" (#12), add "Rotate the signing key" from GitHub`.
Pure: the register as read, the plan and what the trackers answered in; text out. A subject
line stays short: past three changes or 100 characters it counts them (`syncer: close 3
items, add 2 items, update 9 items`) and the body lists each one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from syncer.register import Register
from syncer.sync.identity import Target
from syncer.sync.operations import InsertLink, WriteRegister
from syncer.sync.planned import Plan
from syncer.sync.register_edits import RegisterChanges

SUBJECT_LIMIT = 100
LISTED = 3

_FORGES = {"github": "GitHub", "gitlab": "GitLab", "jira": "Jira"}


def commit_message(
    register: Register, the_plan: Plan, changes: RegisterChanges, views: Mapping[str, Target]
) -> str:
    """The message for the commit that carries this cycle's register edits."""
    changed = _changes(register, the_plan, changes, views)
    if not changed:
        return "syncer: restate the register's summary"
    subject = "syncer: " + ", ".join(phrase for _, phrase in changed)
    if len(changed) <= LISTED and len(subject) <= SUBJECT_LIMIT:
        return subject + "\n"
    verbs = Counter(verb for verb, _ in changed)
    counted = ", ".join(
        f"{verb} {count} item{'s' if count > 1 else ''}" for verb, count in verbs.most_common()
    )
    body = "\n".join(f"- {phrase}" for _, phrase in changed)
    return f"syncer: {counted}\n\n{body}\n"


def _changes(
    register: Register, the_plan: Plan, changes: RegisterChanges, views: Mapping[str, Target]
) -> list[tuple[str, str]]:
    """(verb, phrase) per change, in plan order."""
    refs = {(pair.target, pair.item_key): pair.ref for pair in the_plan.pairs}
    found: list[tuple[str, str]] = []
    for op in the_plan.operations:
        if isinstance(op, WriteRegister):
            ref = _short(refs.get((op.source, op.item_key), ""))
            verb = _verb(op.values, _status(register, op.item_key))
            what = "" if verb != "update" else f" {'/'.join(sorted(op.values))}"
            found.append((verb, f"{verb}{what} {_title(register, op.item_key)}{ref}"))
        elif isinstance(op, InsertLink):
            found.append(("link", f"link {_title(register, op.item_key)} to {op.text}"))
    for new in changes.new_links:
        link = views[new.target].link_text(new.issue.ref)
        found.append(("link", f"link {_title(register, new.item_key)} to {link}"))
    for added in changes.added:
        forge = _FORGES.get(views[added.target].kind, added.target)
        found.append(("add", f'add "{_cut(added.new.title)}" from {forge}'))
    for gone in changes.gone:
        found.append(("unlink", f"unlink {_ref(gone.ref)} (deleted in {gone.target})"))
    return found


def _verb(values: Mapping[str, object], before: str) -> str:
    """`close`, `reopen`, `start` for a status alone; `update` for anything else."""
    if set(values) != {"status"}:
        return "update"
    status = values["status"] or "todo"
    if status == "done":
        return "close"
    if before == "done":
        return "reopen"
    return "start" if status == "in_progress" else "update"


def _status(register: Register, key: str) -> str:
    try:
        return register.item(key).status.value
    except KeyError:
        return ""


def _title(register: Register, key: str) -> str:
    try:
        return f'"{_cut(register.item(key).title)}"'
    except KeyError:
        return key


def _short(ref: str) -> str:
    return f" ({_ref(ref)})" if ref else ""


def _ref(ref: str) -> str:
    """`#12` for an issue number, a Jira key as it is."""
    return f"#{ref}" if ref.isdigit() else ref


def _cut(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"
