"""Each member's own PostgreSQL role on the team's server, and the row-level security that holds
it to what csm lets that member do (issue 23, `csm team init`).

Who a connection is: a member's role is named by their e-mail, lower-cased (a quoted
identifier: "maya.patel@example.com"), as Cloud SQL's and Azure's IAM database users are named.
So `current_user` is the member (`csm_member()`), with no table of names to keep in step, and
the `.pgpass` line and the URL name the person. Every member's role is in one NOLOGIN group
(`GROUP`), which holds the privileges and to which the policies apply; a member's role holds
none of its own.

What a role sees and writes mirrors `store.pull.Scope`: the accounts its member owns, and for a
manager everyone's under them (the whole tree) and the accounts nobody owns
(`csm_scope_accounts()`); every row of those accounts, found as the change feed finds it
(`change_feed.ACCOUNT_OF`), the schedule worked out of them; the weekly notes of the members in
scope (written: one's own); one's own devices, their log, one's triage visits; the team and
`app_meta` (written: only the member's own keys of the day their scope's schedule was worked
out for, `meta.own_key`; and of the team, a lock on one's own row).
The feed itself is written by its triggers, as their owner. The tables' owner (the admin) is
not held by the policies (no FORCE), so the admin's direct mode is as it was.

Every table of the models must have its access said here (`access`): a new table is a
decision, not a default. The policy functions read as the caller (`current_user`), with the
search path pinned so that no table of a member's own (a temporary one) stands in for the
team's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session

from csm_tui import models
from csm_tui.store.change_feed import ACCOUNT_OF, MEMBER_OF, NOT_FED, quoted
from csm_tui.store.versions import COMPUTED_FOR_KEY, RANKED_FOR_KEY, RULES_SHA256_KEY

#: The NOLOGIN role every member's role is in: the privileges and the policies are its.
GROUP = "csm_team"
#: What PostgreSQL keeps of a role's name (NAMEDATALEN - 1): a longer e-mail has no role.
MAX_ROLE_BYTES = 63
#: app_meta keys a member's writes move, as their own (`meta.own_key`): the day and rules the
#: schedule of their scope was worked out for, and its ranks.
SCHEDULE_KEYS = (COMPUTED_FOR_KEY, RULES_SHA256_KEY, RANKED_FOR_KEY)
#: The comment on the roles `csm team init` makes: the only ones it changes after.
MARK = "csm-tui team member"
#: Serialises two runs of `csm team init` on one server.
_LOCK = 0x63736D_5445414D  # "csm" "TEAM"

_IN_SCOPE = "({account}) IN (SELECT csm_scope_accounts())"
_OWN = "{r}.member_id = (SELECT csm_member())"
_ALL = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True, slots=True)
class Policy:
    """One row-level policy: for which command, the rows it sees (`using`), the rows it may
    leave (`check`)."""

    command: str  # ALL, SELECT, INSERT, UPDATE, DELETE
    using: str | None = None
    check: str | None = None


@dataclass(frozen=True, slots=True)
class Access:
    """What a member's role may do on one table."""

    privileges: tuple[str, ...] = ()
    policies: tuple[Policy, ...] = field(default_factory=tuple)


def role_name(email: str) -> str:
    """The role of the member with this e-mail."""
    return email.strip().lower()


def _in_scope(account_sql: str, table: str) -> str:
    return _IN_SCOPE.format(account=account_sql.format(r=table))


def _scoped(table: str, account_sql: str, privileges: tuple[str, ...] = _ALL) -> Access:
    """Every command on the rows of the accounts in scope."""
    rows = _in_scope(account_sql, table)
    return Access(privileges, (Policy("ALL", rows, rows),))


def _own(table: str, privileges: tuple[str, ...] = _ALL) -> Access:
    own = _OWN.format(r=table)
    return Access(privileges, (Policy("ALL", own, own),))


