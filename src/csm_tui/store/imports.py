"""The writes behind a CSV import: bulk look-ups by key, then upserts, inside the caller's session.

Rows arrive already parsed and validated (`csm_tui.services.csv_import`). Each function first
resolves every reference that needs the database (accounts, reports-to) and, if any is unknown,
returns the problems *before* writing anything, so that the caller can raise and the whole
transaction rolls back. For speed on 10k-row files, existing rows are found with narrow
`IN (...)` queries per chunk of keys, and rows are written with executemany INSERT/UPDATE
statements rather than one ORM object each (building a SQLModel object costs more than writing
its row; no benchmark measures an import yet).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, col

from csm_tui.domain.enums import Role
from csm_tui.models import (
    Account,
    Contact,
    HealthSnapshot,
    Row,
    TeamMember,
    Touchpoint,
    table_of,
    utc_now,
)
from csm_tui.store.bulk import insert_rows

NaturalKey = tuple[uuid.UUID, date, str, str]  # a touchpoint without an external_id

#: Keys per `IN (...)`: far below SQLite's and PostgreSQL's bound-parameter limits.
CHUNK = 500


@dataclass(frozen=True)
class Problem:
    """A reference in one record that the database cannot satisfy."""

    record: int
    line: int
    column: str
    value: str
    expected: str


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    new_team_members: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Accounts whose scheduling facts the write changed: their schedule is due a recompute.
    account_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True)
class AccountIn:
    """One validated accounts.csv record. `values` holds only the columns the file has;
    `defaults` (a mapping's) and `default_owner_email` are for the account if it is new."""

    record: int
    line: int
    external_id: str
    values: dict[str, object]
    owner_email: str | None = None
    sets_owner: bool = False
    defaults: dict[str, object] = field(default_factory=dict)
    default_owner_email: str | None = None


@dataclass(frozen=True)
class ContactIn:
    record: int
    line: int
    account_external_id: str
    name: str
    email: str | None
    values: dict[str, object]
    reports_to_email: str | None = None
    sets_reports_to: bool = False
    defaults: dict[str, object] = field(default_factory=dict)  # for a new contact

    @property
    def key(self) -> tuple[str, str]:
        """Within an account: the e-mail if there is one, otherwise the name."""
        return ("email", self.email.lower()) if self.email else ("name", self.name.lower())


@dataclass(frozen=True)
class TouchpointIn:
    record: int
    line: int
    account_external_id: str
    external_id: str | None
    occurred_on: date
    kind: str
    summary: str
    values: dict[str, object]
    owner_email: str | None = None
    sets_owner: bool = False


def _chunks(items: Iterable[object]) -> Iterator[list[object]]:
    batch: list[object] = []
    for item in items:
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def member_name(email: str) -> str:
    """'ada.lovelace@x.com' -> 'Ada Lovelace': a readable default the user can edit later."""
    local = email.split("@", 1)[0]
    words = [word for word in re.split(r"[._\-+]+", local) if word]
    return " ".join(word.capitalize() for word in words) or email


def _team_members(
    session: Session, emails: Sequence[str], now: datetime, result: WriteResult
) -> dict[str, uuid.UUID]:
    """Ids of the team members with these e-mails (lower-cased), creating the missing ones."""
    wanted = list(dict.fromkeys(email.lower() for email in emails))
    found: dict[str, TeamMember] = {}
    for batch in _chunks(wanted):
        statement = select(TeamMember).where(func.lower(TeamMember.email).in_(batch))
        for member in session.scalars(statement):
            current = found.get(member.email.lower())
            if current is None or (current.deleted_at is not None and member.deleted_at is None):
                found[member.email.lower()] = member
    for email in wanted:
        existing = found.get(email)
        if existing is None:
            member = TeamMember(name=member_name(email), email=email, role=Role.CSM.value)
            session.add(member)
            found[email] = member
            result.new_team_members.append(email)
        elif existing.deleted_at is not None:
            # The e-mail is unique even among deleted rows: bring the member back.
            existing.deleted_at = None
            existing.updated_at = now
            result.notes.append(f"restored deleted team member {existing.email}")
    session.flush()  # the bulk statements that follow refer to these ids
    return {email: member.id for email, member in found.items()}


def _defaults(model: type[Row]) -> dict[str, Any]:
    """Every column's default, taken from one instance so that it follows the model."""
    sample = model()  # table models do not validate: required columns are simply None here
    table = sa_inspect(model).local_table
    return {column.key: getattr(sample, column.key) for column in table.columns}


def _write(
    session: Session,
    model: type[Row],
    new: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    now: datetime,
) -> None:
    """INSERT the new rows and UPDATE the matched ones (by id), each as executemany batches of
    plain rows (no ORM objects, no ORM bulk path: `store.bulk`; benchmarks: import).

    Every new row gets all columns (defaults first) so that one statement fits them all; it
    may bring its own id. Updates refresh updated_at and clear deleted_at: a soft-deleted row
    matched by its key comes back; rows that set the same columns share one statement.
    """
    connection = session.connection()
    table = table_of(model)
    if new:
        template = _defaults(model)
        stamps = {"created_at": now, "updated_at": now}
        insert_rows(
            connection,
            table,
            [
                {**template, **stamps, **values}
                if "id" in values
                else {**template, "id": uuid.uuid4(), **stamps, **values}
                for values in new
            ],
        )
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for values in changed:
        row = {f"set_{key}": value for key, value in values.items() if key != "id"}
        row.update(set_updated_at=now, set_deleted_at=None, match_id=values["id"])
        groups.setdefault(tuple(row), []).append(row)
    for keys, rows in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("match_id"))
            .values({key[4:]: bindparam(key) for key in keys if key != "match_id"})
        )
        connection.execute(statement, rows)


