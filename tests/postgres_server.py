"""A throwaway PostgreSQL cluster for the test suite, started with the server's own tools.

initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user (Debian's
package creates it). fsync is off: the cluster lives for one test session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailable(Exception):
    pass


def find_bindir() -> Path:
    candidates: list[str] = []
    if os.environ.get("CSM_TUI_PG_BINDIR"):
        candidates.append(os.environ["CSM_TUI_PG_BINDIR"])
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
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


@contextmanager
def running_cluster() -> Iterator[str]:
    """Start a cluster, yield its base URL (no database name), stop and delete it afterwards."""
    bindir = find_bindir()
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="csm-tui-pg-"))
    if as_root:
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root but runuser is missing")
        try:
            shutil.chown(workdir, user="postgres")
        except LookupError as error:
            raise PostgresUnavailable("running as root and there is no postgres user") from error
        prefix = ["runuser", "-u", "postgres", "--"]
    data = workdir / "data"
    port = _free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*prefix, *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {result.stderr.strip()}")

    run(
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
    options = (
        f"-F -p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir} "
        "-c max_connections=200"
    )
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(workdir / "server.log"),
        "-w",
        "start",
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)