def _read_wide(read: str, write: str) -> Access:
    """Rows read where `read` holds, and written (made, changed, deleted) where `write` does."""
    return Access(
        _ALL,
        (
            Policy("SELECT", read),
            Policy("INSERT", check=write),
            Policy("UPDATE", write, write),
            Policy("DELETE", write),
        ),
    )


def _meta() -> Access:
    """Read by all; written: only the member's own keys of the schedule (`meta.own_key`)."""
    keys = "key IN (" + ", ".join(f"'{key}/' || current_user" for key in SCHEDULE_KEYS) + ")"
    return _read_wide("true", keys)


def _weekly_report() -> Access:
    """The notes of the members in scope (a manager reads his reports'); one's own written."""
    in_scope = "weekly_report.member_id IN (SELECT unnest(csm_scope_members()))"
    return _read_wide(in_scope, _OWN.format(r="weekly_report"))


#: Tables whose rows are always someone's: a feed row of theirs with no account or member is
#: nobody else's to see (a weekly notes conflict, kept with no account).
_OWNED = (*MEMBER_OF, "sync_conflict")


def _sync_change() -> Access:
    """A change is seen as its row would be: by its account, else by whose notes it is, else
    (the team's rows, a tombstone whose account is gone) by everyone: `store.pull._sees`."""
    sees = (
        "CASE WHEN sync_change.account_id IS NOT NULL "
        "THEN sync_change.account_id IN (SELECT csm_scope_accounts()) "
        "WHEN sync_change.member_id IS NOT NULL "
        "THEN sync_change.member_id IN (SELECT unnest(csm_scope_members())) "
        f"ELSE sync_change.table_name NOT IN ({', '.join(repr(t) for t in _OWNED)}) END"
    )
    return Access(("SELECT",), (Policy("SELECT", sees),))


def _sync_conflict() -> Access:
    """A conflict of an account in scope; one of no account (weekly notes), its winner's. A
    member's push keeps one as the member who won, open; after that a member changes only
    whether and how it was resolved, as themselves. What a conflict names (which row, which
    column, which value) is never a member's to write: a manager's write-back would carry it
    into rows beyond the member's book (`store.conflicts.restore` checks it all the same)."""
    rows = (
        f"({_in_scope(ACCOUNT_OF['sync_conflict'] or '', 'sync_conflict')} OR "
        "(sync_conflict.account_id IS NULL AND sync_conflict.won_by = (SELECT csm_member())))"
    )
    kept = (
        f"{rows} AND sync_conflict.won_by = (SELECT csm_member()) "
        "AND sync_conflict.resolved_at IS NULL"
    )
    resolved = f"{rows} AND sync_conflict.resolved_by = (SELECT csm_member())"
    return Access(
        ("SELECT", "INSERT", "UPDATE (resolved_at, resolved_by, resolution)"),
        (Policy("SELECT", rows), Policy("INSERT", check=kept), Policy("UPDATE", rows, resolved)),
    )


def _mutation_log() -> Access:
    mine = (
        "mutation_log.device_id IN (SELECT device_id FROM sync_device "
        "WHERE member_id = (SELECT csm_member()))"
    )
    return Access(("SELECT", "INSERT"), (Policy("SELECT", mine), Policy("INSERT", check=mine)))


def _team_member() -> Access:
    """The team, read by all. A member's own row may be locked (`FOR UPDATE`: their weekly
    notes are saved one at a time, `store.wrapup_notes.lock_member`), which takes the right to
    update a column: only its `updated_at`, only their own."""
    own = "team_member.id = (SELECT csm_member())"
    return Access(
        ("SELECT", "UPDATE (updated_at)"),
        (Policy("SELECT", "true"), Policy("UPDATE", own, own)),
    )


def _account() -> Access:
    owned = (
        "account.owner_id IN (SELECT unnest(csm_scope_members())) "
        "OR (account.owner_id IS NULL AND (SELECT csm_sees_unowned()))"
    )
    # No DELETE: an account leaves a book by `deleted_at`, or by the admin's hand.
    return Access(("SELECT", "INSERT", "UPDATE"), (Policy("ALL", owned, owned),))


