"""A throwaway PostgreSQL cluster for the test suite, started with the server's own tools.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user (Debian's
package creates it). fsync is off: the cluster lives for one test session (under pytest-xdist,
one per worker: each has its own directory and port).

Nothing outlives the session: the cluster is stopped and its directory deleted when the
session ends, and a watchdog process does the same if the session dies without doing it
(killed, a second Ctrl-C), which it sees as the end of a pipe only the session holds.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Attempts at a free port: another worker or program may take the probed one before the server.
START_ATTEMPTS = 3

#: Run by the watchdog: wait until the session closes the pipe (or dies), then stop the cluster
#: if it still runs and delete its directory. Arguments: pg_ctl, data dir, work dir, prefix.
_WATCHDOG = """\
import os, shutil, subprocess, sys
sys.stdin.buffer.read()
pg_ctl, data, workdir, *prefix = sys.argv[1:]
if os.path.exists(os.path.join(data, "postmaster.pid")):
    subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
                   stdin=subprocess.DEVNULL, capture_output=True)
shutil.rmtree(workdir, ignore_errors=True)
"""


class PostgresUnavailable(Exception):
    pass


def find_bindir() -> Path:
    candidates: list[str] = []
    if os.environ.get("CSM_TUI_PG_BINDIR"):
        candidates.append(os.environ["CSM_TUI_PG_BINDIR"])
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        candidates.append(found.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl")).resolve().parent))  # type: ignore[arg-type]
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found: install Debian's postgresql "
        "package or set CSM_TUI_PG_BINDIR"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _log_tail(log: Path, lines: int = 5) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@contextmanager
def running_cluster(label: str = "") -> Iterator[str]:
    """Start a cluster, yield its base URL (no database name), stop and delete it afterwards.

    `label` goes into the name of its directory (the xdist worker's id, for `ps` and `ls`)."""
    bindir = find_bindir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root but runuser is missing")
        try:
            pwd.getpwnam("postgres")
        except KeyError as error:
            raise PostgresUnavailable("running as root and there is no postgres user") from error
        prefix = ["runuser", "-u", "postgres", "--"]
    pg_ctl = str(bindir / "pg_ctl")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, stdin=subprocess.DEVNULL
        )

    workdir = Path(tempfile.mkdtemp(prefix=f"csm-tui-pg-{label}-" if label else "csm-tui-pg-"))
    data = workdir / "data"
    # In a session of its own: Ctrl-C in the terminal reaches the test processes, not it.
    watchdog = subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, pg_ctl, str(data), str(workdir), *prefix],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        if prefix:
            shutil.chown(workdir, user="postgres")
        initdb = run(
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if initdb.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {initdb.stderr.strip()}")
        log = workdir / "server.log"
        for _attempt in range(START_ATTEMPTS):
            port = _free_port()
            options = (
                f"-F -p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir} "
                "-c max_connections=200"
            )
            started = run(pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
            if started.returncode == 0:
                break
        else:
            raise PostgresUnavailable(
                f"pg_ctl start failed: {started.stderr.strip()}\n{_log_tail(log)}"
            )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        if (data / "postmaster.pid").exists():
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)
        assert watchdog.stdin is not None
        watchdog.stdin.close()  # the cluster is gone: the watchdog finds nothing to do
        watchdog.wait()
