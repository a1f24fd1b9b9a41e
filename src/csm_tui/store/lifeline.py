"""A worker process that dies with the process that started it.

The whole-book reschedule decides in worker processes (`store.recompute._in_processes`). Killed
with SIGKILL, the parent cannot stop them, and each would go on for minutes, holding some
130 MB and the database and its WAL open. So each worker, as it starts (`die_with_parent`):

- on Linux, asks the kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)`): at
  once, whatever the worker is doing, proven by tests/test_faults.py. (The signal comes when
  the *thread* that started the worker ends: the pool is started, used and shut down by one
  thread, so the workers are gone before it ends.)
- everywhere, watches its parent from a thread: when the parent is gone, the worker is handed
  to another one, `os.getppid()` changes, and it exits within `WATCH_SECONDS` (the fallback
  where prctl is not there, also proven by the test, with prctl left out). Windows keeps the
  first parent's id; there the pool's own pipes end a worker when it asks for its next range.
- checks, after both are in place, that the parent is still the one that started it: one
  killed before then would never send the signal.

A worker only reads, so killing it at any moment loses nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

#: How often the watching thread looks at its parent.
WATCH_SECONDS = 0.25

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Tie this process's life to its parent's, the process `parent` (see the module)."""
    _ask_for_death_signal()
    threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:  # it died before the tie was made
        os._exit(1)


def _ask_for_death_signal() -> bool:
    """Linux: SIGKILL when the parent dies. Whether the kernel said yes."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)