def access(table: sa.Table) -> Access:
    """What a member's role may do on `table`; LookupError for a table nobody decided."""
    name = table.name
    special = {
        "account": _account,
        "team_member": _team_member,
        "weekly_report": _weekly_report,
        "sync_conflict": _sync_conflict,
        "sync_change": _sync_change,
        "sync_device": lambda: _own("sync_device", ("SELECT", "INSERT", "UPDATE")),
        "mutation_log": _mutation_log,
        "triage_visit": lambda: _own("triage_visit"),
        "app_meta": _meta,
        "outbox": Access,  # a laptop's own: nothing on the server
    }
    if name in special:
        return special[name]()
    account = ACCOUNT_OF.get(name)
    if account is not None:
        return _scoped(name, account)
    if name in NOT_FED and "account_id" in table.c:  # what each book works out of an account
        return _scoped(name, "{r}.account_id")
    raise LookupError(f"what a member's role may do on {name} is not decided (store.team_roles)")


def function_sql(schema: str) -> list[str]:
    """The functions the policies call. Each reads as its caller, so `current_user` is the
    member; the search path is pinned to the book's schema."""
    pinned = f"SET search_path = {quoted(schema)}, pg_temp"
    head = f"LANGUAGE sql STABLE PARALLEL SAFE {pinned}"
    s = quoted(schema)
    return [
        f"""CREATE OR REPLACE FUNCTION csm_member() RETURNS uuid {head} AS $f$
    SELECT m.id FROM {s}.team_member m
    WHERE lower(m.email) = current_user::text AND m.deleted_at IS NULL
    ORDER BY m.created_at LIMIT 1
$f$""",
        # The member and everyone under them, through live managers (`domain.sync_scope`).
        f"""CREATE OR REPLACE FUNCTION csm_scope_members() RETURNS uuid[] {head} AS $f$
    WITH RECURSIVE below(id) AS (
        SELECT {s}.csm_member()
        UNION
        SELECT m.id FROM {s}.team_member m JOIN below b ON m.manager_id = b.id
        WHERE m.deleted_at IS NULL
    )
    SELECT coalesce(array_agg(id), '{{}}') FROM below WHERE id IS NOT NULL
$f$""",
        # A manager (anyone with a live report) sees the accounts nobody owns.
        f"""CREATE OR REPLACE FUNCTION csm_sees_unowned() RETURNS boolean {head} AS $f$
    SELECT EXISTS (
        SELECT 1 FROM {s}.team_member m
        WHERE m.manager_id = {s}.csm_member() AND m.id <> m.manager_id AND m.deleted_at IS NULL
    )
$f$""",
        f"""CREATE OR REPLACE FUNCTION csm_scope_accounts() RETURNS SETOF uuid {head} AS $f$
    SELECT a.id FROM {s}.account a
    WHERE a.owner_id IN (SELECT unnest({s}.csm_scope_members()))
       OR (a.owner_id IS NULL AND (SELECT {s}.csm_sees_unowned()))
$f$""",
        f"""CREATE OR REPLACE FUNCTION csm_may_see(account uuid) RETURNS boolean {head} AS $f$
    SELECT account IN (SELECT {s}.csm_scope_accounts())
$f$""",
    ]


#: The policy functions, by signature.
FUNCTIONS = (
    "csm_member()",
    "csm_scope_members()",
    "csm_sees_unowned()",
    "csm_scope_accounts()",
    "csm_may_see(uuid)",
)


def _policy_sql(table: str, name: str, policy: Policy, group: str) -> str:
    parts = [f"CREATE POLICY {name} ON {table} AS PERMISSIVE FOR {policy.command} TO {group}"]
    if policy.using is not None:
        parts.append(f"USING ({policy.using})")
    if policy.check is not None:
        parts.append(f"WITH CHECK ({policy.check})")
    return " ".join(parts)


