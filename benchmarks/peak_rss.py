"""Run a program in this process and record its peak memory (max RSS) when it ends.

    python -m benchmarks.peak_rss OUTFILE -- csm [CSM ARGS...]
    python -m benchmarks.peak_rss OUTFILE -- bare
    python -m benchmarks.peak_rss OUTFILE -- -m MODULE [ARGS...]

On the way out (finally, with atexit as a fallback) OUTFILE receives one line:
`<ru_maxrss in KiB> <exit code>`. The launcher itself imports only the standard modules
below before handing over, so its own cost is the same for every target and cancels out
of a ratio.
"""

from __future__ import annotations

import atexit
import os
import resource
import sys

_written = False


def _write(outfile: str, code: object) -> None:
    global _written
    if _written:
        return
    _written = True
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if sys.platform == "darwin":  # bytes there
        peak_kib //= 1024
    tmp = f"{outfile}.tmp"
    with open(tmp, "w") as handle:
        handle.write(f"{peak_kib} {code}\n")
    os.replace(tmp, outfile)


def _run(target: list[str]) -> object:
    if not target:
        raise SystemExit("peak_rss: nothing to run")
    name, args = target[0], target[1:]
    if name == "csm":
        from csm_tui.cli import main as csm

        return csm(args, standalone_mode=False)
    if name == "bare":
        from benchmarks.bare_app import main as bare

        bare()
        return 0
    if name == "-m" and args:
        import runpy

        sys.argv = args
        runpy.run_module(args[0], run_name="__main__", alter_sys=True)
        return 0
    raise SystemExit(f"peak_rss: unknown target {name!r} (csm, bare or -m MODULE)")


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    outfile, target = argv[0], argv[2:]
    code: object = "error"
    atexit.register(lambda: _write(outfile, code))
    try:
        result = _run(target)
        code = result if isinstance(result, int) else 0
    except SystemExit as stop:
        code = stop.code if stop.code is not None else 0
        raise
    finally:
        _write(outfile, code)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
