"""The rows the store keeps one of per key: a link per ref, an outbox entry per token, an open
conflict per field. Each is found, or made, inside the caller's transaction.

Kept apart from `Store`, whose methods are each one whole transaction: these are steps inside
one, and `Store.save_links` takes many of them in a single transaction.
"""

from __future__ import annotations

from sqlmodel import Session, select

from syncer.state.records import ConflictState, LinkRecord, OutboxEntry, OutboxState
from syncer.state.tables import ConflictRow, LinkRow, OutboxRow


def link_row(session: Session, register: str, target: str, ref: str) -> LinkRow | None:
    """The stored link to `ref` on `target`, if any."""
    query = select(LinkRow).where(
        LinkRow.register_name == register, LinkRow.target == target, LinkRow.ref == ref
    )
    return session.exec(query).first()


def save_link(session: Session, link: LinkRecord) -> None:
    """Insert the link to `link.ref`, or overwrite what is stored for it."""
    row = link_row(session, link.register, link.target, link.ref) or LinkRow(
        register_name=link.register, target=link.target, ref=link.ref, url="", item_key=""
    )
    row.url = link.url
    row.item_key = link.item_key
    row.base_register = dict(link.base_register)
    row.base_tracker = dict(link.base_tracker)
    row.tracker_version = link.tracker_version
    row.in_file = link.in_file
    row.unsettled = sorted(link.unsettled)
    session.add(row)


def intent_row(
    session: Session,
    register: str,
    target: str,
    operation: str,
    item_key: str,
    token: str,
    payload: str,
) -> OutboxEntry:
    """The outbox entry of `token`, inserted as pending if the token is new (`Store.add_intent`
    says why an existing entry is returned as it is)."""
    row = session.exec(
        select(OutboxRow).where(
            OutboxRow.register_name == register,
            OutboxRow.target == target,
            OutboxRow.token == token,
        )
    ).first()
    if row is None:
        row = OutboxRow(
            register_name=register,
            target=target,
            operation=operation,
            item_key=item_key,
            token=token,
            payload=payload,
            state=OutboxState.PENDING,
        )
        session.add(row)
        session.flush()
    return row.to_record()


def open_conflict_row(
    session: Session, register: str, target: str, ref: str, field: str
) -> ConflictRow:
    """The open conflict on `field` of `ref`, or a new one with no values yet (not yet added)."""
    return session.exec(
        select(ConflictRow).where(
            ConflictRow.register_name == register,
            ConflictRow.target == target,
            ConflictRow.ref == ref,
            ConflictRow.field == field,
            ConflictRow.state == ConflictState.OPEN,
        )
    ).first() or ConflictRow(
        register_name=register,
        target=target,
        ref=ref,
        field=field,
        item_key="",
        base=None,
        register_value=None,
        tracker_value=None,
    )
