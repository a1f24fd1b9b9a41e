"""Every figure the benchmark reports, one small function each, registered in MEASUREMENTS.

To add a figure: write `def measure_something(ctx: SizeContext) -> value` (any JSON value;
a number, or a dict of numbers), then append one `Measurement(...)` to MEASUREMENTS with the
key it gets in the results JSON and the column(s) it adds to the markdown table. Measurements
run in list order for every size; a later one can read `ctx.results[key]` of an earlier one
or share expensive runs with `ctx.once(name, fn)` (as start-to-paint and peak RSS do).
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.tmux_probe import ProbeResult, TmuxProbe

TODAY = date(2026, 11, 23)
SEED = 7


@dataclass
class SizeContext:
    """What one size's measurements share."""

    accounts: int
    repeats: int
    warmup: int
    workdir: Path  # temporary; removed at the end of the run
    probe: TmuxProbe
    python: str = sys.executable
    results: dict[str, Any] = field(default_factory=dict)
    db_path: Path | None = None
    _memo: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """compute() once per size, shared by the figures that need it (a failure too)."""
        if name not in self._memo:
            try:
                self._memo[name] = (True, compute())
            except Exception as error:
                self._memo[name] = (False, error)
        ok, value = self._memo[name]
        if not ok:
            raise value
        return value

    def log(self, text: str) -> None:
        print(f"[{self.accounts:>7,} accounts] {text}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Any], str]  # the measurement's value -> table cell


@dataclass(frozen=True)
class Measurement:
    key: str  # key in the per-size JSON
    run: Callable[[SizeContext], Any]
    columns: tuple[Column, ...] = ()


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


# -- (a) database build ----------------------------------------------------------------------


def measure_build(ctx: SizeContext) -> float:
    """Seconds to build the demo book of this size into a fresh SQLite file (kept for later),
    its schedule computed as `csm demo` does (so start-up reads a current schedule)."""
    from csm_tui.rules import load_rules
    from csm_tui.services.demo_database import rebuild_demo

    path = ctx.workdir / f"book-{ctx.accounts}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    rules = load_rules(None, ctx.workdir / "no-config")  # the shipped rules, as the runs use
    rebuild_demo(path, accounts=ctx.accounts, seed=SEED, today=TODAY, rules=rules)
    seconds = time.perf_counter() - start
    ctx.db_path = path
    return round(seconds, 3)


# -- (b), (c) start to first paint and peak RSS, csm against the bare app --------------------

_SUBTITLE = re.compile(r"\b(\d[\d,]*) to do · ")


def csm_painted(screen: str) -> bool:
    """The triage queue with its rows: the subtitle says "N to do · " (set only once rows are
    in the table), N > 0, and the line under the column headers holds a row."""
    lines = screen.splitlines()
    found = next((m for line in lines[:3] if (m := _SUBTITLE.search(line))), None)
    if found is None or found.group(1).replace(",", "") == "0":
        return False
    for i, line in enumerate(lines[:-1]):
        if "Account" in line and "What" in line:
            return bool(lines[i + 1].strip())
    return False


def bare_painted(screen: str) -> bool:
    from benchmarks.bare_app import FIRST_ROW_MARKER, TITLE

    lines = screen.splitlines()
    return any(TITLE in line for line in lines[:3]) and any(
        FIRST_ROW_MARKER in line for line in lines
    )


def _launch(ctx: SizeContext, name: str, outfile: Path) -> list[str]:
    launcher = [ctx.python, "-m", "benchmarks.peak_rss", str(outfile), "--"]
    if name == "bare":
        return [*launcher, "bare"]
    from csm_tui.services.demo import DEMO_USER_EMAIL

    return [
        *launcher,
        "csm",
        "--db",
        str(ctx.db_path),
        "--today",
        TODAY.isoformat(),
        "--as",
        DEMO_USER_EMAIL,
    ]


def _one(ctx: SizeContext, name: str, tag: str) -> dict[str, Any]:
    outfile = ctx.workdir / f"rss-{name}-{ctx.accounts}-{tag}.txt"
    outfile.unlink(missing_ok=True)
    ready = bare_painted if name == "bare" else csm_painted
    result: ProbeResult = ctx.probe.run(_launch(ctx, name, outfile), ready)
    try:
        kib = int(outfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        kib = None
    return {
        "paint_s": round(result.paint_s, 4),
        "quit_s": round(result.quit_s, 4),
        "peak_rss_mib": None if kib is None else round(kib / 1024, 1),
        "screen": result.screen,
    }


def startup_runs(ctx: SizeContext) -> dict[str, list[dict[str, Any]]]:
    """Interleaved runs (bare, csm, bare, csm...) so both share the machine's noise; the
    warm-up pairs (page cache, .pyc files) are run first and left out."""
    if ctx.db_path is None:
        raise RuntimeError("no database: the build failed")
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "csm": []}
    for i in range(ctx.warmup):
        for name in ("bare", "csm"):
            _one(ctx, name, f"warm{i}")
    for i in range(ctx.repeats):
        for name in ("bare", "csm"):
            run = _one(ctx, name, str(i))
            runs[name].append(run)
            ctx.log(
                f"run {i + 1}/{ctx.repeats} {name:<4} paint {run['paint_s']:.3f} s, "
                f"peak {run['peak_rss_mib']} MiB"
            )
    return runs


def measure_start_to_paint(ctx: SizeContext) -> dict[str, Any]:
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    csm = [r["paint_s"] for r in runs["csm"]]
    bare = [r["paint_s"] for r in runs["bare"]]
    csm_median, bare_median = statistics.median(csm), statistics.median(bare)
    return {
        "csm_median": round(csm_median, 4),
        "bare_median": round(bare_median, 4),
        "ratio": ratio(csm_median, bare_median),
        # The median of the per-pair ratios: steadier than ratio when the load drifts.
        "paired_ratio_median": round(
            statistics.median(c / b for c, b in zip(csm, bare, strict=True)), 3
        ),
        "samples": {"csm": csm, "bare": bare},
        "quit_s": {
            "csm": [r["quit_s"] for r in runs["csm"]],
            "bare": [r["quit_s"] for r in runs["bare"]],
        },
        "first_screen": {"csm": runs["csm"][-1]["screen"], "bare": runs["bare"][-1]["screen"]},
    }


def measure_peak_rss(ctx: SizeContext) -> dict[str, Any]:
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    csm = [r["peak_rss_mib"] for r in runs["csm"] if r["peak_rss_mib"] is not None]
    bare = [r["peak_rss_mib"] for r in runs["bare"] if r["peak_rss_mib"] is not None]
    csm_median = statistics.median(csm) if csm else None
    bare_median = statistics.median(bare) if bare else None
    return {
        "csm": csm_median,
        "bare": bare_median,
        "ratio": ratio(csm_median, bare_median) if csm_median and bare_median else None,
        "samples": {"csm": csm, "bare": bare},
    }


# -- (d) rescheduling the whole book (issue 3) -------------------------------------------------


def measure_reschedule(ctx: SizeContext) -> dict[str, Any]:
    """The bulk recompute that runs when the day or the rules file changes, measured in the
    same run as its baselines: reading every account's facts in one process, and the rules
    engine alone on those facts in one process. Then, as the app runs it
    (`recompute_workers()` processes), twice per repeat: the full recompute (every account
    decided and every row written: the first computation) and the next morning (the day
    moves on by one: only the accounts whose plan ran out are decided and written); then once
    more with every stored plan made to differ from the new one (a reworded reason), as a new
    rules file or engine that moves every account: every plan deleted and written again.
    Medians of `repeats` runs (at most 3 for the slow ones)."""
    from sqlalchemy import delete, update
    from sqlmodel import col

    from csm_tui.domain.engine import decide
    from csm_tui.models import AccountPlan, AppMeta, ScheduledTouch
    from csm_tui.rules import default_rules
    from csm_tui.services.scheduling import bound_decide, recompute_workers
    from csm_tui.store import schedule
    from csm_tui.store.database import Database
    from csm_tui.store.versions import COMPUTED_FOR_KEY, RULES_SHA256_KEY, schedule_stamp

    assert ctx.db_path is not None, "build_s must run first"
    rules = default_rules()
    stamp = schedule_stamp(rules.sha256)
    workers = recompute_workers()
    db = Database.open(ctx.db_path)

    def recompute(day: date, stamp: str = stamp) -> tuple[float, int]:
        start = time.perf_counter()
        decided = schedule.recompute_all(
            db,
            bound_decide(rules, day),
            today=day,
            rules_sha256=stamp,
            workers=workers,
            history_scores=rules.history_scores,
        )
        return time.perf_counter() - start, decided

    reads, engines, fulls, mornings, changed, decided = [], [], [], [], [], []
    try:
        for _ in range(ctx.repeats):
            start = time.perf_counter()
            with db.reading() as session:
                facts = schedule.load_facts(session, today=TODAY)
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            for account in facts:
                decide(account, rules, TODAY)
            engines.append(time.perf_counter() - start)
            del facts
        for _ in range(min(ctx.repeats, 3)):
            with db.writing() as session:  # forget the schedule: the next one starts afresh
                for table in (ScheduledTouch, AccountPlan):
                    session.execute(delete(table))
                session.execute(
                    delete(AppMeta).where(
                        col(AppMeta.key).in_([COMPUTED_FOR_KEY, RULES_SHA256_KEY])
                    )
                )
            fulls.append(recompute(TODAY)[0])
            seconds, count = recompute(TODAY + timedelta(days=1))
            mornings.append(seconds)
            decided.append(count)
            with db.writing() as session:  # every stored plan now differs from the new one
                session.execute(update(ScheduledTouch).values(reason=ScheduledTouch.reason + "."))
            changed.append(recompute(TODAY + timedelta(days=1), stamp=f"{stamp}+moved")[0])
    finally:
        db.dispose()
    read, engine, full, morning, moved = (
        statistics.median(x) for x in (reads, engines, fulls, mornings, changed)
    )
    ctx.log(
        f"reschedule: read {read:.2f} s, engine {engine:.2f} s, next day {morning:.2f} s "
        f"({decided[-1]} accounts decided), full {full:.2f} s, every plan changed "
        f"{moved:.2f} s ({workers} processes)"
    )
    return {
        "read_s": round(read, 3),
        "engine_s": round(engine, 3),
        "engine_to_read": ratio(engine, read),
        "next_day_s": round(morning, 3),
        "next_day_decided": decided[-1],
        "full_s": round(full, 3),
        "all_changed_s": round(moved, 3),
        "workers": workers,
        "samples": {
            "read": reads,
            "engine": engines,
            "full": fulls,
            "next_day": mornings,
            "all_changed": changed,
        },
    }


# -- (e) the triage screen's response times (issue 4) ------------------------------------------


def measure_triage_keys(ctx: SizeContext) -> dict[str, Any]:
    """Cursor move, opening an account and logging a touch, through the app's pilot, on a copy
    of the book (logging writes). See `benchmarks/interactions.py`."""
    import sqlite3

    from benchmarks import interactions
    from csm_tui.services.demo import DEMO_USER_EMAIL

    assert ctx.db_path is not None, "build_s must run first"
    copy = ctx.workdir / f"keys-{ctx.accounts}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    source, target = sqlite3.connect(ctx.db_path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    result = interactions.measure(copy, TODAY, DEMO_USER_EMAIL, ctx.workdir / "no-config")
    ctx.log(
        f"triage keys: cursor {result['cursor_median_ms']} ms, open {result['open_median_ms']}"
        f" ms, open 100-touch {result['heavy_open_median_ms']} ms, log touch "
        f"{result['log_median_ms']} ms"
    )
    return result


# -- conditions of the run ------------------------------------------------------------------


def measure_load(ctx: SizeContext) -> list[float] | None:
    """The 1/5/15-minute load average after this size's runs: above the CPU count, other work
    competed with the benchmark and the seconds (less so the ratios) are inflated."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


# -- the registry ----------------------------------------------------------------------------

MEASUREMENTS: list[Measurement] = [
    Measurement("build_s", measure_build, (Column("build (s)", lambda v: _fmt(v, ".2f")),)),
    Measurement(
        "start_to_paint_s",
        measure_start_to_paint,
        (
            Column("start→paint csm (s)", lambda v: _fmt(v["csm_median"], ".3f")),
            Column("bare (s)", lambda v: _fmt(v["bare_median"], ".3f")),
            Column("ratio", lambda v: _fmt(v["ratio"], ".2f")),
        ),
    ),
    Measurement(
        "peak_rss_mib",
        measure_peak_rss,
        (
            Column("peak RSS csm (MiB)", lambda v: _fmt(v["csm"], ".1f")),
            Column("bare (MiB)", lambda v: _fmt(v["bare"], ".1f")),
            Column("ratio", lambda v: _fmt(v["ratio"], ".2f")),
        ),
    ),
    Measurement(
        "reschedule",
        measure_reschedule,
        (
            Column("read facts (s)", lambda v: _fmt(v["read_s"], ".2f")),
            Column("engine (s)", lambda v: _fmt(v["engine_s"], ".2f")),
            Column("engine/read", lambda v: _fmt(v["engine_to_read"], ".2f")),
            Column("next day (s)", lambda v: _fmt(v["next_day_s"], ".2f")),
            Column("decided", lambda v: f"{v['next_day_decided']:,}"),
            Column("full (s)", lambda v: _fmt(v["full_s"], ".2f")),
            Column("all changed (s)", lambda v: _fmt(v.get("all_changed_s"), ".2f")),
            Column("processes", lambda v: str(v.get("workers", 1))),
        ),
    ),
    Measurement(
        "triage_keys_ms",
        measure_triage_keys,
        (
            Column("cursor (ms)", lambda v: _fmt(v["cursor_median_ms"], ".1f")),
            Column("open account (ms)", lambda v: _fmt(v["open_median_ms"], ".1f")),
            Column("open 100-touch (ms)", lambda v: _fmt(v.get("heavy_open_median_ms"), ".1f")),
            Column("log touch (ms)", lambda v: _fmt(v["log_median_ms"], ".1f")),
        ),
    ),
    Measurement("load_avg_after", measure_load),  # JSON only, no column
]
