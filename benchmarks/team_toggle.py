"""Run csm (or the bare app) headless under a scripted session that measures the event loop.

    python -m benchmarks.team_toggle OUT.json [--timeout S] -- csm --db BOOK --today DAY --as EMAIL
    python -m benchmarks.team_toggle OUT.json [--timeout S] -- csm --db BOOK --today DAY
    python -m benchmarks.team_toggle OUT.json [--timeout S] -- bare

The program runs in this process through its own command line (`csm_tui.cli.main`: settings,
the first read, `gc.freeze()`, `App.run()`), as a user starts it; the only difference is the
terminal driver, which Textual takes from `TEXTUAL_DRIVER`: `benchmarks.loop_probe.ProbeDriver`
(headless, 120x40), which measures the event loop's stalls while it plays the scenario:
`mine` with `--as` (start, cursor, `t` to the team's queue, cursor, `t` back), `team` without
(start, cursor), `bare` for the bare app. See `benchmarks/loop_probe.py`. OUT.json receives
the phases' figures after every phase; `--timeout` bounds each wait for a paint (a paint that
does not come in time ends the session, and the results say so).
"""

from __future__ import annotations

import argparse
import os
import sys
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

    result = csm(target[1:], standalone_mode=False)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
