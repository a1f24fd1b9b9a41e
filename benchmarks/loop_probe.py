"""A headless Textual driver that drives a scripted session and measures the event loop.

Not used directly: `benchmarks/team_toggle.py` names it in `TEXTUAL_DRIVER` (Textual's own
setting for the driver class) and runs the program through its command line, so the app is
built and started exactly as a user starts it. The driver shows a screen of 120x40 cells and
writes nothing; when Textual starts it (after reading the CSS, before composing the screen),
it puts two things on the app's event loop:

- the **heartbeat**: a callback the loop is asked to run `BEAT_S` (5 ms) after the last time
  it ran (`call_later`); each run records how late it came (`now - when it was due`). The
  loop runs callbacks one after the other, so a wake-up is late by as long as the loop was
  held by other work (a handler, a layout, a render, the garbage collector, waiting for the
  interpreter lock while a worker thread holds it, or for a core the machine gave to another
  process). Textual draws a frame only from the loop, so while the heartbeat is late no
  frame can be drawn either: its largest lateness is the longest gap between two frames that
  the app imposed, whether or not it had something to draw. It can read short by up to
  `BEAT_S`, when the stall began just after a wake-up.
- the **script** (a task): keys sent as a terminal driver sends them
  (`Driver.process_message`), each screen update watched through `App.post_display_hook`,
  and the screen's text (the compositor's lines, what a terminal would show) matched against
  `benchmarks.painted`.

The script depends on the scenario (`Config.scenario`):

- `mine` (csm with `--as`): start until the CSM's own queue is painted; `CURSOR_MOVES` cursor
  moves (`down`, `CURSOR_GAP_S` apart, each timed to the next frame); `t` until the team's
  rows are painted; cursor moves; `t` until her own queue is back;
- `team` (csm without `--as`): start until the team's queue is painted; cursor moves;
- `bare` (the bare app): start until painted; cursor moves.

After each phase the script waits for the app's workers to finish (at most `SETTLE_MAX_S`) and
`QUIET_S` more, and that time belongs to the phase: work a key starts in the background is the
key's. Each phase records its heartbeat (max and 99th percentile of the lateness, wake-ups
later than 100 ms), its frames (count and longest gap between two, which includes time with
nothing to draw) and, for a paint, the seconds from the key (or the driver's start) to the
first frame that shows the result. The results are written to `Config.out` after every phase,
so a run stopped from outside keeps what it measured.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Size

from benchmarks.painted import HEADER_LINES, VIEWS, View

WIDTH, HEIGHT = 120, 40
BEAT_S = 0.005
CURSOR_MOVES = 5
CURSOR_GAP_S = 0.1  # between two moves: longer than the triage screen's panel delay (80 ms)
FRAME_WAIT_S = 5.0  # a cursor move's frame
QUIET_S = 0.3
SETTLE_MAX_S = 30.0
STALL_MS = 100.0  # the budget: wake-ups later than this are counted per phase


@dataclass
class Config:
    out: Path
    scenario: str  # "mine", "team" or "bare"
    timeout_s: float  # for each paint


#: Set by `team_toggle.main` before the program starts.
CONFIG: Config | None = None


class PaintTimeout(Exception):
    pass


#: When the heartbeat last ran (`benchmarks.team_toggle --stacks` samples stalls by it).
last_beat = 0.0


class _Heartbeat:
    """A callback that the loop should run every BEAT_S; it notes how late it runs.

    Scheduled with `call_later` from the driver's start, before Textual composes and mounts
    the screen, so the first wake-up's lateness is that of the start-up's first stretch."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.beats: list[tuple[float, float]] = []  # (when due, lateness), seconds
        self._loop = loop
        self._handle: asyncio.TimerHandle | None = None
        self._schedule()

    def _schedule(self) -> None:
        self._handle = self._loop.call_later(BEAT_S, self._beat, time.perf_counter() + BEAT_S)

    def _beat(self, due: float) -> None:
        global last_beat
        last_beat = time.perf_counter()
        self.beats.append((due, last_beat - due))
        self._schedule()

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()


class _Frames:
    """Screen updates, and a wait for the first one that shows a view.

    The check runs on the loop, right after the frame: it renders the header lines alone
    (a fraction of a millisecond) and the whole screen only once those say the view is there;
    its longest time is reported (`check_ms_max`), as it is counted in the stalls."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self.times: list[float] = []
        self.check_s_max = 0.0
        self._want: View | None = None
        self._found: asyncio.Future[float] | None = None
        hook = app.post_display_hook

        def watched() -> None:
            hook()
            now = time.perf_counter()
            self.times.append(now)
            found = self._found
            if found is None or found.done():
                return
            if self._want is None:
                found.set_result(now)
                return
            begin = time.perf_counter()
            shown = self.shows(self._want)
            self.check_s_max = max(self.check_s_max, time.perf_counter() - begin)
            if shown:
                found.set_result(now)

        app.post_display_hook = watched  # type: ignore[method-assign]

    def text(self, lines: int = HEIGHT) -> str:
        """The screen's first `lines` lines as a terminal shows them."""
        strips = self.app.screen._compositor.render_strips(Size(WIDTH, lines))
        return "\n".join(strip.text for strip in strips)

    def shows(self, view: View) -> bool:
        return view.header(self.text(HEADER_LINES)) and view.painted(self.text())

    async def wait(self, want: View | None, timeout_s: float) -> float:
        """The time of the first frame from now on that shows `want` (any frame if None)."""
        self._want = want
        self._found = asyncio.get_running_loop().create_future()
        if want is not None and self.times and self.shows(want):  # already on screen
            self._found.set_result(time.perf_counter())
        try:
            return await asyncio.wait_for(self._found, timeout_s)
        except TimeoutError:
            raise PaintTimeout(f"not shown within {timeout_s:.0f} s") from None
        finally:
            self._want = self._found = None


