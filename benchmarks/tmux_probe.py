"""The real-terminal harness: run a program in a detached tmux pane and time its first paint.

One private tmux server per benchmark run (`tmux -L csm-bench-<pid>`), started with its own
config file (never the user's ~/.tmux.conf) and a fixed environment, killed on close even when
a measurement fails; a watchdog in the server's first session kills it (and removes the scratch
files) if the harness itself dies without closing, e.g. on SIGKILL. Every program runs in a
fresh 120x40 session with no status line, so it sees exactly 120x40 cells and
TERM=xterm-256color.

`TmuxProbe.run(argv, ready)` notes the time just before `tmux new-session` spawns the
program, polls `tmux capture-pane -p` about every 10 ms until `ready(screen_text)` is true,
then sends `q` and waits for the program to exit. Each poll is one tmux client process that
asks for the pane state and its text in one go (`display-message ; capture-pane`). A program
that does not paint within `timeout_s` (or quit within `quit_timeout_s`) raises `ProbeError`
with `timed_out` set and, read from /proc just before the session is killed, its peak memory
so far (`peak_kib`, a lower bound); the harness then waits until the process is gone (SIGKILL
after a few seconds), so that it cannot run on into the next measurement.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WIDTH, HEIGHT = 120, 40
POLL_S = 0.010

CONFIG = """\
set -g  status off
set -g  default-terminal "xterm-256color"
set -g  default-size {width}x{height}
set -g  history-limit 0
set -g  exit-empty off
set -sg escape-time 0
set -wg remain-on-exit on
set -wg aggressive-resize off
"""


class TmuxMissing(RuntimeError):
    pass


class ProbeError(RuntimeError):
    """The program died, or never painted what we waited for; `screen` shows the last frame.

    `timed_out`: it was still running at the deadline (of the paint, or of the quit when
    `paint_s` is set); `peak_kib`: its peak RSS up to then (Linux only), else None."""

    def __init__(
        self,
        message: str,
        screen: str,
        *,
        timed_out: bool = False,
        paint_s: float | None = None,
        peak_kib: int | None = None,
    ) -> None:
        super().__init__(f"{message}\n--- last screen ---\n{screen.rstrip()}\n-------------------")
        self.screen = screen
        self.timed_out = timed_out
        self.paint_s = paint_s
        self.peak_kib = peak_kib


@dataclass(frozen=True)
class ProbeResult:
    paint_s: float  # spawn -> ready(screen) first true
    quit_s: float  # `q` sent -> process gone
    exit_status: int | None
    polls: int
    screen: str  # the first frame that satisfied ready()


def tmux_path() -> str:
    path = shutil.which("tmux")
    if path is None:
        raise TmuxMissing(
            "tmux is not installed: the start-up benchmark needs a real terminal. "
            "Install it with `apt-get install tmux` (or your OS's package manager)."
        )
    return path


class TmuxProbe:
    def __init__(
        self,
        *,
        env: Mapping[str, str],
        cwd: Path,
        socket: str | None = None,
        width: int = WIDTH,
        height: int = HEIGHT,
        also_remove: Sequence[Path] = (),
    ) -> None:
        """`also_remove`: scratch paths the watchdog deletes if this process dies uncleanly."""
        self.tmux = tmux_path()
        self.env = dict(env)
        self.cwd = Path(cwd)
        self.socket = socket or f"csm-bench-{os.getpid()}"
        self.width, self.height = width, height
        self._runs = 0
        self._config: Path | None = None
        self._socket_path: Path | None = None
        self.also_remove = tuple(also_remove)
        self.started = False

    # -- server ------------------------------------------------------------------------------

    def _cmd(self, *args: str) -> list[str]:
        return [self.tmux, "-L", self.socket, *args]

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._cmd(*args), env=self.env, capture_output=True, text=True, check=check
        )

    def start(self) -> TmuxProbe:
        fd, name = tempfile.mkstemp(prefix="csm-bench-", suffix=".tmux.conf")
        with os.fdopen(fd, "w") as handle:
            handle.write(CONFIG.format(width=self.width, height=self.height))
        self._config = Path(name)
        # The keeper session holds the server up between runs, so no run pays server start-up,
        # and is a watchdog: if this process dies without cleaning up (SIGKILL...), it kills
        # the server, and with it any program still running, within a second.
        socket_path = Path(self.env.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", self.socket)
        leftovers = " ".join(shlex.quote(str(p)) for p in (name, socket_path, *self.also_remove))
        watchdog = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
            "trap '' HUP TERM; "  # outlive our own server's end, to clean up after it
            f"{shlex.quote(self.tmux)} -L {shlex.quote(self.socket)} kill-server; "
            f"rm -rf {leftovers}"
        )
        self.started = True  # from here on, close() kills whatever server came up
        subprocess.run(
            [
                self.tmux,
                "-L",
                self.socket,
                "-f",
                name,
                "new-session",
                "-d",
                "-s",
                "keeper",
                "-x",
                str(self.width),
                "-y",
                str(self.height),
                "sh",
                "-c",
                watchdog,
            ],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        reported = self._tmux("display-message", "-p", "#{socket_path}", check=False)
        self._socket_path = Path(reported.stdout.strip() or socket_path)
        return self

    def close(self) -> None:
        if self.started:
            self._tmux("kill-server", check=False)
            self.started = False
            if self._socket_path is not None:  # tmux leaves the socket file behind
                self._socket_path.unlink(missing_ok=True)
        if self._config is not None:
            self._config.unlink(missing_ok=True)
            self._config = None

    def __enter__(self) -> TmuxProbe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def version(self) -> str:
        return subprocess.run([self.tmux, "-V"], capture_output=True, text=True).stdout.strip()

    # -- one program -------------------------------------------------------------------------

    def _state(self, session: str) -> tuple[bool, int | None, str, int | None]:
        """(dead, exit status, screen text, pid) in one tmux client call."""
        done = subprocess.run(
            self._cmd(
                "display-message",
                "-p",
                "-t",
                session,
                "#{pane_dead} #{pane_dead_status}|#{pane_pid}",
                ";",
                "capture-pane",
                "-p",
                "-t",
                session,
            ),
            env=self.env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:  # the session is gone altogether
            return True, None, done.stderr, None
        status_line, _, screen = done.stdout.partition("\n")
        state, _, pid = status_line.partition("|")
        dead, _, status = state.partition(" ")
        return (
            dead == "1",
            int(status) if status.strip().isdigit() else None,
            screen,
            int(pid) if pid.strip().isdigit() else None,
        )

    def run(
        self,
        argv: Sequence[str],
        ready: Callable[[str], bool],
        *,
        timeout_s: float = 120.0,
        quit_key: str = "q",
        quit_timeout_s: float = 30.0,
    ) -> ProbeResult:
        self._runs += 1
        session = f"run{self._runs}"
        env_args = [arg for key, value in self.env.items() for arg in ("-e", f"{key}={value}")]
        spawn = self._cmd(
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(self.cwd),
            *env_args,
            "--",
            *argv,
        )
        pid: int | None = None
        try:
            start = time.perf_counter()
            subprocess.run(spawn, env=self.env, capture_output=True, text=True, check=True)
            polls = 0
            while True:
                polls += 1
                dead, status, screen, pid = self._state(session)
                now = time.perf_counter()
                if not dead and ready(screen):
                    paint_s = now - start
                    break
                if dead:
                    raise ProbeError(
                        f"{' '.join(argv)} exited (status {status}) before painting", screen
                    )
                if now - start > timeout_s:
                    raise ProbeError(
                        f"{' '.join(argv)} did not paint within {timeout_s:.0f} s",
                        screen,
                        timed_out=True,
                        peak_kib=peak_kib(pid),
                    )
                time.sleep(max(0.0, POLL_S - (time.perf_counter() - now)))
            painted = screen
            self._tmux("send-keys", "-t", session, quit_key)
            sent = time.perf_counter()
            while True:
                dead, status, screen, _ = self._state(session)
                now = time.perf_counter()
                if dead:
                    quit_s = now - sent
                    pid = None  # gone: nothing to wait for
                    break
                if now - sent > quit_timeout_s:
                    raise ProbeError(
                        f"{' '.join(argv)} did not quit on {quit_key!r}",
                        screen,
                        timed_out=True,
                        paint_s=paint_s,
                        peak_kib=peak_kib(pid),
                    )
                time.sleep(POLL_S)
            if status not in (0, None):
                raise ProbeError(
                    f"{' '.join(argv)} exited with status {status}", screen, paint_s=paint_s
                )
            return ProbeResult(
                paint_s=paint_s, quit_s=quit_s, exit_status=status, polls=polls, screen=painted
            )
        finally:
            self._tmux("kill-session", "-t", session, check=False)
            if pid is not None:
                _wait_gone(pid)


def peak_kib(pid: int | None) -> int | None:
    """The peak resident set (VmHWM) of a running process, in KiB; None where unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _wait_gone(pid: int, grace_s: float = 5.0) -> None:
    """After its session was killed (SIGHUP): wait until the process is gone, SIGKILL it if it
    outlives `grace_s`. A process that ignored the hang-up must not compete with the next run."""
    killed = False
    deadline = time.perf_counter() + grace_s
    while _alive(pid):
        if time.perf_counter() > deadline:
            if killed:
                return  # not even SIGKILL (stuck in the kernel): give up waiting
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                return
            killed, deadline = True, time.perf_counter() + grace_s
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    """Running (a zombie, which the tmux server reaps, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False
