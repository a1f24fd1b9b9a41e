"""Test helpers that stand for things other programs do to a book: another csm holding its
write lock, and damage in pages that a write does not touch."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Stands for `csm import accounts accounts.csv` in the middle of its transaction. Named `csm`
#: and started as the installed entry point is (`python .../bin/csm import ...`), so the
#: system lists it as that command.
_HOLDER = """\
import os, sqlite3, sys
connection = sqlite3.connect(os.environ["CSM_HELD_BOOK"], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("writing", flush=True)
sys.stdin.read()
"""

#: What the holder's command line reads as.
HOLDER_COMMAND = "csm import accounts accounts.csv"


@contextmanager
def another_csm_writing(book: Path, scratch: Path) -> Iterator[int]:
    """Another csm process holds the book's write lock for as long as the block runs; its pid."""
    script = scratch / "holder" / "csm"
    script.parent.mkdir(exist_ok=True)
    script.write_text(_HOLDER)
    holder = subprocess.Popen(
        [sys.executable, str(script), *HOLDER_COMMAND.split()[1:]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CSM_HELD_BOOK": str(book)},
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline() == "writing\n", "the holder did not take the lock"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(30)
        holder.stdout.close()


@contextmanager
def writing_here(book: Path) -> Iterator[None]:
    """A connection of this very process holds the book's write lock during the block."""
    connection = sqlite3.connect(book, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
    finally:
        connection.close()


def damage_an_index(book: Path, table: str = "escalation") -> None:
    """Overwrite the first page of one of `table`'s indexes, as a failing disk would: the
    damage a write that never touches that table would not notice. The book must be closed."""
    connection = sqlite3.connect(book)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        root = connection.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
            "ORDER BY name LIMIT 1",
            (table,),
        ).fetchone()[0]
    finally:
        connection.close()
    with book.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * page_size)
