"""Run csm (or the bare app) headless under a scripted session that measures the event loop.

    python -m benchmarks.team_toggle OUT.json [--timeout S] -- csm --db BOOK --today DAY --as EMAIL
    python -m benchmarks.team_toggle OUT.json [--timeout S] -- csm --db BOOK --today DAY
    python -m benchmarks.team_toggle OUT.json [--timeout S] -- bare
    python -m benchmarks.team_toggle OUT.json --stacks STACKS.txt -- csm ...   # where it stalls

The program runs in this process through its own command line (`csm_tui.cli.main`: settings,
the first read, `gc.freeze()`, `App.run()`), as a user starts it; the only difference is the
terminal driver, which Textual takes from `TEXTUAL_DRIVER`: `benchmarks.loop_probe.ProbeDriver`
(headless, 120x40), which measures the event loop's stalls while it plays the scenario:
`mine` with `--as` (start, cursor, `t` to the team's queue, cursor, `t` back), `team` without
(start, cursor), `bare` for the bare app. See `benchmarks/loop_probe.py`. OUT.json receives
the phases' figures after every phase; `--timeout` bounds each wait for a paint (a paint that
does not come in time ends the session, and the results say so). `--stacks` also writes, for a
developer looking for a stall, where the app's threads were each time its loop was held for
more than 50 ms (sampled every 10 ms, most frequent first); `make bench` never sets it.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import threading
import time
import traceback
from pathlib import Path

DRIVER = "benchmarks.loop_probe:ProbeDriver"


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="python -m benchmarks.team_toggle")
    parser.add_argument("out", type=Path)
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds for each paint")
    parser.add_argument("--stacks", type=Path, help="write where the loop stalled (diagnostic)")
    args = parser.parse_args(argv[:split])
    target = argv[split + 1 :]
    if not target or target[0] not in ("csm", "bare"):
        parser.error("after --: csm ARGS... or bare")
    scenario = "bare" if target[0] == "bare" else "mine" if "--as" in target else "team"

    # Textual reads TEXTUAL_DRIVER when it is first imported: before anything imports it.
    if "textual" in sys.modules:
        raise RuntimeError("textual was imported before TEXTUAL_DRIVER could be set")
    os.environ["TEXTUAL_DRIVER"] = DRIVER
    from benchmarks import loop_probe

    loop_probe.CONFIG = loop_probe.Config(out=args.out, scenario=scenario, timeout_s=args.timeout)
    args.out.unlink(missing_ok=True)
    if target[0] == "bare":
        from benchmarks.bare_app import main as bare

        bare()
        return 0
    from csm_tui.cli import main as csm

    sampler = _StallSampler(args.stacks) if args.stacks else None
    try:
        result = csm(target[1:], standalone_mode=False)
    finally:
        if sampler is not None:
            sampler.stop()
    return result if isinstance(result, int) else 0


class _StallSampler:
    """Samples every thread's stack (the app's and its workers') while the probe's heartbeat
    is more than `LATE_S` late; `stop` writes the stacks seen, most frequent first."""

    LATE_S = 0.05
    EVERY_S = 0.01

    def __init__(self, out: Path) -> None:
        self.out = out
        self.seen: collections.Counter[str] = collections.Counter()
        self.main = threading.get_ident()
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        from benchmarks import loop_probe

        while not self.done.wait(self.EVERY_S):
            beat = loop_probe.last_beat
            if not beat or time.perf_counter() - beat < self.LATE_S:
                continue
            for thread, frame in sys._current_frames().items():
                if thread == threading.get_ident():
                    continue
                stack = traceback.extract_stack(frame)[-10:]
                where = " <- ".join(
                    f"{step.name}@{Path(step.filename).name}:{step.lineno}"
                    for step in reversed(stack)
                )
                self.seen[("main: " if thread == self.main else "worker: ") + where] += 1

    def stop(self) -> None:
        self.done.set()
        lines = [
            f"{count * self.EVERY_S * 1000:.0f} ms  {stack}"
            for stack, count in self.seen.most_common(25)
        ]
        self.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
