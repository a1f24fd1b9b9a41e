"""The change feed (issue 23): every row of the book written, kept in `sync_change` by triggers.

On the team's server the feed is what a laptop pulls: the rows written since its cursor, in the
order the writes committed. On a laptop it is the rows its own writes touched since it last
pulled: the pull sets them to the server's values before the changes still waiting are made
again on top. Triggers, not the ORM's events, because bulk statements (an import, an undo)
write rows no session sees.

The order is the commit order: SQLite has one writer at a time; on PostgreSQL every write of
the feed first locks `sync_change` against the other writers until it commits (SHARE ROW
EXCLUSIVE: readers pass), so that a change numbered lower than another never commits after it
(a pull that read up to `id` N missed nothing under N). A table lock, not an advisory one:
any role may take an advisory lock and hold every writer up; this one takes rights on the feed
that only its owner, whom the triggers run as, has.

Each row says whose book it is in (its account, followed through its parents; the member whose
weekly notes these are), for the pull to send each laptop only what its user may see. An
update keeps the columns it changed with their values before (`old`), for the conflicts: the
moments every write sets (`updated_at`) are not counted there. An update that changed nothing
but them is fed all the same, with nothing in `old`: a note on an escalation moves only its
`updated_at`, on the laptop and again on the server, and the laptops' copies of the row must
come to the server's. What each book computes for itself (`account.entered_on`,
`account.first_call_by`) is neither counted nor fed. A write made while a laptop's mutation is
applied on the server (`database.WRITE_ORIGIN`) names that laptop and mutation.

The triggers follow the tables' columns, so they are made from the models, not in a
migration: `ensure` (re)makes them when a migration changed a table, on a book that syncs
(a laptop's copy, or a team's server: `turn_on`).

On PostgreSQL the trigger functions run as their owner, the admin who made them (SECURITY
DEFINER, with the search path pinned to the book's schema): a member's own role writes the
book's rows under row-level security (`store.team_roles`) and may not write `sync_change`
itself, yet every row it writes is fed, with the account read whole.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from csm_tui import models
from csm_tui.store import meta
from csm_tui.store.database import Database, DatabaseError, insufficient_privilege
from csm_tui.store.outbox import DEVICE_KEY

#: app_meta key: this book keeps the feed (a laptop's device id also says so).
SERVER_KEY = "sync.server"
#: app_meta key: the digest of the triggers made, to make them again when a table changed.
TRIGGERS_KEY = "sync.feed_triggers"

#: Whose book a table's row is in: the SQL that finds its account from the row `{r}`.
_VIA_PLAN = "(SELECT account_id FROM success_plan WHERE id = {plan})"
ACCOUNT_OF: dict[str, str | None] = {
    "team_member": None,
    "account": "{r}.id",
    "contact": "{r}.account_id",
    "touchpoint": "{r}.account_id",
    "touchpoint_attendee": "(SELECT account_id FROM touchpoint WHERE id = {r}.touchpoint_id)",
    "action_item": "{r}.account_id",
    "health_snapshot": "{r}.account_id",
    "success_plan": "{r}.account_id",
    "objective": _VIA_PLAN.format(plan="{r}.plan_id"),
    "milestone": _VIA_PLAN.format(
        plan="(SELECT plan_id FROM objective WHERE id = {r}.objective_id)"
    ),
    "milestone_move": _VIA_PLAN.format(
        plan="(SELECT o.plan_id FROM milestone m JOIN objective o ON o.id = m.objective_id "
        "WHERE m.id = {r}.milestone_id)"
    ),
    "escalation": "{r}.account_id",
    "escalation_event": "(SELECT account_id FROM escalation WHERE id = {r}.escalation_id)",
    "recovery_plan": "{r}.account_id",
    "snooze": "{r}.account_id",
    "booking": "{r}.account_id",
    "alert_review": "{r}.account_id",
    "weekly_report": None,
    "sync_conflict": "{r}.account_id",
}
#: Whose notes a row holds, for the tables of one member's rows.
MEMBER_OF = {"weekly_report": "{r}.member_id"}
#: Tables outside the feed: the sync's own, each laptop's own, what each book computes.
NOT_FED = frozenset(
    {
        "app_meta",
        "outbox",
        "sync_change",
        "sync_device",
        "mutation_log",
        "triage_visit",
        "scheduled_touch",
        "queue_rank",
        "account_plan",
    }
)
#: Columns whose change is fed but never counted in `old` (no conflict is about them).
NOT_CHANGES = {"created_at", "updated_at"}
#: Columns each book computes for itself: their change alone is not fed.
COMPUTED = {"account": {"entered_on", "first_call_by"}}


def fed_tables() -> list[sa.Table]:
    """The book's tables the feed keeps, parents before children."""
    tables = [t for t in models.SQLModel.metadata.sorted_tables if t.name not in NOT_FED]
    unknown = [t.name for t in tables if t.name not in ACCOUNT_OF]
    if unknown:
        raise LookupError(f"the change feed does not know whose book these are: {unknown}")
    return tables


