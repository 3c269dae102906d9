"""Values for direct tests of the pure sync engine, built by hand: a register from its text,
tracker issues, stored links and targets. No tracker, file or store is involved, so a test
reads as the situation it pins and runs in milliseconds.

Targets are named after their kind (`github`, `gitlab`, `jira`); their issues live in
`acme/app` (links written `acme/app#3`), `acme/infra` (`acme/infra#3`) and `OPS` (`OPS-3`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime

from syncer.model import IssueState, Priority, RemoteIssue, Status
from syncer.register import Item, Register, parse
from syncer.state.records import LinkRecord
from syncer.sync.identity import Target
from syncer.sync.operations import AddItem, AdoptIssue, Operation
from syncer.sync.options import PlanOptions
from syncer.sync.plan import plan
from syncer.sync.planned import Plan
from syncer.sync.values import People, Reading

REGISTER = "debt"
REPOS: dict[str, str] = {"github": "acme/app", "gitlab": "acme/infra", "jira": "OPS"}
SYNC_LABEL = "tech-debt"
EARLIER = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2027, 1, 3, 9, 0, tzinfo=UTC)
BETWEEN = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
"""When the register file was last saved, for `newest-wins`: after EARLIER, before LATER."""


def register(text: str) -> Register:
    """A register parsed from `text` (indentation common to its lines removed)."""
    return parse(textwrap.dedent(text).lstrip("\n"))


def url(kind: str, ref: str) -> str:
    if kind == "jira":
        return f"https://jira.example.test/browse/{ref}"
    host = "github.com" if kind == "github" else "gitlab.example.test"
    return f"https://{host}/{REPOS[kind]}/issues/{ref}"


def md_link(kind: str, ref: str) -> str:
    """The link as a person (or syncer) writes it in the register: `[acme/app#3](…)`."""
    text = ref if kind == "jira" else f"{REPOS[kind]}#{ref}"
    return f"[{text}]({url(kind, ref)})"


def issue(
    ref: str,
    title: str,
    *,
    kind: str = "github",
    body: str = "",
    status: Status = Status.TODO,
    state: IssueState | None = None,
    priority: Priority | None = None,
    due: date | None = None,
    assignees: Iterable[str] = (),
    labels: Iterable[str] = (SYNC_LABEL,),
    marker: str | None = None,
    updated_at: datetime = EARLIER,
) -> RemoteIssue:
    """A tracker issue as an adapter reads it; closed exactly when done, unless `state` says."""
    if state is None:
        state = IssueState.CLOSED if status is Status.DONE else IssueState.OPEN
    return RemoteIssue(
        tracker=kind,
        id=f"id-{ref}",
        ref=ref,
        url=url(kind, ref),
        title=title,
        body=body,
        state=state,
        status=status,
        updated_at=updated_at,
        version=f"{ref}@{updated_at.isoformat()}",
        labels=tuple(labels),
        assignees=tuple(sorted(assignees)),
        priority=priority,
        due_date=due,
        marker=marker,
    )


def target(
    kind: str = "github",
    issues: Iterable[RemoteIssue] = (),
    links: Iterable[LinkRecord] = (),
    *,
    name: str | None = None,
    user_map: Mapping[str, str] | None = None,
    people: People | None = None,
    field_labels: Mapping[str, str] | None = None,
) -> Target:
    """A target as the planner sees it. GitLab and Jira sync due dates (`Target Date`), GitHub
    has none; assignees sync only with a `user_map`."""
    user_map = dict(user_map or {})
    return Target(
        name=name or kind,
        kind=kind,
        repo=REPOS[kind],
        changed={found.ref: found for found in issues},
        links=tuple(links),
        reading=Reading(
            due_date_field=None if kind == "github" else "Target Date",
            user_map=user_map,
            people=people or People.of([user_map]),
            field_labels=dict(field_labels or {}),
        ),
        sync_label=SYNC_LABEL,
    )


def link(
    to: Target,
    ref: str,
    item_key: str,
    *,
    base_register: Mapping[str, str | None] | None = None,
    base_tracker: Mapping[str, str | None] | None = None,
    in_file: bool = True,
    version: str = "",
) -> LinkRecord:
    """A stored link of `to`'s issue `ref` to an item."""
    return LinkRecord(
        register=REGISTER,
        target=to.name,
        ref=ref,
        url=url(to.kind, ref),
        item_key=item_key,
        base_register=dict(base_register or {}),
        base_tracker=dict(base_tracker or {}),
        tracker_version=version,
        in_file=in_file,
    )


def agreed(to: Target, item: Item, found: RemoteIssue, *, in_file: bool = True) -> LinkRecord:
    """The link as the last cycle left it: both bases are each side's reading as it is now."""
    return link(
        to,
        found.ref,
        item.key,
        base_register=to.reading.item(item),
        base_tracker=to.reading.issue(found),
        in_file=in_file,
        version=found.version,
    )


def synced(to: Target, reg: Register, *issues: RemoteIssue) -> Target:
    """`to` reading `issues`, each linked to the item that links it in the file, agreed on."""
    linked = to.linked_items(reg)
    links = [agreed(to, linked[found.ref], found) for found in issues]
    return replace(to, changed={found.ref: found for found in issues}, links=tuple(links))


def ref_of(op: Operation) -> str | None:
    """The tracker issue an operation acts on, if it acts on one."""
    if isinstance(op, AdoptIssue | AddItem):
        return op.issue.ref
    ref: str | None = getattr(op, "ref", None)
    return ref


def planned(reg: Register, *targets: Target, options: PlanOptions | None = None) -> Plan:
    """The plan of the register `debt` against `targets`."""
    return plan(REGISTER, reg, targets, options)
