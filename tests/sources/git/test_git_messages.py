"""The commit message says what the cycle changed in the register, in a person's words."""

from __future__ import annotations

from syncer.register import NewItem
from syncer.sources.git.messages import commit_message
from syncer.sync.operations import WriteRegister
from syncer.sync.planned import FieldPlan, Plan
from syncer.sync.register_edits import Added, Gone, RegisterChanges
from tests.sync.build import issue, register, target

REGISTER = register(
    """
    # Debt

    - [ ] Flaky payment webhook retries
    - [x] Old cache layer
    - [ ] Slow importer
    """
)
VIEWS = {"github": target("github")}


def key(title: str) -> str:
    return next(item.key for item in REGISTER.items if item.title == title)


def write(item_title: str, ref: str, **values: str | None) -> tuple[WriteRegister, FieldPlan]:
    item = key(item_title)
    return WriteRegister(item, values, "github"), FieldPlan("github", ref, item, {})


def plan(*writes: tuple[WriteRegister, FieldPlan]) -> Plan:
    return Plan("debt", tuple(w for w, _ in writes), tuple(p for _, p in writes))


def test_a_close_and_an_added_item_are_named() -> None:
    added = Added(
        "github", issue("14", "Rotate the signing key"), NewItem("Rotate the signing key")
    )
    message = commit_message(
        REGISTER,
        plan(write("Flaky payment webhook retries", "12", status="done")),
        RegisterChanges(added=[added]),
        VIEWS,
    )
    assert message == (
        'syncer: close "Flaky payment webhook retries" (#12), add "Rotate the signing key" from'
        " GitHub\n"
    )


def test_short_changes_fit_the_subject_line() -> None:
    message = commit_message(
        REGISTER,
        plan(
            write("Old cache layer", "3", status="todo"),
            write("Slow importer", "4", status="in_progress"),
        ),
        RegisterChanges(),
        VIEWS,
    )
    assert message == 'syncer: reopen "Old cache layer" (#3), start "Slow importer" (#4)\n'


def test_many_changes_are_counted_in_the_subject_and_listed_in_the_body() -> None:
    message = commit_message(
        REGISTER,
        plan(
            write("Flaky payment webhook retries", "12", status="done"),
            write("Slow importer", "4", title="Slow CSV importer", priority="high"),
        ),
        RegisterChanges(gone=[Gone("github", "9"), Gone("github", "10")]),
        VIEWS,
    )
    subject, _, body = message.partition("\n\n")
    assert subject == "syncer: unlink 2 items, close 1 item, update 1 item"
    assert body.splitlines() == [
        '- close "Flaky payment webhook retries" (#12)',
        '- update priority/title "Slow importer" (#4)',
        "- unlink #9 (deleted in github)",
        "- unlink #10 (deleted in github)",
    ]
