"""Every figure the benchmark reports, one small function each, registered in MEASUREMENTS.

To add a figure: write `def measure_something(ctx: SizeContext) -> value` (any JSON value;
a number, or a dict of numbers), then append one `Measurement(...)` to MEASUREMENTS with the
key it gets in the results JSON and the column(s) it adds to the markdown table. Measurements
run in list order for every size; a later one can read `ctx.results[key]` of an earlier one
or share expensive runs with `ctx.once(name, fn)` (as start-to-paint and peak RSS do).
`GROUPS` names sets of figures for `--only`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.painted import bare_painted, own_painted, team_painted
from benchmarks.tmux_probe import ProbeError, ProbeResult, TmuxProbe

TODAY = date(2026, 11, 23)
SEED = 7
REPO = Path(__file__).resolve().parent.parent
#: The budgets of issue 17: the team's queue against the CSM's own, measured in the same runs.
TEAM_PAINT_BUDGET = 2.0  # team start→paint ≤ 2x own
TEAM_RSS_BUDGET = 2.0  # team peak RSS < 2x own
STALL_BUDGET_MS = 100.0  # no event-loop stall over 100 ms


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
    book: Path | None = None  # an existing book to copy instead of building one (--book)
    timeout_s: float = 90.0  # for each program's paint (--timeout)
    selected: frozenset[str] = frozenset()  # the measurements of this run (--only)
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

    @property
    def with_team(self) -> bool:
        """Whether the start-up runs include the team's queue (a figure of it is measured)."""
        return bool(self.selected & {"team_start_to_paint_s", "team_peak_rss_mib"})


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Any], str]  # the measurement's value -> table cell


