"""`csm export`: a book's accounts, contacts or touches as the files `csm import` reads."""

from __future__ import annotations

from csm_tui.domain.exchange import ExportKind, Table
from csm_tui.store import exports
from csm_tui.store.database import Database
from csm_tui.store.memory import gc_paused


def export_table(db: Database, kind: ExportKind, owner_email: str | None) -> Table:
    """Every live row of `owner_email`'s book (None: the team's), in one read transaction so
    that the file is one consistent moment of the book."""
    reader = exports.READERS[ExportKind(kind)]
    with gc_paused(), db.reading() as session:
        return reader(session, owner_email)
