"""`plan()` as a whole: the guard against a truncated register, and how a plan is told to a
person (`describe`, for `--dry-run` and logs)."""

from __future__ import annotations

import pytest

from syncer.model import IssueDraft, Status
from syncer.register import NewItem
from syncer.sync.operations import (
    AddItem,
    AdoptIssue,
    CloseDuplicate,
    CloseRemoved,
    CreateIssue,
    InsertLink,
    Operation,
    RecordConflict,
    UpdateIssue,
    WriteRegister,
    describe,
)
from syncer.sync.options import PlanOptions
from syncer.sync.planned import Plan
from tests.sync.build import issue, md_link, planned, register, synced, target

TITLES = ("Remove dead code", "Pin dependencies", "Drop Python 3.9", "Split the settings module")
ISSUES = [issue(str(n), title) for n, title in enumerate(TITLES, 1)]
FULL = register(
    "# TODO\n\n"
    + "".join(f"- [ ] {title} {md_link('github', str(n))}\n" for n, title in enumerate(TITLES, 1))
)
GITHUB = synced(target("github"), FULL, *ISSUES)


def keeping(count: int) -> str:
    """The register's text with only its first `count` items."""
    return "".join(FULL.text.splitlines(keepends=True)[: 2 + count])


def test_a_register_that_lost_most_of_its_linked_items_is_refused() -> None:
    the_plan = planned(register(keeping(1)), GITHUB)

    assert the_plan == Plan(
        "debt",
        refused="the register now holds 1 items and 1 of 4 linked ones; refusing to close their"
        " issues (run with --force if this is intended)",
    )


def test_a_register_emptied_of_items_is_refused() -> None:
    assert planned(register(keeping(0)), GITHUB).refused


def test_force_plans_the_closing_of_the_issues_of_a_register_that_lost_most_items() -> None:
    the_plan = planned(register(keeping(1)), GITHUB, options=PlanOptions(force=True))

    assert not the_plan.refused
    assert [op.ref for op in the_plan.of(CloseRemoved)] == ["2", "3", "4"]


def test_a_register_that_kept_half_of_its_linked_items_is_planned() -> None:
    the_plan = planned(register(keeping(2)), GITHUB)

    assert not the_plan.refused
    assert [op.ref for op in the_plan.of(CloseRemoved)] == ["3", "4"]


def test_a_register_with_no_link_yet_is_never_refused() -> None:
    the_plan = planned(register("# TODO\n"), target("github"))

    assert the_plan == Plan("debt")


def test_the_same_values_plan_the_same_operations() -> None:
    """A plan can be printed by `--dry-run` and then carried out: it must be the same plan."""
    reg = register(keeping(3) + "- [ ] Rotate the signing keys\n")
    github = synced(target("github", [issue("9", "Upgrade the ORM")]), FULL, *ISSUES)

    assert planned(reg, github) == planned(reg, github)


ORM = issue("7", "Upgrade the ORM")
DRAFT = IssueDraft("upgrade-the-orm", "Upgrade the ORM")
EVERY_KIND: dict[str, tuple[Operation, str]] = {
    "create": (
        CreateIssue("github", "upgrade-the-orm", DRAFT),
        "github: create issue 'Upgrade the ORM' for upgrade-the-orm",
    ),
    "adopt": (
        AdoptIssue("github", "upgrade-the-orm", ORM, in_file=True),
        "github: link upgrade-the-orm to existing #7 'Upgrade the ORM' (linked in the file)",
    ),
    "update": (
        UpdateIssue("github", "7", "upgrade-the-orm", {"status": "done", "priority": None}),
        "github: update 7 (upgrade-the-orm): status='done', priority='∅'",
    ),
    "close removed": (
        CloseRemoved("github", "7", "upgrade-the-orm", "Removed; closed by syncer."),
        "github: close 7: upgrade-the-orm left the register",
    ),
    "close duplicate": (
        CloseDuplicate("github", "8", "upgrade-the-orm", "7"),
        "github: close 8: duplicate of 7 (upgrade-the-orm)",
    ),
    "write register": (
        WriteRegister("upgrade-the-orm", {"body": "Two majors behind.\nBlocks 3.12."}, "github"),
        "register: upgrade-the-orm: body='Two majors behind.⏎Blocks 3.12.' (from github)",
    ),
    "insert link": (
        InsertLink("upgrade-the-orm", "github", "7", ORM.url, "acme/app#7"),
        "register: upgrade-the-orm: link acme/app#7",
    ),
    "add item": (
        AddItem("github", ORM, NewItem("Upgrade the ORM", Status.TODO)),
        "register: add item 'Upgrade the ORM' from github 7",
    ),
    "conflict": (
        RecordConflict(
            "github",
            "7",
            "upgrade-the-orm",
            "title",
            "ORM",
            "Upgrade the ORM",
            "Replace the ORM",
            "register",
        ),
        "conflict: upgrade-the-orm.title on github: register='Upgrade the ORM'"
        " tracker='Replace the ORM' -> register",
    ),
}


@pytest.mark.parametrize("kind", EVERY_KIND)
def test_each_operation_is_described_in_one_line(kind: str) -> None:
    op, line = EVERY_KIND[kind]

    assert describe(op) == line


def test_a_long_value_is_cut_in_its_description() -> None:
    op = UpdateIssue("github", "7", "upgrade-the-orm", {"body": "x" * 100})

    assert describe(op) == f"github: update 7 (upgrade-the-orm): body='{'x' * 37}...'"


def test_a_plan_lists_its_operations_of_one_kind_in_order() -> None:
    creates = [CreateIssue("github", key, IssueDraft(key, key)) for key in ("a", "b")]
    the_plan = Plan("debt", (creates[0], InsertLink("c", "github", "1", "", ""), creates[1]))

    assert the_plan.of(CreateIssue) == creates