@dataclass(frozen=True)
class Measurement:
    key: str  # key in the per-size JSON
    run: Callable[[SizeContext], Any]
    columns: tuple[Column, ...] = ()
    needs_book: bool = True  # False: runs without the demo book (`--only` then skips the build)


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _fmt(value: Any, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def _at_least(value: Any, spec: str, censored: bool) -> str:
    """A median that some run did not reach in time is a lower bound: "≥90.0"."""
    return ("≥" if censored and value is not None else "") + _fmt(value, spec)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "yes" if ok else "NO"


def within(value: float | None, budget: float, *, lower_bound: bool, strict: bool) -> bool | None:
    """Whether a ratio meets its budget (`<` if strict, else `≤`); None when unknown: no value,
    or a lower bound (a run stopped at the timeout) that does not already exceed it."""
    if value is None:
        return None
    ok = value < budget if strict else value <= budget
    return None if ok and lower_bound else ok


def censored_median(values: list[float | None], timeouts: list[bool], limit: float) -> dict:
    """The median of samples where a run that timed out counts as `limit` (it took at least
    that long) and a run that failed otherwise is left out. `censored`: the median is such a
    lower bound (a timed-out run is at or above the middle)."""
    kept: list[tuple[float, bool]] = []
    for value, timed_out in zip(values, timeouts, strict=True):
        if timed_out:
            kept.append((limit, True))
        elif value is not None:
            kept.append((value, False))
    kept.sort()
    if not kept:
        return {"median": None, "censored": False}
    middle = (len(kept) - 1) // 2, len(kept) // 2
    median = statistics.median(value for value, _ in kept)
    return {"median": round(median, 4), "censored": any(kept[i][1] for i in middle)}


# -- (a) database build ----------------------------------------------------------------------


def measure_build(ctx: SizeContext) -> float | dict[str, Any]:
    """Seconds to build the demo book of this size into a fresh SQLite file (kept for later),
    its schedule computed as `csm demo` does (so start-up reads a current schedule). With
    `--book N=PATH`, a copy of that book instead (see `reuse_book`)."""
    from csm_tui.rules import load_rules
    from csm_tui.services.demo_database import rebuild_demo

    path = ctx.workdir / f"book-{ctx.accounts}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if ctx.book is not None:
        return reuse_book(ctx, path)
    start = time.perf_counter()
    rules = load_rules(None, ctx.workdir / "no-config")  # the shipped rules, as the runs use
    rebuild_demo(path, accounts=ctx.accounts, seed=SEED, today=TODAY, rules=rules)
    seconds = time.perf_counter() - start
    ctx.db_path = path
    return round(seconds, 3)


def reuse_book(ctx: SizeContext, path: Path) -> dict[str, Any]:
    """Copy an existing book (SQLite's online backup, the original opened read-only: it is
    never written) and bring the copy's schedule up to date for this csm-tui, as its first
    start would (`csm queue` recomputes a schedule made for another day, rules file or
    engine): a book built by another checkout would otherwise be rescheduled behind the
    first measured run's back. The runs write to the copy (visits, logged touches)."""
    from csm_tui.services.demo import DEMO_USER_EMAIL

    assert ctx.book is not None
    start = time.perf_counter()
    source = sqlite3.connect(f"file:{ctx.book}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    try:
        (accounts,) = source.execute("SELECT count(*) FROM account").fetchone()
        if accounts != ctx.accounts:
            raise ValueError(f"{ctx.book} holds {accounts:,} accounts, not {ctx.accounts:,}")
        source.backup(target)
    finally:
        target.close()
        source.close()
    copied = time.perf_counter() - start
    start = time.perf_counter()
    subprocess.run(
        [
            ctx.python,
            "-m",
            "csm_tui",
            *("--db", str(path), "--today", TODAY.isoformat(), "--as", DEMO_USER_EMAIL),
            *("queue", "--format", "json"),
        ],
        env=ctx.probe.env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    ctx.db_path = path
    return {
        "reused": str(ctx.book),
        "copy_s": round(copied, 3),
        "schedule_s": round(time.perf_counter() - start, 3),
    }


# -- (b), (c) start to first paint and peak RSS, csm against the bare app --------------------


def csm_painted(screen: str) -> bool:
    """The CSM's own queue with its rows (`benchmarks.painted.own_painted`)."""
    return own_painted(screen)


#: What each program of the start-up runs waits for. csm runs as the demo CSM (`--as`): her
#: own queue; team runs without `--as`: the team's queue.
READY = {"bare": bare_painted, "csm": own_painted, "team": team_painted}


def _launch(ctx: SizeContext, name: str, outfile: Path) -> list[str]:
    launcher = [ctx.python, "-m", "benchmarks.peak_rss", str(outfile), "--"]
    if name == "bare":
        return [*launcher, "bare"]
    from csm_tui.services.demo import DEMO_USER_EMAIL

    csm = [*launcher, "csm", "--db", str(ctx.db_path), "--today", TODAY.isoformat()]
    return csm if name == "team" else [*csm, "--as", DEMO_USER_EMAIL]


def _rss_file(outfile: Path) -> int | None:
    try:
        return int(outfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _one(ctx: SizeContext, name: str, tag: str) -> dict[str, Any]:
    """One run; a run that fails (exits, or does not paint or quit within the timeout) is a
    failed sample, with its error and last screen, not a failed figure."""
    outfile = ctx.workdir / f"rss-{name}-{ctx.accounts}-{tag}.txt"
    outfile.unlink(missing_ok=True)
    try:
        result: ProbeResult = ctx.probe.run(
            _launch(ctx, name, outfile), READY[name], timeout_s=ctx.timeout_s
        )
    except ProbeError as error:
        kib = _rss_file(outfile)
        lower = kib is None and error.peak_kib is not None  # read while it still ran
        kib = kib if kib is not None else error.peak_kib
        return {
            "paint_s": None if error.paint_s is None else round(error.paint_s, 4),
            "quit_s": None,
            "peak_rss_mib": None if kib is None else round(kib / 1024, 1),
            "peak_rss_lower_bound": lower,
            "timed_out": error.timed_out and error.paint_s is None,
            "error": str(error).split("\n", 1)[0],
            "screen": error.screen,
        }
    kib = _rss_file(outfile)
    return {
        "paint_s": round(result.paint_s, 4),
        "quit_s": round(result.quit_s, 4),
        "peak_rss_mib": None if kib is None else round(kib / 1024, 1),
        "screen": result.screen,
    }


def startup_runs(ctx: SizeContext) -> dict[str, list[dict[str, Any]]]:
    """Interleaved runs (bare, csm, team, bare, csm, team...) so all share the machine's
    noise; the warm-up pairs (page cache, .pyc files) are run first and left out. The team's
    queue runs only when one of its figures is measured, and has no warm-up run (the book's
    pages are cached by the build or copy, the code by the csm warm-up)."""
    if ctx.db_path is None:
        raise RuntimeError("no database: the build failed")
    names = ("bare", "csm", "team") if ctx.with_team else ("bare", "csm")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(ctx.warmup):
        for name in ("bare", "csm"):
            _one(ctx, name, f"warm{i}")
    for i in range(ctx.repeats):
        for name in names:
            run = _one(ctx, name, str(i))
            runs[name].append(run)
            paint = "failed" if run["paint_s"] is None else f"{run['paint_s']:.3f} s"
            ctx.log(
                f"run {i + 1}/{ctx.repeats} {name:<4} paint {paint}, "
                f"peak {run['peak_rss_mib']} MiB" + (f" ({run['error']})" if "error" in run else "")
            )
    return runs


def _paints(ctx: SizeContext, runs: list[dict[str, Any]]) -> dict:
    return censored_median(
        [r["paint_s"] for r in runs], [bool(r.get("timed_out")) for r in runs], ctx.timeout_s
    )


def _failures(runs: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [
        {"program": name, "run": i, "error": r["error"], "screen": r["screen"]}
        for name, rs in runs.items()
        for i, r in enumerate(rs)
        if "error" in r
    ]


def measure_start_to_paint(ctx: SizeContext) -> dict[str, Any]:
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    csm, bare = _paints(ctx, runs["csm"]), _paints(ctx, runs["bare"])
    if csm["median"] is None or bare["median"] is None:
        raise RuntimeError(f"no run painted: {_failures(runs)[:1]}")
    pairs = [
        (c["paint_s"], b["paint_s"])
        for c, b in zip(runs["csm"], runs["bare"], strict=True)
        if c["paint_s"] is not None and b["paint_s"] is not None
    ]
    value = {
        "csm_median": csm["median"],
        "bare_median": bare["median"],
        "censored": csm["censored"] or bare["censored"],
        "ratio": ratio(csm["median"], bare["median"]),
        # The median of the per-pair ratios: steadier than ratio when the load drifts.
        "paired_ratio_median": round(statistics.median(c / b for c, b in pairs), 3)
        if pairs
        else None,
        "samples": {
            "csm": [r["paint_s"] for r in runs["csm"]],
            "bare": [r["paint_s"] for r in runs["bare"]],
        },
        "quit_s": {
            "csm": [r["quit_s"] for r in runs["csm"]],
            "bare": [r["quit_s"] for r in runs["bare"]],
        },
        "first_screen": {"csm": runs["csm"][-1]["screen"], "bare": runs["bare"][-1]["screen"]},
    }
    failures = [f for f in _failures(runs) if f["program"] != "team"]
    return {**value, "failures": failures} if failures else value


def _peaks(runs: list[dict[str, Any]]) -> list[float]:
    return [r["peak_rss_mib"] for r in runs if r["peak_rss_mib"] is not None]


def measure_peak_rss(ctx: SizeContext) -> dict[str, Any]:
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    csm, bare = _peaks(runs["csm"]), _peaks(runs["bare"])
    csm_median = round(statistics.median(csm), 1) if csm else None
    bare_median = round(statistics.median(bare), 1) if bare else None
    return {
        "csm": csm_median,
        "bare": bare_median,
        "ratio": ratio(csm_median, bare_median) if csm_median and bare_median else None,
        "samples": {"csm": csm, "bare": bare},
    }


# -- (f) the team's queue beside the CSM's own (issue 17) --------------------------------------


def measure_team_start_to_paint(ctx: SizeContext) -> dict[str, Any]:
    """The team's queue (csm without `--as`) from spawn to its rows painted, in the same
    interleaved runs as the CSM's own queue and the bare app. A run that does not paint within
    `--timeout` counts as the timeout (the median is then a lower bound: `censored`)."""
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    if "team" not in runs:
        raise RuntimeError("the start-up runs were made without the team's queue")
    team, own, bare = (_paints(ctx, runs[name]) for name in ("team", "csm", "bare"))
    team_to_own = ratio(team["median"], own["median"]) if team["median"] and own["median"] else None
    own_to_bare = ratio(own["median"], bare["median"]) if own["median"] and bare["median"] else None
    pairs = [
        (t["paint_s"], o["paint_s"])
        for t, o in zip(runs["team"], runs["csm"], strict=True)
        if t["paint_s"] is not None and o["paint_s"] is not None
    ]
    value: dict[str, Any] = {
        "team_median": team["median"],
        "own_median": own["median"],
        "bare_median": bare["median"],
        "team_censored": team["censored"],
        "team_to_own": team_to_own,
        "own_to_bare": own_to_bare,
        "team_to_bare": ratio(team["median"], bare["median"])
        if team["median"] and bare["median"]
        else None,
        "paired_team_to_own_median": round(statistics.median(t / o for t, o in pairs), 3)
        if pairs
        else None,
        "budget": TEAM_PAINT_BUDGET,
        "within_budget": within(
            team_to_own, TEAM_PAINT_BUDGET, lower_bound=team["censored"], strict=False
        ),
        "timeout_s": ctx.timeout_s,
        "samples": {name: [r["paint_s"] for r in runs[key]] for name, key in _NAMES},
        "timed_out": [bool(r.get("timed_out")) for r in runs["team"]],
        "quit_s": [r["quit_s"] for r in runs["team"]],
        "first_screen": runs["team"][-1]["screen"],
    }
    failures = [f for f in _failures(runs) if f["program"] == "team"]
    return {**value, "failures": failures} if failures else value


_NAMES = (("team", "team"), ("own", "csm"), ("bare", "bare"))


def measure_team_peak_rss(ctx: SizeContext) -> dict[str, Any]:
    """Peak RSS of the team's queue beside the CSM's own, same runs. A run that did not finish
    in time gives the peak it had reached when it was stopped (a lower bound, flagged)."""
    runs = ctx.once("startup", lambda: startup_runs(ctx))
    if "team" not in runs:
        raise RuntimeError("the start-up runs were made without the team's queue")
    team, own, bare = _peaks(runs["team"]), _peaks(runs["csm"]), _peaks(runs["bare"])
    team_median = round(statistics.median(team), 1) if team else None
    own_median = round(statistics.median(own), 1) if own else None
    bare_median = round(statistics.median(bare), 1) if bare else None
    team_to_own = ratio(team_median, own_median) if team_median and own_median else None
    lower = any(r.get("peak_rss_lower_bound") for r in runs["team"])
    return {
        "team": team_median,
        "own": own_median,
        "bare": bare_median,
        "team_to_own": team_to_own,
        "team_to_bare": ratio(team_median, bare_median) if team_median and bare_median else None,
        "budget": TEAM_RSS_BUDGET,
        "within_budget": within(team_to_own, TEAM_RSS_BUDGET, lower_bound=lower, strict=True),
        "lower_bound": lower,
        "samples": {name: [r["peak_rss_mib"] for r in runs[key]] for name, key in _NAMES},
    }


def _toggle_run(ctx: SizeContext, scenario: str, tag: str) -> dict[str, Any]:
    """One headless session (`benchmarks/team_toggle.py`) in its own process, so that a stuck
    event loop cannot hang the benchmark: it is killed after a bound on all its waits."""
    from benchmarks import loop_probe
    from csm_tui.services.demo import DEMO_USER_EMAIL

    out = ctx.workdir / f"toggle-{scenario}-{ctx.accounts}-{tag}.json"
    log = out.with_suffix(".log")
    out.unlink(missing_ok=True)
    target = ["bare"]
    if scenario != "bare":
        target = ["csm", "--db", str(ctx.db_path), "--today", TODAY.isoformat()]
        if scenario == "mine":
            target += ["--as", DEMO_USER_EMAIL]
    # The first read (before the loop), three paints, the settling after each phase, quitting.
    limit = 4 * ctx.timeout_s + 5 * loop_probe.SETTLE_MAX_S + 60
    argv = [ctx.python, "-m", "benchmarks.team_toggle", str(out), "--timeout", str(ctx.timeout_s)]
    start = time.perf_counter()
    problem = None
    with log.open("w") as handle:
        try:
            done = subprocess.run(
                [*argv, "--", *target],
                env=ctx.probe.env,
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=limit,
            )
            if done.returncode != 0:
                problem = f"exit status {done.returncode}"
        except subprocess.TimeoutExpired:
            problem = f"killed after {limit:.0f} s"
    try:
        result: dict[str, Any] = json.loads(out.read_text())
    except (OSError, ValueError):
        result = {"scenario": scenario, "phases": [], "error": "no results written"}
    result["wall_s"] = round(time.perf_counter() - start, 2)
    if problem is not None:
        tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        result["error"] = "; ".join(filter(None, [result.get("error"), problem, *tail]))
    return result


def _phase(run: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((p for p in run.get("phases", []) if p["name"] == name), None)


def _toggle_paints(ctx: SizeContext, runs: list[dict[str, Any]], name: str) -> dict:
    """The paint of phase `name` in each run; a phase that timed out counts as the timeout."""
    values: list[float | None] = []
    timeouts: list[bool] = []
    for run in runs:
        phase = _phase(run, name)
        values.append(None if phase is None else phase.get("paint_s"))
        timeouts.append(
            phase is not None
            and phase.get("paint_s") is None
            and str(run.get("error") or "").startswith(f"{name}:")
        )
    return {**censored_median(values, timeouts, ctx.timeout_s), "samples": values}


def measure_team_toggle(ctx: SizeContext) -> dict[str, Any]:
    """`t` (mine/team) and the event loop's longest stall, in-process and headless (see
    `benchmarks/loop_probe.py`). Per repeat, interleaved: the bare app (start, cursor), the
    CSM (start as her, cursor, `t` to the team, cursor, `t` back) and the team (start without
    `--as`, cursor). The stall figures are over every phase of the csm sessions; the bare
    app's start-up is the floor any Textual app pays."""
    if ctx.db_path is None:
        raise RuntimeError("no database: the build failed")
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "mine": [], "team": []}
    for i in range(ctx.repeats):
        for scenario in runs:
            run = _toggle_run(ctx, scenario, str(i))
            runs[scenario].append(run)
            ctx.log(
                f"toggle run {i + 1}/{ctx.repeats} {scenario:<4} "
                + ", ".join(
                    f"{p['name']}"
                    + (f" {p['paint_s']:.3f} s" if p.get("paint_s") is not None else "")
                    + f" stall {p['stall_max_ms']} ms"
                    for p in run.get("phases", [])
                )
                + (f" ERROR {run['error']}" if run.get("error") else "")
            )
    to_team = _toggle_paints(ctx, runs["mine"], "t → team")
    to_mine = _toggle_paints(ctx, runs["mine"], "t → mine")
    worst: tuple[float, str] | None = None
    by_phase: dict[str, float] = {}
    for scenario in ("mine", "team"):
        for run in runs[scenario]:
            for phase in run.get("phases", []):
                if phase.get("stall_max_ms") is None:
                    continue
                where = f"{scenario}: {phase['name']}"
                by_phase[where] = max(by_phase.get(where, 0.0), phase["stall_max_ms"])
                if worst is None or phase["stall_max_ms"] > worst[0]:
                    worst = (phase["stall_max_ms"], phase["name"])
    p99s = [
        run["stall_p99_ms"]
        for scenario in ("mine", "team")
        for run in runs[scenario]
        if run.get("stall_p99_ms") is not None
    ]
    bare_start = [
        phase["stall_max_ms"]
        for run in runs["bare"]
        if (phase := _phase(run, "start (bare)")) is not None
        and phase.get("stall_max_ms") is not None
    ]
    errors = [
        {"scenario": scenario, "run": i, "error": run["error"]}
        for scenario, rs in runs.items()
        for i, run in enumerate(rs)
        if run.get("error")
    ]
    complete = not any(e["scenario"] != "bare" for e in errors)
    stall_max = None if worst is None else worst[0]
    cursor = [
        ms
        for run in runs["mine"] + runs["team"]
        if (phase := _phase(run, "cursor (team)")) is not None
        for ms in phase.get("frame_ms", [])
        if ms is not None
    ]
    return {
        "to_team_median_s": to_team["median"],
        "to_team_censored": to_team["censored"],
        "to_mine_median_s": to_mine["median"],
        "to_mine_censored": to_mine["censored"],
        "stall_max_ms": stall_max,
        "stall_max_in": None if worst is None else worst[1],
        # The worst run's 99th percentile of the heartbeat's lateness (all its phases).
        "stall_p99_ms": max(p99s) if p99s else None,
        "stall_max_by_phase_ms": by_phase,
        "bare_start_stall_ms": max(bare_start) if bare_start else None,
        "budget_ms": STALL_BUDGET_MS,
        "within_budget": None if stall_max is None else complete and stall_max <= STALL_BUDGET_MS,
        "cursor_team_frame_median_ms": round(statistics.median(cursor), 2) if cursor else None,
        "timeout_s": ctx.timeout_s,
        "samples": {"to_team_s": to_team["samples"], "to_mine_s": to_mine["samples"]},
        "errors": errors,
        "runs": runs,
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
    from csm_tui.store.database import Database
    from csm_tui.store.facts import load_facts
    from csm_tui.store.recompute import recompute_all
    from csm_tui.store.versions import COMPUTED_FOR_KEY, RULES_SHA256_KEY, schedule_stamp

    assert ctx.db_path is not None, "build_s must run first"
    rules = default_rules()
    stamp = schedule_stamp(rules.sha256)
    workers = recompute_workers()
    db = Database.open(ctx.db_path)

    def recompute(day: date, stamp: str = stamp) -> tuple[float, int]:
        start = time.perf_counter()
        decided = recompute_all(
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
                facts = load_facts(session, today=TODAY)
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


# -- (f) importing a CRM export (issue 18) -----------------------------------------------------

IMPORT_HEADER = (
    "external_id,name,segment,priority,arr,owner_email,ae,contract_start,renewal_date,"
    "go_live_date,health_score,lifecycle_stage"
)


def write_accounts_csv(path: Path, accounts: int) -> None:
    """An accounts export of every column csm reads, the same for the same size: 50 CSMs,
    ISO dates, a health score on most accounts (each is also that day's health snapshot)."""
    import random

    rng = random.Random(SEED)
    segments = ("enterprise", "commercial", "mid-market", "smb", "scale")
    stages = ("onboard", "enable", "expand", "optimize-renew")
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(IMPORT_HEADER + "\n")
        for n in range(accounts):
            start = date(2023, 1, 2) + timedelta(days=rng.randrange(900))
            renewal = start + timedelta(days=365 * rng.randint(1, 3))
            live = start + timedelta(days=rng.randrange(30, 120))
            score = "" if n % 10 == 0 else str(rng.randint(25, 100))
            out.write(
                f'ACC-{n:07d},"Account {n}, Inc.",{rng.choice(segments)},pr{rng.randint(1, 3)},'
                f"{rng.randint(5, 2_000) * 1000},csm{n % 50}@example.com,AE {n % 30},"
                f"{start},{renewal},{live},{score},{rng.choice(stages)}\n"
            )


def measure_import(ctx: SizeContext) -> dict[str, Any]:
    """`csm import accounts` of a file of N accounts into an empty book (a migrated SQLite
    file), with the reschedule the import brings, as the command runs it
    (`services.import_run.run_import`); then the same file again into that book (every account
    updated, rescheduled). The baseline, measured beside them: the same file read into
    dicts by `csv.DictReader` alone. Rows per second are N over the median wall time; the
    JSON also has the first import's CPU time and its phases (reading the file, writing,
    rescheduling: from the command's progress hook)."""
    import csv
    import shutil

    from csm_tui.domain.import_columns import ImportKind
    from csm_tui.rules import load_rules
    from csm_tui.services.import_run import ImportRequest, run_import
    from csm_tui.store.database import Database
    from csm_tui.store.migrate import ensure_current

    folder = ctx.workdir / "import"
    folder.mkdir(exist_ok=True)
    export = folder / "accounts.csv"
    write_accounts_csv(export, ctx.accounts)
    empty = folder / "empty.db"
    db = Database.open(empty)
    try:
        ensure_current(db)
    finally:
        db.dispose()
    rules = load_rules(None, ctx.workdir / "no-config")
    request = ImportRequest(ImportKind.ACCOUNTS, export)
    baseline, created, updated, cpu = [], [], [], []
    phases: dict[str, list[float]] = {}

    def timed(target: str) -> float:
        """Seconds of one import, each phase's kept (from the command's progress hook)."""
        marks: list[tuple[str, float]] = []

        def progress(phase: str, _done: int, _total: int | None) -> None:
            if not marks or marks[-1][0] != phase:
                marks.append((phase, time.perf_counter()))

        start, used = time.perf_counter(), time.process_time()
        marks.append(("reading", start))  # the file read, checked, and the book opened
        summary = run_import(target, rules, TODAY, request, progress=progress)
        end = time.perf_counter()
        assert summary.created + summary.updated == ctx.accounts, summary
        if summary.created:
            cpu.append(time.process_time() - used)
            marks.append(("end", end))
            for (phase, at), (_next, until) in zip(marks, marks[1:], strict=False):
                phases.setdefault(phase, []).append(until - at)
        return end - start

    for n in range(ctx.repeats):
        start = time.perf_counter()
        with export.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        baseline.append(time.perf_counter() - start)
        del rows
        book = folder / f"book-{n}.db"
        shutil.copy(empty, book)
        created.append(timed(str(book)))
        updated.append(timed(str(book)))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{book}{suffix}").unlink(missing_ok=True)
        ctx.log(
            f"import {n + 1}/{ctx.repeats}: DictReader {baseline[-1]:.2f} s, created "
            f"{created[-1]:.2f} s, updated {updated[-1]:.2f} s"
        )
    read, new, again_s = (statistics.median(x) for x in (baseline, created, updated))
    return {
        "dictreader_s": round(read, 3),
        "created_s": round(new, 3),
        "created_rows_per_s": round(ctx.accounts / new),
        "created_to_dictreader": ratio(new, read),
        "created_cpu_s": round(statistics.median(cpu), 3),
        "created_phases_s": {
            phase: round(statistics.median(seconds), 3) for phase, seconds in phases.items()
        },
        "updated_s": round(again_s, 3),
        "updated_rows_per_s": round(ctx.accounts / again_s),
        "samples": {"dictreader": baseline, "created": created, "updated": updated, "cpu": cpu},
    }


# -- conditions of the run ------------------------------------------------------------------


def measure_load(ctx: SizeContext) -> list[float] | None:
    """The 1/5/15-minute load average after this size's runs: above the CPU count, other work
    competed with the benchmark and the seconds (less so the ratios) are inflated."""
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


# -- the registry ----------------------------------------------------------------------------

MEASUREMENTS: list[Measurement] = [
    Measurement(
        "build_s",
        measure_build,
        (Column("build (s)", lambda v: "copied" if isinstance(v, dict) else _fmt(v, ".2f")),),
    ),
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
    Measurement(
        "team_start_to_paint_s",
        measure_team_start_to_paint,
        (
            Column(
                "team start→paint (s)",
                lambda v: _at_least(v["team_median"], ".3f", v["team_censored"]),
            ),
            Column("team/own", lambda v: _at_least(v["team_to_own"], ".2f", v["team_censored"])),
            Column("≤2x own", lambda v: _verdict(v["within_budget"])),
        ),
    ),
    Measurement(
        "team_peak_rss_mib",
        measure_team_peak_rss,
        (
            Column("team peak RSS (MiB)", lambda v: _at_least(v["team"], ".1f", v["lower_bound"])),
            Column("team/own", lambda v: _at_least(v["team_to_own"], ".2f", v["lower_bound"])),
            Column("<2x own", lambda v: _verdict(v["within_budget"])),
        ),
    ),
    Measurement(
        "team_toggle",
        measure_team_toggle,
        (
            Column(
                "t→team (s)",
                lambda v: _at_least(v["to_team_median_s"], ".3f", v["to_team_censored"]),
            ),
            Column(
                "t→mine (s)",
                lambda v: _at_least(v["to_mine_median_s"], ".3f", v["to_mine_censored"]),
            ),
            Column("stall max (ms)", lambda v: _fmt(v["stall_max_ms"], ".0f")),
            Column("in", lambda v: v["stall_max_in"] or "n/a"),
            Column("stall p99 (ms)", lambda v: _fmt(v["stall_p99_ms"], ".0f")),
            Column("bare start stall (ms)", lambda v: _fmt(v["bare_start_stall_ms"], ".0f")),
            Column("≤100 ms", lambda v: _verdict(v["within_budget"])),
        ),
    ),
    Measurement(
        "import",
        measure_import,
        (
            Column("DictReader (s)", lambda v: _fmt(v["dictreader_s"], ".2f")),
            Column("import (s)", lambda v: _fmt(v["created_s"], ".2f")),
            Column("rows/s", lambda v: f"{v['created_rows_per_s']:,}"),
            Column("import/DictReader", lambda v: _fmt(v["created_to_dictreader"], ".1f")),
            Column("re-import (s)", lambda v: _fmt(v["updated_s"], ".2f")),
            Column("rows/s", lambda v: f"{v['updated_rows_per_s']:,}"),
        ),
        needs_book=False,
    ),
    Measurement("load_avg_after", measure_load, needs_book=False),  # JSON only, no column
]

#: Names for `--only` besides the keys: the figures of issue 17 with the runs they share.
GROUPS: dict[str, tuple[str, ...]] = {
    "team": (
        "start_to_paint_s",
        "peak_rss_mib",
        "team_start_to_paint_s",
        "team_peak_rss_mib",
        "team_toggle",
    ),
}
#: Measured whatever `--only` says: the book, and the conditions of the run.
ALWAYS = ("build_s", "load_avg_after")
