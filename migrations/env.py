"""Alembic environment for csm-tui.

The app runs migrations itself (csm_tui.store.migrate) and hands over a Connection on which it
has already begun the transaction, switched SQLite's foreign keys off and taken a backup. The
`alembic` command line (for developers writing a revision) connects from `sqlalchemy.url` or
CSM_TUI_DATABASE_URL instead.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel

import csm_tui.models  # noqa: F401  (registers every table on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        transactional_ddl=True,
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    if isinstance(given, Engine):  # pytest-alembic style
        with given.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
        return
    # The alembic command line: the same guarded, single transaction as the app's upgrades.
    from csm_tui.store.database import Database
    from csm_tui.store.migrate import migration_connection

    url = os.environ.get("CSM_TUI_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    db = Database.open(url)
    try:
        with migration_connection(db) as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        db.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
