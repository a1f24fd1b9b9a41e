"""A SQLite book as files on disk: whether one is empty, whether the user may use it, which
process holds its write lock, and which of its backups are whole.

These answer what SQLite's own errors do not say in words a user can act on: "attempt to write
a readonly database" is a folder's permissions, "database is locked" is another csm writing,
a file of 0 bytes is no book at all. Nothing here imports SQLAlchemy or writes anything.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

#: In WAL mode a writer holds a POSIX lock on this byte of the -shm file for its whole
#: transaction (SQLite's WALINDEX_LOCK_OFFSET + WAL_WRITE_LOCK).
_WAL_WRITE_LOCK_BYTE = 120

#: A backup being written (`store.backup`): hidden, and never ending in `.db`, so that neither
#: the rotation nor `db check` can take it for a backup. The process that writes it is named,
#: so a leftover (its process was killed) can be told from one still being written.
PARTIAL = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.partial(?:-journal|-wal|-shm)?")


def partial_name(target: Path) -> Path:
    """Where the backup to `target` is written until it is whole and checked."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def is_empty(path: Path) -> bool:
    """A file of 0 bytes with no WAL beside it that could hold its first pages: not a book.
    (csm writes a new book's first page as it creates the file: `store.database`.)"""
    try:
        if path.stat().st_size:
            return False
        wal = Path(f"{path}-wal")
        return not (wal.exists() and wal.stat().st_size)
    except OSError:
        return False


def empty_words(path: Path) -> str:
    return f"{path} is empty (0 bytes): not a csm database; remove it to start a new book"


@dataclass(frozen=True)
class AccessProblem:
    """Why the user cannot use a database file, from the permissions of it and its folder."""

    finding: str
    advice: str


def access_problem(path: Path) -> AccessProblem | None:
    """What, in the permissions of `path` and its folder, stops SQLite from opening it for
    reading and writing; None when they allow it (the problem is then elsewhere).

    In WAL mode SQLite creates `NAME-wal` and `NAME-shm` beside the database when it opens it,
    so a folder the user cannot write stops it as surely as the file's own permissions."""
    folder = path.parent
    if not os.access(folder, os.X_OK):
        return AccessProblem(
            f"you cannot open the folder {folder} ({_owned(folder)})",
            f"make it yours or open to you (chmod u+rx {folder}), or run csm as its owner",
        )
    if not os.access(path, os.R_OK):
        return AccessProblem(
            f"{path} is not readable by you ({_owned(path)})",
            f"make it readable and writable by you (chmod u+rw {path}), or run csm as its owner",
        )
    if not os.access(path, os.W_OK):
        return AccessProblem(
            f"{path} is read-only for you ({_owned(path)})",
            f"make it writable by you (chmod u+w {path}), or run csm as its owner",
        )
    if not os.access(folder, os.W_OK):
        return AccessProblem(
            f"the folder {folder} is read-only for you ({_owned(folder)}): SQLite must create "
            f"{path.name}-wal and {path.name}-shm in it to open the database",
            f"make the folder writable by you (chmod u+w {folder}), or move the database "
            "(with its -wal file, if any) to a folder you can write",
        )
    return None


def _owned(path: Path) -> str:
    """'drwxr-xr-x, owner alice': what `ls -l` would show of who may do what."""
    try:
        info = path.stat()
    except OSError as error:
        return error.strerror or "cannot be read"
    owner = str(info.st_uid)
    try:
        import pwd

        owner = pwd.getpwuid(info.st_uid).pw_name
    except (ImportError, KeyError):
        pass
    return f"{stat.filemode(info.st_mode)}, owner {owner}"


# --- who holds the write lock ------------------------------------------------------------------