@dataclass
class _Phase:
    name: str
    start: float
    end: float | None = None
    result: dict[str, Any] = field(default_factory=dict)


class _Session:
    def __init__(self, app: App[Any], driver: ProbeDriver, config: Config) -> None:
        self.app, self.driver, self.config = app, driver, config
        self.heartbeat = _Heartbeat(asyncio.get_running_loop())
        self.frames = _Frames(app)
        self.started = time.perf_counter()
        self.phases: list[_Phase] = []
        self.error: str | None = None

    # -- the script ------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            scenario = self.config.scenario
            start_view = {"mine": "own", "team": "team", "bare": "bare"}[scenario]
            await self.phase(
                f"start ({start_view})", self.paint(None, start_view, since=self.started)
            )
            await self.phase(f"cursor ({start_view})", self.cursor_moves())
            if scenario == "mine":
                await self.phase("t → team", self.paint("t", "team"))
                await self.phase("cursor (team)", self.cursor_moves())
                await self.phase("t → mine", self.paint("t", "own"))
        except PaintTimeout as timeout:
            self.error = f"{self.phases[-1].name}: {timeout}"
        except Exception as error:  # reported in the results, never a hang
            self.error = f"{type(error).__name__}: {error}"
        finally:
            self.heartbeat.stop()
            self.write()
            self.app.exit()

    async def phase(self, name: str, work: Any) -> None:
        phase = _Phase(name, time.perf_counter())
        self.phases.append(phase)
        try:
            phase.result = await work
            await self.settle()
        finally:
            phase.end = time.perf_counter()
            self.write()

    def press(self, key: str) -> float:
        event = events.Key(key, key if len(key) == 1 else None)  # "t", or "down" (no char)
        sent = time.perf_counter()
        self.driver.process_message(event)
        return sent

    async def paint(self, key: str | None, view: str, since: float | None = None) -> dict:
        sent = self.press(key) if key is not None else since
        assert sent is not None
        shown = await self.frames.wait(VIEWS[view], self.config.timeout_s)
        return {"paint_s": round(shown - sent, 4)}

    async def cursor_moves(self) -> dict:
        samples: list[float | None] = []
        for _ in range(CURSOR_MOVES):
            sent = self.press("down")
            try:
                samples.append(round((await self.frames.wait(None, FRAME_WAIT_S) - sent) * 1000, 2))
            except PaintTimeout:
                samples.append(None)
            await asyncio.sleep(CURSOR_GAP_S)
        return {"frame_ms": samples}

    async def settle(self) -> None:
        """Until the app's workers are done (at most SETTLE_MAX_S), then QUIET_S more."""
        deadline = time.perf_counter() + SETTLE_MAX_S
        while any(not worker.is_finished for worker in self.app.workers):
            if time.perf_counter() > deadline:
                self.phases[-1].result["settle_timed_out"] = True
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(QUIET_S)

    # -- the results -----------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        phases = []
        for phase in self.phases:
            end = phase.end if phase.end is not None else time.perf_counter()
            late = [lateness for due, lateness in self.heartbeat.beats if phase.start <= due < end]
            frames = [t for t in self.frames.times if phase.start <= t < end]
            gaps = [b - a for a, b in zip([phase.start, *frames], [*frames, end], strict=True)]
            phases.append(
                {
                    "name": phase.name,
                    "seconds": round(end - phase.start, 4),
                    **phase.result,
                    **_lateness(late),
                    "frames": len(frames),
                    "frame_gap_max_ms": round(max(gaps) * 1000, 2),
                    "done": phase.end is not None,
                }
            )
        return {
            "scenario": self.config.scenario,
            "screen": [WIDTH, HEIGHT],
            "beat_ms": BEAT_S * 1000,
            "error": self.error,
            "phases": phases,
            **_lateness([lateness for _, lateness in self.heartbeat.beats]),
            "check_ms_max": round(self.frames.check_s_max * 1000, 2),
        }

    def write(self) -> None:
        out = self.config.out
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(self.summary(), indent=1, ensure_ascii=False) + "\n")
        tmp.replace(out)


def _lateness(late: list[float]) -> dict[str, Any]:
    """Max, 99th percentile and count over STALL_MS of a list of wake-up latenesses."""
    if not late:
        return {"beats": 0, "stall_max_ms": None, "stall_p99_ms": None, "stalls_over_budget": 0}
    p99 = statistics.quantiles(late, n=100, method="inclusive")[98] if len(late) > 1 else late[0]
    return {
        "beats": len(late),
        "stall_max_ms": round(max(late) * 1000, 2),
        "stall_p99_ms": round(p99 * 1000, 2),
        "stalls_over_budget": sum(1 for x in late if x * 1000 > STALL_MS),
    }


class ProbeDriver(HeadlessDriver):
    """Headless, 120x40, and running the session of `CONFIG` on the app's loop."""

    _session_task: asyncio.Task[None] | None = None

    def _get_terminal_size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def start_application_mode(self) -> None:
        super().start_application_mode()
        if CONFIG is None:
            raise RuntimeError("loop_probe.CONFIG is not set: run benchmarks.team_toggle")
        session = _Session(self._app, self, CONFIG)
        self._session_task = asyncio.get_running_loop().create_task(session.run())

    def stop_application_mode(self) -> None:
        task = self._session_task
        if task is not None and not task.done():  # the app quit on its own
            task.cancel()
        super().stop_application_mode()