def ignored_columns(table: sa.Table) -> set[str]:
    """The columns an update's `old` leaves out."""
    return NOT_CHANGES | COMPUTED.get(table.name, set())


def unfed_columns(table: sa.Table) -> set[str]:
    """The columns whose change alone writes nothing to the feed."""
    return COMPUTED.get(table.name, set())


@dataclass(frozen=True, slots=True)
class RowKey:
    """A row of the feed: its table and its primary key's values (UUIDs)."""

    table: str
    values: tuple[uuid.UUID, ...]

    @classmethod
    def parse(cls, table: str, text: str) -> RowKey:
        """From the feed's text ("a|b" for two columns; hex or hyphenated UUIDs alike)."""
        return cls(table, tuple(uuid.UUID(part) for part in text.split("|")))


def _key_sql(table: sa.Table, r: str, postgres: bool) -> str:
    parts = [f'{r}."{column.name}"{"::text" if postgres else ""}' for column in table.primary_key]
    return " || '|' || ".join(parts)


def _or_null(template: str | None, r: str) -> str:
    return "NULL" if template is None else template.format(r=r)


def _sqlite_triggers(table: sa.Table) -> list[str]:
    name = table.name
    compared = [c.name for c in table.columns if c.name not in ignored_columns(table)]
    fed = [c.name for c in table.columns if c.name not in unfed_columns(table)]
    changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in fed)
    old_values = " UNION ALL ".join(
        f'SELECT \'{c}\' AS k, OLD."{c}" AS v WHERE OLD."{c}" IS NOT NEW."{c}"' for c in compared
    )
    columns = "table_name, row_key, account_id, member_id, deleted, old"

    def insert(r: str, deleted: int, old: str) -> str:
        account = _or_null(ACCOUNT_OF[name], r)
        member = _or_null(MEMBER_OF.get(name), r)
        return (
            f"INSERT INTO sync_change ({columns}) VALUES ('{name}', {_key_sql(table, r, False)}, "
            f"{account}, {member}, {deleted}, {old});"
        )

    old_json = f"(SELECT json_group_object(k, v) FROM ({old_values}))"
    return [
        f"CREATE TRIGGER sync_feed_{name}_i AFTER INSERT ON {name} FOR EACH ROW "
        f"BEGIN {insert('NEW', 0, 'NULL')} END",
        f"CREATE TRIGGER sync_feed_{name}_u AFTER UPDATE ON {name} FOR EACH ROW "
        f"WHEN {changed} BEGIN {insert('NEW', 0, old_json)} END",
        f"CREATE TRIGGER sync_feed_{name}_d AFTER DELETE ON {name} FOR EACH ROW "
        f"BEGIN {insert('OLD', 1, 'NULL')} END",
    ]


def quoted(name: str) -> str:
    """A PostgreSQL identifier, quoted: a schema, a role named by an e-mail."""
    return '"' + name.replace('"', '""') + '"'