def lock_holder(path: Path) -> int | None:
    """The process that holds the write lock of the SQLite book at `path`, where the system
    says (Linux lists every POSIX lock in /proc/locks); None when it is not known."""
    try:
        shm = Path(f"{path}-shm").stat()
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    device = (os.major(shm.st_dev), os.minor(shm.st_dev))
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  WRITE 4242 fe:00:2736292 120 120" (a waiter's line has "->")
        fields = line.split()
        if len(fields) != 8 or fields[1:4] != ["POSIX", "ADVISORY", "WRITE"]:
            continue
        try:
            major, minor, inode = fields[5].split(":")
            held = (int(major, 16), int(minor, 16), int(inode), int(fields[6]))
            pid = int(fields[4])
        except ValueError:
            continue
        if held == (*device, shm.st_ino, _WAL_WRITE_LOCK_BYTE) and pid > 0:
            return pid
    return None


def command_of(pid: int) -> str | None:
    """How process `pid` was started, as typed (`csm import accounts big.csv`): the Python
    interpreter in front of a script is left out; None when the system does not say."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    args = [part.decode(errors="replace") for part in raw.split(b"\0") if part]
    if args and re.fullmatch(r"python[\d.]*", Path(args[0]).name):
        args = args[1:]
    if args[:2] == ["-m", "csm_tui"]:
        args = ["csm", *args[2:]]
    if not args:
        return None
    text = " ".join([Path(args[0]).name, *args[1:]])
    return text if len(text) <= 80 else text[:79] + "…"


def busy_words(path: Path | None) -> str:
    """What to tell a user whose write waited for the lock in vain: who holds it, if known."""
    pid = lock_holder(path) if path is not None else None
    command = command_of(pid) if pid is not None and pid != os.getpid() else None
    if command is None:
        return "Another csm is writing to this book; save again in a moment"
    who = "csm" if command == "csm" or command.startswith("csm ") else "program"
    return f"Another {who} is writing to this book ({command}, pid {pid}); save again in a moment"


# --- backups -----------------------------------------------------------------------------------


def _automatic(stem: str) -> re.Pattern[str]:
    """The names `store.backup` gives the automatic backups of the database `stem`."""
    return re.compile(rf"{re.escape(stem)}--[\w.-]+--(\d{{8}}T\d{{12}}Z)\.db")


def automatic_backups(folder: Path, stem: str) -> list[Path]:
    """The whole automatic backups of the database `stem` in `folder`, oldest first (by the
    time in their names). A backup is written under another name and renamed when whole and
    checked, so a leftover of a killed one never has this name; one that an older csm left
    half-written (with its -journal beside it) is not counted either."""
    pattern = _automatic(stem)
    found: list[tuple[str, Path]] = []
    for path in _listing(folder):
        match = pattern.fullmatch(path.name)
        if match and _whole(path):
            found.append((match.group(1), path))
    return [path for _, path in sorted(found)]


def newest_backup_words(path: Path) -> str:
    """Which backup of the database at `path` to restore, in words: the newest automatic one
    (whole: never a leftover of a killed backup), or one of the user's own."""
    folder = path.parent / "backups"
    ours = automatic_backups(folder, path.stem)
    if ours:
        return f"the newest backup, {ours[-1]}"
    return f"a backup of your own (there are none in {folder})"


def _whole(path: Path) -> bool:
    try:
        return path.stat().st_size > 0 and not Path(f"{path}-journal").exists()
    except OSError:
        return False


def leftovers(folder: Path, stem: str | None = None) -> list[Path]:
    """Files in `folder` that killed backups left: the partial ones of processes that are
    gone, and (given the database's `stem`) the automatic backups an older csm left
    half-written, with their -journal. No other file is ever named."""
    pattern = _automatic(stem) if stem is not None else None
    gone: list[Path] = []
    for path in _listing(folder):
        match = PARTIAL.fullmatch(path.name)
        if match is not None:
            if not _running(int(match.group("pid"))):
                gone.append(path)
        elif (
            pattern is not None
            and path.name.endswith("-journal")
            and pattern.fullmatch(path.name.removesuffix("-journal"))
        ):
            gone += [path, path.with_name(path.name.removesuffix("-journal"))]
    return sorted({path for path in gone if path.exists()})


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _running(pid: int) -> bool:
    """Whether process `pid` is alive (a backup it writes is not a leftover). Where signals
    cannot ask (Windows), every process is taken to be alive: a leftover stays, unnamed."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True