#: Keys from which one scan of the accounts' keys is cheaper than chunks of `IN (...)`.
SCAN_FROM = 5 * CHUNK


def _account_ids(
    session: Session, external_ids: Iterable[str], *, live_only: bool
) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    wanted = dict.fromkeys(external_ids)
    if len(wanted) >= SCAN_FROM:  # a whole book's file: read every key once
        statement = select(col(Account.id), col(Account.external_id))
        if live_only:
            statement = statement.where(col(Account.deleted_at).is_(None))
        return {
            external_id: account_id
            for account_id, external_id in session.execute(statement)
            if external_id in wanted
        }
    for batch in _chunks(wanted):
        statement = select(col(Account.id), col(Account.external_id)).where(
            col(Account.external_id).in_(batch)
        )
        if live_only:
            statement = statement.where(col(Account.deleted_at).is_(None))
        found.update(
            (external_id, account_id) for account_id, external_id in session.execute(statement)
        )
    return found


def live_account_keys(session: Session, external_ids: Iterable[str]) -> set[str]:
    """The external ids among these that name a live account."""
    return set(_account_ids(session, external_ids, live_only=True))


def live_account_ids(session: Session) -> list[uuid.UUID]:
    """Every live account: what a dry run decides again when the stored schedule is not
    current."""
    statement = select(col(Account.id)).where(col(Account.deleted_at).is_(None))
    return list(session.scalars(statement))


def _unknown_accounts(
    rows: Sequence[ContactIn] | Sequence[TouchpointIn], accounts: dict[str, uuid.UUID]
) -> list[Problem]:
    return [
        Problem(
            row.record,
            row.line,
            "account_external_id",
            row.account_external_id,
            "the external_id of an existing account (import the accounts first)",
        )
        for row in rows
        if row.account_external_id not in accounts
    ]


def upsert_accounts(
    session: Session, rows: Sequence[AccountIn], *, today: date | None = None
) -> WriteResult:
    """Create or update accounts by external_id.

    With `today`, every health score the file sets or changes is also recorded as that day's
    health snapshot: the trend and "changed since the last triage" read the snapshots.
    """
    result = WriteResult()
    now = utc_now()
    emails = [row.owner_email for row in rows if row.owner_email]
    existing = _account_ids(session, (row.external_id for row in rows), live_only=False)
    emails += [
        row.default_owner_email
        for row in rows
        if row.default_owner_email and not row.sets_owner and row.external_id not in existing
    ]
    owners = _team_members(session, emails, now, result)
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        values = {**row.values, "external_id": row.external_id}
        if row.sets_owner:
            values["owner_id"] = owners[row.owner_email.lower()] if row.owner_email else None
        account_id = existing.get(row.external_id)
        if account_id is None:
            if not row.sets_owner and row.default_owner_email:
                values["owner_id"] = owners[row.default_owner_email.lower()]
            new.append({**row.defaults, **values, "id": uuid.uuid4()})
        else:
            changed.append({**values, "id": account_id})
    scores_before = _health_scores(session, [values["id"] for values in changed])
    _reenter(session, [values["id"] for values in changed])
    _write(session, Account, new, changed, now)
    result.created, result.updated = len(new), len(changed)
    result.account_ids = [values["id"] for values in (*new, *changed)]
    if today is not None:
        _record_health(
            session,
            [
                (values["id"], values["health_score"])
                for values in (*new, *changed)
                if values.get("health_score") is not None
                and values["health_score"] != scores_before.get(values["id"])
            ],
            today,
            now,
            created={values["id"] for values in new},
        )
    return result


