"""Reads and writes that make hundreds of thousands of objects, and the garbage collector.

The objects a bulk read or write makes have no reference cycles: they are freed as soon as
they are dropped, and the cyclic collector's passes over them find nothing. Those passes grow
with the objects alive, so over a large read they cost a large share of its time, and each one
holds the interpreter lock: the app's screen stops for as long (benchmarks: team toggle,
stalls). Nothing here imports SQLAlchemy: the app reads its first queue before it is imported.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection while the block makes its objects (benchmarks: build; reschedule,
    read facts and full)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
