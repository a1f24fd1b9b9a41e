"""Faults that must leave nothing behind (issue 19): a parallel reschedule killed with SIGKILL
leaves no worker process alive, and `csm db upgrade` killed while it writes its backup leaves
no file that `csm db check` would recommend.

Both kill a real process: a subprocess runs the code, the test waits until it is where the
kill should land (the process says so, on a pipe or in a file), then SIGKILLs it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from csm_tui.store import files, migrate
from csm_tui.store.database import Database
from csm_tui.store.integrity import check_location
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads processes from /proc (Linux)"
)

#: How long a test waits for its subprocess to get where the kill lands (a guard, not a timing).
GUARD_SECONDS = 60


def _wait_for(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.02)


def _alive(pid: int) -> bool:
    """Whether `pid` is a process that still runs: a zombie (dead, not yet reaped by whoever
    inherited it) holds no memory and no files, so it counts as dead."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return status.rpartition(")")[2].split()[0] not in ("Z", "X")


def _run(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(GUARD_SECONDS)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    process.stderr.close()


# --- orphaned workers ----------------------------------------------------------------------------

_RESCHEDULE = """
    import os, sys, time
    from functools import partial
    from pathlib import Path

    from csm_tui.rules import default_rules
    from csm_tui.services.scheduling import bound_decide
    from csm_tui.store import lifeline
    from csm_tui.store.database import Database
    from csm_tui.store.recompute import recompute_all

    path, today, markers, tie = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    if tie == "watch":  # the portable fallback alone: as where prctl is not there
        lifeline._ask_for_death_signal = lambda: False
    PARENT = os.getpid()


    def slowly(facts, *, decide):
        # In a worker: say so once (its pid), then take long enough to be killed mid-way.
        if os.getpid() != PARENT:
            marker = markers / str(os.getpid())
            if not marker.exists():
                marker.write_text("deciding")
            time.sleep(0.05)
        return decide(facts)


    from datetime import date
    day = date.fromisoformat(today)
    recompute_all(
        Database.open(path),
        partial(slowly, decide=bound_decide(default_rules(), day)),
        today=day,
        rules_sha256="another rules file: every account is decided again",
        chunk=10,
        workers=2,
        parallel_from=0,
    )
    print("finished: the kill came too late", flush=True)
"""


@pytest.mark.parametrize("tie", ["prctl", "watch"])
def test_workers_of_a_killed_parallel_reschedule_die_with_it(
    demo_db: Path, tmp_path: Path, tie: str
) -> None:
    """The whole-book reschedule in worker processes (forced on the demo book: two workers,
    ranges of 10 accounts, each decision slowed down so the kill lands mid-way), its parent
    SIGKILLed once both workers decide: a second later no worker is alive. `prctl` is the
    Linux death signal; `watch` the thread that watches the parent, alone (prctl left out)."""
    markers = tmp_path / "workers"
    markers.mkdir()
    parent = _run(_RESCHEDULE, str(demo_db), TODAY.isoformat(), str(markers), tie)
    try:
        _wait_for(lambda: len(list(markers.iterdir())) >= 2 or parent.poll() is not None, "workers")
        assert parent.poll() is None, parent.communicate()
        workers = [int(marker.name) for marker in markers.iterdir()]
        assert all(_alive(pid) for pid in workers)
    finally:
        _kill(parent)

    time.sleep(1.0)

    survivors = [pid for pid in workers if _alive(pid)]
    for pid in survivors:  # a failing run leaves none behind either
        os.kill(pid, signal.SIGKILL)
    assert survivors == [], "worker processes outlived their killed parent"


# --- partial backups -----------------------------------------------------------------------------

#: `csm db upgrade`, with SQLite's backup step slowed to a crawl: it copies 16 pages, says so on
#: stdout, and waits there to be killed (as a kill mid-copy of a large book would find it).
_UPGRADE = """
    import sqlite3, sys, time, types

    import csm_tui.store.backup as backup
    from csm_tui.cli import main


    class Crawling:
        def __init__(self, connection):
            self.connection = connection

        def __getattr__(self, name):
            return getattr(self.connection, name)

        def backup(self, target, **_):
            def progress(status, remaining, total):
                print("copying", flush=True)
                time.sleep(3600)

            self.connection.backup(target.connection, pages=16, progress=progress)


    shim = types.ModuleType("sqlite3")
    shim.__dict__.update(vars(sqlite3))
    shim.connect = lambda *args, **kwargs: Crawling(sqlite3.connect(*args, **kwargs))
    backup.sqlite3 = shim
    main(["--db", sys.argv[1], "db", "upgrade"], prog_name="csm")
"""


def _book_one_revision_behind(path: Path) -> str:
    """A SQLite book with accounts, at the revision before the head (so that an upgrade backs it
    up first); that revision."""
    db = Database.open(path)
    try:
        migrate.ensure_current(db)
        from csm_tui.services.demo import build_demo

        build_demo(db, accounts=60, seed=7, today=TODAY)
        config = migrate.alembic_config()
        previous = f"{int(migrate.HEAD_REVISION) - 1:04d}"
        with migrate.migration_connection(db) as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, previous)
    finally:
        db.dispose()
    return previous


def test_db_check_after_an_upgrade_killed_in_its_backup_advises_the_upgrade_not_the_leftover(
    tmp_path: Path,
) -> None:
    """`csm db upgrade` SIGKILLed while SQLite copies its backup leaves a partial copy (and its
    journal) in backups/. `db check` then finds the database whole, says to upgrade it, and
    names no backup; the rotation does not count the leftover; the next upgrade removes it."""
    path = tmp_path / "book" / "csm.db"
    path.parent.mkdir()
    revision = _book_one_revision_behind(path)
    upgrade = _run(_UPGRADE, str(path))
    try:
        assert upgrade.stdout is not None
        said = upgrade.stdout.readline()
        assert said == "copying\n", said + upgrade.communicate()[1]
    finally:
        _kill(upgrade)
    backups = path.parent / "backups"
    left = sorted(item.name for item in backups.iterdir())
    assert left and all(".partial" in name for name in left), left  # the kill left something
    assert files.automatic_backups(backups, path.stem) == []  # the rotation counts none
    assert "there are none in" in files.newest_backup_words(path)  # nor is one offered

    report = check_location(path)

    verdict = report.verdict()
    assert report.findings == [
        f"the schema is at revision {revision}; this csm-tui needs {migrate.HEAD_REVISION}"
    ], verdict
    assert report.advice == ["run `csm db upgrade` (it takes a backup first)"], verdict
    assert ".partial" not in verdict

    db = Database.open(path)
    try:
        done = migrate.ensure_current(db)
    finally:
        db.dispose()
    assert done is not None and done.backup is not None
    assert sorted(backups.iterdir()) == [done.backup]  # the leftover went, the backup is whole
    assert check_location(path).ok
    assert os.stat(done.backup).st_size > 0