def _reenter(session: Session, account_ids: Sequence[uuid.UUID]) -> None:
    """Accounts deleted once and imported again enter the book again: their entry day and
    planned first call go, and the reschedule in the same transaction sets them anew (else
    a first call planned long ago would come back hundreds of days overdue)."""
    for batch in _chunks(account_ids):
        session.execute(
            update(Account)
            .where(col(Account.id).in_(batch), col(Account.deleted_at).is_not(None))
            .values(entered_on=None, first_call_by=None)
        )


def _health_scores(
    session: Session, account_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int | None]:
    scores: dict[uuid.UUID, int | None] = {}
    for batch in _chunks(account_ids):
        statement = select(col(Account.id), col(Account.health_score)).where(
            col(Account.id).in_(batch)
        )
        scores.update((account_id, score) for account_id, score in session.execute(statement))
    return scores


def _record_health(
    session: Session,
    scores: Sequence[tuple[uuid.UUID, int]],
    today: date,
    now: datetime,
    created: Collection[uuid.UUID] = (),
) -> None:
    """Today's snapshot of each account (replacing one taken earlier today; the accounts
    just `created` have none)."""
    if not scores:
        return
    existing: dict[uuid.UUID, uuid.UUID] = {}
    for batch in _chunks(account_id for account_id, _ in scores if account_id not in created):
        statement = select(col(HealthSnapshot.account_id), col(HealthSnapshot.id)).where(
            col(HealthSnapshot.account_id).in_(batch), col(HealthSnapshot.taken_on) == today
        )
        existing.update(
            (account_id, snapshot_id) for account_id, snapshot_id in session.execute(statement)
        )
    new = [
        (uuid.uuid4(), account_id, today, score, now, now)
        for account_id, score in scores
        if account_id not in existing
    ]
    changed = [
        {"id": existing[account_id], "score": score}
        for account_id, score in scores
        if account_id in existing
    ]
    # As plain tuples: an import of a whole book writes a snapshot per account.
    names = ("id", "account_id", "taken_on", "score", "created_at", "updated_at")
    insert_rows(session.connection(), table_of(HealthSnapshot), new, names=names)
    _write(session, HealthSnapshot, [], changed, now)


def upsert_contacts(session: Session, rows: Sequence[ContactIn]) -> WriteResult:
    """Create or update contacts by (account, e-mail) or (account, name), then link reports-to.

    Reports-to is set in a second statement, once every contact of the file exists, so that a
    manager may appear anywhere in the file (foreign keys are checked row by row); it must be
    a live contact of the same account, or one of this file.
    """
    result = WriteResult()
    now = utc_now()
    accounts = _account_ids(session, (row.account_external_id for row in rows), live_only=True)
    result.problems.extend(_unknown_accounts(rows, accounts))
    existing: dict[tuple[uuid.UUID, tuple[str, str]], uuid.UUID] = {}
    managers: dict[tuple[uuid.UUID, str], uuid.UUID] = {}  # (account, e-mail) -> contact id
    for batch in _chunks(dict.fromkeys(accounts.values())):
        statement = (
            select(
                col(Contact.id),
                col(Contact.account_id),
                col(Contact.email),
                col(Contact.name),
                col(Contact.deleted_at),
            )
            .where(col(Contact.account_id).in_(batch))
            # Live rows win over deleted ones with the same key: sorted last, they overwrite.
            .order_by(col(Contact.deleted_at).is_(None), col(Contact.created_at))
        )
        for contact_id, account_id, email, name, deleted_at in session.execute(statement):
            key = ("email", email.lower()) if email else ("name", name.lower())
            existing[(account_id, key)] = contact_id
            if email and deleted_at is None:
                managers[(account_id, email.lower())] = contact_id

    ids: list[uuid.UUID] = []
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        account_id = accounts.get(row.account_external_id)
        if account_id is None:
            ids.append(uuid.uuid4())  # never written: the import fails
            continue
        contact_id = existing.get((account_id, row.key))
        if contact_id is None:
            contact_id = uuid.uuid4()
            new.append({**row.defaults, **row.values, "id": contact_id, "account_id": account_id})
        else:
            # Matched case-insensitively: keep the stored spelling of the e-mail, which also
            # keeps clear of the (case-sensitive) unique (account_id, email) constraint.
            values = {k: v for k, v in row.values.items() if not (k == "email" and row.email)}
            changed.append({**values, "id": contact_id})
        ids.append(contact_id)
        if row.email:
            managers[(account_id, row.email.lower())] = contact_id

    links: list[dict[str, Any]] = []
    for row, contact_id in zip(rows, ids, strict=True):
        account_id = accounts.get(row.account_external_id)
        if account_id is None or not row.sets_reports_to:
            continue
        manager_id = None
        if row.reports_to_email:
            manager_id = managers.get((account_id, row.reports_to_email.lower()))
            if manager_id is None:
                result.problems.append(
                    Problem(
                        row.record,
                        row.line,
                        "reports_to_email",
                        row.reports_to_email,
                        f"the e-mail of a contact of account {row.account_external_id} "
                        "(already imported or in this file)",
                    )
                )
        links.append({"id": contact_id, "reports_to_id": manager_id})
    if result.problems:
        return result

    _write(session, Contact, new, changed, now)
    if links:
        session.execute(update(Contact), links)
    result.created, result.updated = len(new), len(changed)
    return result