def table_sql(table: sa.Table, group: str, existing: Iterable[str]) -> list[str]:
    """Row-level security on `table` (not forced: its owner is not held), the group's
    privileges on it, and its policies made anew (`existing`: the csm policies on it now)."""
    name, rules, g = table.name, access(table), quoted(group)
    statements = [
        f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY",
        f"REVOKE ALL ON {name} FROM {g}",
    ]
    if rules.privileges:
        statements.append(f"GRANT {', '.join(rules.privileges)} ON {name} TO {g}")
    statements += [f"DROP POLICY {policy} ON {name}" for policy in existing]
    statements += [
        _policy_sql(name, f"csm_{policy.command.lower()}", policy, g) for policy in rules.policies
    ]
    return statements


@dataclass(frozen=True, slots=True)
class Roles:
    """What `apply` did with the members' roles (role names)."""

    created: tuple[str, ...] = ()
    joined: tuple[str, ...] = ()  # a role there already, given log-in and the group
    kept: tuple[str, ...] = ()  # there already, as it should be
    disabled: tuple[str, ...] = ()  # no live member's (left, e-mail changed): no log-in
    skipped: tuple[tuple[str, str], ...] = ()  # (e-mail, why it has no role)


def _members(session: Session) -> list[str]:
    """The role names of the live members, in order."""
    table = models.table_of(models.TeamMember)
    rows = session.execute(
        sa.select(table.c.email).where(table.c.deleted_at.is_(None)).order_by(table.c.email)
    )
    return list(dict.fromkeys(role_name(email) for (email,) in rows))


@dataclass(frozen=True, slots=True)
class _Cluster:
    """The cluster's roles as `csm team init` finds them."""

    logins: dict[str, bool]  # every role, and whether it may log in
    ours: set[str]  # the roles `csm team init` made (`MARK`)
    in_group: set[str]  # the members of the group


def _roles(connection: sa.Connection, group: str) -> _Cluster:
    logins: dict[str, bool] = {}
    ours: set[str] = set()
    for name, login, comment in connection.exec_driver_sql(
        "SELECT rolname, rolcanlogin, shobj_description(oid, 'pg_authid') FROM pg_roles"
    ):
        logins[str(name)] = bool(login)
        if comment == MARK:
            ours.add(str(name))
    members = connection.exec_driver_sql(
        "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
        "JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = %s",
        (group,),
    )
    return _Cluster(logins, ours, {str(name) for (name,) in members})


def _member_roles(connection: sa.Connection, session: Session, group: str) -> Roles:
    """A log-in role for each live member; every role made here that is no live member's any
    more (who left, whose e-mail changed) loses its log-in and the group. A role given its
    log-in back has no password: the admin sets one anew (an address can change hands). A
    role of a member's name that csm did not make (a superuser, someone's own) is left alone."""
    cluster = _roles(connection, group)
    g = quoted(group)
    created: list[str] = []
    joined: list[str] = []
    kept: list[str] = []
    skipped: list[tuple[str, str]] = []
    live: set[str] = set()
    for name in _members(session):
        why = _no_role(name)
        if why is None and name in cluster.logins and name not in cluster.ours:
            why = "a role of that name is there already, not made by csm team init: left as it is"
        if why is not None:
            skipped.append((name, why))
            continue
        live.add(name)
        role = quoted(name)
        if name not in cluster.logins:
            connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN IN ROLE {g}")
            connection.exec_driver_sql(f"COMMENT ON ROLE {role} IS '{MARK}'")
            created.append(name)
            continue
        if cluster.logins[name] and name in cluster.in_group:
            kept.append(name)
            continue
        if not cluster.logins[name]:
            connection.exec_driver_sql(f"ALTER ROLE {role} LOGIN PASSWORD NULL")
        if name not in cluster.in_group:
            connection.exec_driver_sql(f"GRANT {g} TO {role}")
        joined.append(name)
    disabled = sorted((cluster.ours & cluster.in_group) - live)
    for name in disabled:
        connection.exec_driver_sql(f"ALTER ROLE {quoted(name)} NOLOGIN")
        connection.exec_driver_sql(f"REVOKE {g} FROM {quoted(name)}")
    return Roles(tuple(created), tuple(joined), tuple(kept), tuple(disabled), tuple(skipped))