def _postgres_triggers(table: sa.Table, schema: str) -> list[str]:
    name = table.name
    ignored = ", ".join(f"'{c}'" for c in sorted(ignored_columns(table)))
    unfed = ", ".join(f"'{c}'" for c in sorted(unfed_columns(table))) or "''"
    account = _or_null(ACCOUNT_OF[name], "r")
    member = _or_null(MEMBER_OF.get(name), "r")
    function = f"""
CREATE OR REPLACE FUNCTION sync_feed_{name}() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = {quoted(schema)}, pg_temp AS $feed$
DECLARE
    r {name};
    old_values jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(o.key, o.value) INTO old_values
        FROM jsonb_each(to_jsonb(OLD)) o JOIN jsonb_each(to_jsonb(NEW)) n USING (key)
        WHERE o.value IS DISTINCT FROM n.value AND o.key NOT IN ({ignored});
        IF old_values IS NULL THEN
            IF NOT EXISTS (
                SELECT FROM jsonb_each(to_jsonb(OLD)) o JOIN jsonb_each(to_jsonb(NEW)) n
                USING (key) WHERE o.value IS DISTINCT FROM n.value AND o.key NOT IN ({unfed})
            ) THEN RETURN NULL; END IF;
            old_values := '{{}}'::jsonb;
        END IF;
    END IF;
    LOCK TABLE sync_change IN SHARE ROW EXCLUSIVE MODE;
    INSERT INTO sync_change
        (table_name, row_key, account_id, member_id, deleted, old, device_id, seq)
    VALUES (
        '{name}', {_key_sql(table, "r", True)}, {account}, {member}, TG_OP = 'DELETE',
        old_values::text,
        NULLIF(current_setting('csm.sync_device', true), '')::uuid,
        NULLIF(current_setting('csm.sync_seq', true), '')::integer
    );
    RETURN NULL;
END
$feed$"""
    return [
        function,
        f"DROP TRIGGER IF EXISTS sync_feed ON {name}",
        f"CREATE TRIGGER sync_feed AFTER INSERT OR UPDATE OR DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION sync_feed_{name}()",
    ]


def trigger_sql(postgres: bool, schema: str = "public") -> list[str]:
    """The statements that make the feed's triggers on every fed table (PostgreSQL: of the
    tables in `schema`)."""
    if postgres:
        return [s for table in fed_tables() for s in _postgres_triggers(table, schema)]
    return [statement for table in fed_tables() for statement in _sqlite_triggers(table)]


def current_schema(connection: Connection) -> str:
    """The schema the book's tables are in on PostgreSQL (the first of the search path)."""
    return str(connection.exec_driver_sql("SELECT current_schema()").scalar())


def _statements(connection: Connection) -> list[str]:
    if connection.dialect.name == "postgresql":
        return trigger_sql(True, current_schema(connection))
    return trigger_sql(False)


def _digest(statements: list[str]) -> str:
    return hashlib.sha256("\n".join(statements).encode()).hexdigest()


def _installed_sqlite(connection: Connection) -> set[str]:
    rows = connection.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sync_feed_%'"
    )
    return {str(row[0]) for row in rows}


def _drop_sqlite(connection: Connection) -> None:
    for name in _installed_sqlite(connection):
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def is_on(session: Session) -> bool:
    """Whether this book keeps the feed: a laptop's copy, or a team's server."""
    return any(meta.get_meta(session, key) is not None for key in (SERVER_KEY, DEVICE_KEY))


def is_server(session: Session) -> bool:
    return meta.get_meta(session, SERVER_KEY) is not None


def ensure(db: Database) -> bool:
    """Make the triggers if this book keeps the feed and they are missing or made for other
    columns (a migration rebuilt a table); whether any were made. A read when all is well."""
    with db.reading() as session:
        if not is_on(session) or _current(session):
            return False
    try:
        with db.writing() as session:
            return install(session)
    except sa_exc.DBAPIError as error:
        if not insufficient_privilege(error):
            raise
        raise DatabaseError(
            f"the change feed of {db.display_name} is older than this csm, and your role may "
            "not remake it: the team's admin runs `csm team init` on the server"
        ) from None


def turn_on_server(session: Session) -> bool:
    """This book is a team's server from now on: it keeps the feed."""
    if meta.get_meta(session, SERVER_KEY) is None:
        meta.set_meta(session, SERVER_KEY, "on")
    return install(session)


def _current(session: Session) -> bool:
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    if meta.get_meta(session, TRIGGERS_KEY) != _digest(_statements(connection)):
        return False
    return postgres or len(_installed_sqlite(connection)) == 3 * len(fed_tables())


def install(session: Session) -> bool:
    """(Re)make the triggers unless they are those of these tables; whether they were made."""
    if _current(session):
        return False
    connection = session.connection()
    statements = _statements(connection)
    if connection.dialect.name != "postgresql":
        _drop_sqlite(connection)
    for statement in statements:
        connection.exec_driver_sql(statement)
    meta.set_meta(session, TRIGGERS_KEY, _digest(statements))
    return True