def upsert_touchpoints(session: Session, rows: Sequence[TouchpointIn]) -> WriteResult:
    """Create or update touchpoints by external_id, else by (account, date, kind, summary).

    A row with an external_id that is not in the database yet may still match a touchpoint
    imported earlier without one (same natural key): that touchpoint then takes the id. A
    touchpoint that has an external_id is only ever matched by it.
    """
    result = WriteResult()
    now = utc_now()
    accounts = _account_ids(session, (row.account_external_id for row in rows), live_only=True)
    result.problems.extend(_unknown_accounts(rows, accounts))
    if result.problems:
        return result
    owners = _team_members(
        session, [row.owner_email for row in rows if row.owner_email], now, result
    )

    by_external: dict[str, uuid.UUID] = {}
    for batch in _chunks(row.external_id for row in rows if row.external_id):
        statement = select(col(Touchpoint.id), col(Touchpoint.external_id)).where(
            col(Touchpoint.external_id).in_(batch)
        )
        by_external.update(
            (external_id, touch_id) for touch_id, external_id in session.execute(statement)
        )

    wanted = {
        (accounts[row.account_external_id], row.occurred_on, row.kind, row.summary)
        for row in rows
        if not (row.external_id and row.external_id in by_external)
    }
    by_natural: dict[NaturalKey, uuid.UUID] = {}
    if wanted:
        first = min(key[1] for key in wanted)
        last = max(key[1] for key in wanted)
        for batch in _chunks(dict.fromkeys(key[0] for key in wanted)):
            candidates = (
                select(
                    col(Touchpoint.id),
                    col(Touchpoint.account_id),
                    col(Touchpoint.occurred_on),
                    col(Touchpoint.kind),
                    col(Touchpoint.summary),
                    col(Touchpoint.external_id),
                )
                .where(
                    col(Touchpoint.account_id).in_(batch),
                    col(Touchpoint.occurred_on).between(first, last),
                )
                .order_by(col(Touchpoint.deleted_at).is_(None), col(Touchpoint.created_at))
            )
            # "external_id IS NULL" stays out of the SQL: right after a bulk import PostgreSQL
            # has no statistics yet and would scan the whole unique index of NULLs (no
            # benchmark measures an import yet).
            for touch_id, account_id, occurred_on, kind, summary, external_id in session.execute(
                candidates
            ):
                key = (account_id, occurred_on, kind, summary)
                if external_id is None and key in wanted:
                    by_natural[key] = touch_id

    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        account_id = accounts[row.account_external_id]
        values: dict[str, Any] = {
            **row.values,
            "account_id": account_id,
            "occurred_on": row.occurred_on,
            "kind": row.kind,
            "summary": row.summary,
        }
        if row.external_id:
            values["external_id"] = row.external_id
        if row.sets_owner:
            values["owner_id"] = owners[row.owner_email.lower()] if row.owner_email else None
        touch_id = by_external.get(row.external_id) if row.external_id else None
        if touch_id is None:
            # pop: two rows with different external_ids must not both claim one old touchpoint.
            touch_id = by_natural.pop((account_id, row.occurred_on, row.kind, row.summary), None)
        if touch_id is None:
            new.append(values)
        else:
            changed.append({**values, "id": touch_id})
    _write(session, Touchpoint, new, changed, now)
    result.created, result.updated = len(new), len(changed)
    result.account_ids = list(dict.fromkeys(values["account_id"] for values in (*new, *changed)))
    return result