def _no_role(name: str) -> str | None:
    """Why this member can have no role of their own; None when they can."""
    if "@" not in name:
        return "not an e-mail address, so it could be another role's name"
    if len(name.encode()) > MAX_ROLE_BYTES:
        return f"longer than the {MAX_ROLE_BYTES} bytes of a PostgreSQL role's name"
    return None


def apply(session: Session, group: str = GROUP) -> Roles:
    """Inside the caller's transaction, as the tables' owner with the right to make roles: the
    group, its privileges, the policy functions, row-level security and the policies of every
    table, and a role for each live member (log-in taken from those who left). Made anew each
    time: a second run changes nothing but what the team changed since."""
    connection = session.connection()
    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
    g = quoted(group)
    schema = str(connection.exec_driver_sql("SELECT current_schema()").scalar())
    database = str(connection.exec_driver_sql("SELECT current_database()").scalar())
    exists = connection.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (group,))
    if exists.first() is None:
        connection.exec_driver_sql(f"CREATE ROLE {g} NOLOGIN")
    statements = [
        # Only the team connects; nobody makes objects of their own in the book's schema.
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {quoted(database)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {quoted(database)} TO {g}",
        f"REVOKE CREATE ON SCHEMA {quoted(schema)} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {quoted(schema)} TO {g}",
        "GRANT SELECT ON alembic_version TO " + g,
        *function_sql(schema),
    ]
    for function in FUNCTIONS:
        statements += [
            f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {function} TO {g}",
        ]
    existing = _existing_policies(connection, schema)
    for table in models.SQLModel.metadata.sorted_tables:
        statements += table_sql(table, group, existing.get(table.name, ()))
    statements += [
        f"GRANT USAGE ON SEQUENCE {sequence} TO {g}" for sequence in _sequences(connection)
    ]
    for statement in statements:
        connection.exec_driver_sql(statement)
    return _member_roles(connection, session, group)


def _existing_policies(connection: sa.Connection, schema: str) -> dict[str, list[str]]:
    rows = connection.exec_driver_sql(
        "SELECT tablename, policyname FROM pg_policies "
        "WHERE schemaname = %s AND policyname LIKE 'csm\\_%%'",
        (schema,),
    )
    found: dict[str, list[str]] = {}
    for table, policy in rows:
        found.setdefault(str(table), []).append(str(policy))
    return found


def _sequences(connection: sa.Connection) -> list[str]:
    """The sequences behind the keys of the tables a member inserts into (the mutation log)."""
    found = []
    for table in models.SQLModel.metadata.sorted_tables:
        if "INSERT" not in access(table).privileges:
            continue
        for column in table.primary_key:
            sequence = connection.exec_driver_sql(
                "SELECT pg_get_serial_sequence(%s, %s)", (table.name, column.name)
            ).scalar()
            if sequence is not None:
                found.append(str(sequence))
    return found


@dataclass(frozen=True, slots=True)
class Connected:
    """The member a connection's role is."""

    role: str
    member_id: str
    email: str


def connected_member(session: Session) -> Connected | None:
    """The live member the connection's role is (`role_name`); None on SQLite, or for a role
    that is nobody's (the admin)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return None
    table = models.table_of(models.TeamMember)
    role = sa.func.current_user()
    found = session.execute(
        sa.select(role, table.c.id, table.c.email)
        .where(sa.func.lower(table.c.email) == sa.cast(role, sa.Text), table.c.deleted_at.is_(None))
        .order_by(table.c.created_at)
        .limit(1)
    ).first()
    if found is None:
        return None
    return Connected(str(found[0]), str(found[1]), str(found[2]))
