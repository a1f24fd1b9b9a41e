"""`make bench`: build demo books of several sizes and measure csm-tui against a bare Textual app.

    .venv/bin/python -m benchmarks.run                       # 1,000 / 10,000 / 100,000 accounts
    .venv/bin/python -m benchmarks.run --quick               # 1,000 accounts, 2 repeats
    .venv/bin/python -m benchmarks.run --sizes 10000 --repeats 9
    .venv/bin/python -m benchmarks.run --only team --book 10000=/tmp/b10k.db --repeats 2

Writes benchmarks/results/<UTC timestamp>.json and prints a markdown table; progress goes to
stderr. The figures are defined in benchmarks/measurements.py (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.measurements import ALWAYS, GROUPS, MEASUREMENTS, Measurement, SizeContext
from benchmarks.tmux_probe import TmuxMissing, TmuxProbe, tmux_path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000, 10_000, 100_000)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="comma-separated book sizes in accounts (default: 1000,10000,100000, or the "
        "sizes of the --book options)",
    )
    parser.add_argument(
        "--book",
        action="append",
        type=_book,
        default=[],
        metavar="N=PATH",
        help="measure size N on a copy of this demo book instead of building one (the file "
        "is only read); repeatable",
    )
    parser.add_argument(
        "--only",
        type=_only,
        default=None,
        metavar="NAMES",
        help="comma-separated figures to measure (keys of the JSON, or "
        f"{', '.join(GROUPS)}); the book and the load average always",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=90.0,
        help="seconds a program gets to paint, per run, before the run counts as failed "
        "(default: 90)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="measured runs of each program per size; medians are reported (default: 5)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="unrecorded bare+csm pairs before the measured ones (default: 1)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "benchmarks" / "results",
        help="directory for the JSON results (default: benchmarks/results/)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: --sizes 1000 --repeats 2"
    )
    parser.add_argument(
        "--keep-temp",
        action="store_true",
        help="keep the generated databases and scratch files (path on stderr)",
    )
    args = parser.parse_args(argv)
    args.books = dict(args.book)
    if args.quick:
        args.sizes, args.repeats = (1_000,), 2
    if args.sizes is None:
        args.sizes = tuple(args.books) or DEFAULT_SIZES
    if missing := sorted(set(args.books) - set(args.sizes)):
        parser.error(f"--book for sizes not measured: {', '.join(map(str, missing))}")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def _book(text: str) -> tuple[int, Path]:
    size, _, path = text.partition("=")
    try:
        accounts = int(size.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected N=PATH") from None
    if not path or not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"{text!r}: no such file {path!r}")
    return accounts, Path(path).resolve()


def _only(text: str) -> frozenset[str]:
    keys = {m.key for m in MEASUREMENTS}
    names: set[str] = set()
    for name in (part.strip() for part in text.split(",") if part.strip()):
        if name in GROUPS:
            names.update(GROUPS[name])
        elif name in keys:
            names.add(name)
        else:
            raise argparse.ArgumentTypeError(
                f"{name!r}: not a figure ({', '.join(sorted(keys | set(GROUPS)))})"
            )
    return frozenset(names)


def selected(only: frozenset[str] | None) -> list[Measurement]:
    """The measurements to run, in registry order (all of them without --only)."""
    if only is None:
        return list(MEASUREMENTS)
    chosen = [m for m in MEASUREMENTS if m.key in only]
    book = any(m.needs_book for m in chosen)  # the import makes its own books
    return [
        m for m in MEASUREMENTS if m in chosen or (m.key in ALWAYS and (book or not m.needs_book))
    ]


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers like 1000,10000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def child_env(scratch: Path) -> dict[str, str]:
    """A fixed environment: nothing of the user's shell, config or data reaches the programs."""
    dirs = {}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = scratch / "xdg" / var.lower()
        path.mkdir(parents=True, exist_ok=True)
        dirs[var] = str(path)
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(scratch)),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "TZ": "UTC",
        "PYTHONHASHSEED": "0",
        "TMPDIR": str(scratch),
        # Byte-code goes to the scratch dir: nothing is written into the repository or the venv,
        # and both programs start with the same cache (filled by the warm-up runs).
        "PYTHONPYCACHEPREFIX": str(scratch / "pycache"),
        **dirs,
    }


def machine_info(probe: TmuxProbe | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "load_avg": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "tmux": probe.version() if probe else None,
    }
    try:
        from importlib.metadata import version

        info["textual"] = version("textual")
        info["csm_tui"] = version("csm-tui")
    except Exception:
        pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
        info["git_dirty"] = bool(dirty)
    except (OSError, subprocess.CalledProcessError):
        info["git_commit"] = None
    return info


def markdown_table(
    sizes: list[dict[str, Any]], measurements: list[Measurement] | None = None
) -> str:
    measurements = MEASUREMENTS if measurements is None else measurements
    headers = ["accounts"] + [c.header for m in measurements for c in m.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in headers) + "|"]
    for entry in sizes:
        cells = [f"{entry['accounts']:,}"]
        for m in measurements:
            value = entry.get(m.key)
            for column in m.columns:
                if value is None or (isinstance(value, dict) and "error" in value):
                    cells.append("error")
                    continue
                try:
                    cells.append(column.cell(value))
                except (KeyError, TypeError, ValueError):
                    cells.append("n/a")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _raise_on_sigterm(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    measurements = selected(args.only)
    try:
        tmux_path()
    except TmuxMissing as missing:
        print(f"benchmarks: {missing}", file=sys.stderr)
        return 2
    try:
        import csm_tui.services.demo  # noqa: F401
    except ImportError as error:
        print(
            f"benchmarks: cannot import the demo builder ({error}); is csm-tui installed "
            "in this interpreter (make bench does it)?",
            file=sys.stderr,
        )
        return 2

    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    scratch = Path(tempfile.mkdtemp(prefix="csm-bench-"))
    started = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    failed = False
    probe = TmuxProbe(
        env=child_env(scratch), cwd=REPO, also_remove=() if args.keep_temp else (scratch,)
    )
    try:
        probe.start()
        info = machine_info(probe)
        print(
            f"benchmarks: sizes {', '.join(f'{s:,}' for s in args.sizes)}; "
            f"{args.repeats} repeats (+{args.warmup} warm-up); "
            f"{', '.join(m.key for m in measurements)}; load average {info['load_avg']}; "
            f"scratch {scratch}; tmux socket {probe.socket}",
            file=sys.stderr,
            flush=True,
        )
        for accounts in args.sizes:
            workdir = scratch / f"size-{accounts}"
            workdir.mkdir()
            ctx = SizeContext(
                accounts=accounts,
                repeats=args.repeats,
                warmup=args.warmup,
                workdir=workdir,
                probe=probe,
                book=args.books.get(accounts),
                timeout_s=args.timeout,
                selected=frozenset(m.key for m in measurements),
            )
            entry: dict[str, Any] = {"accounts": accounts}
            results.append(entry)
            for measurement in measurements:
                ctx.log(f"{measurement.key}…")
                begin = time.perf_counter()
                try:
                    value = measurement.run(ctx)
                except KeyboardInterrupt:
                    raise
                except Exception as error:
                    failed = True
                    traceback.print_exc()
                    value = {"error": f"{type(error).__name__}: {error}"}
                entry[measurement.key] = value
                ctx.results[measurement.key] = value
                summary = (
                    value
                    if not isinstance(value, dict)
                    else {
                        k: v
                        for k, v in value.items()
                        if not isinstance(v, dict | list | str) or k == "error"
                    }
                )
                ctx.log(f"{measurement.key} = {summary} ({time.perf_counter() - begin:.1f} s)")
            if not args.keep_temp and ctx.db_path is not None:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{ctx.db_path}{suffix}").unlink(missing_ok=True)
    except KeyboardInterrupt:
        print("benchmarks: interrupted; writing what was measured", file=sys.stderr)
        failed = True
    finally:
        probe.close()
        if args.keep_temp:
            print(f"benchmarks: scratch files kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    report = {
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": {
            "sizes": list(args.sizes),
            "repeats": args.repeats,
            "warmup": args.warmup,
            "timeout_s": args.timeout,
            "only": None if args.only is None else [m.key for m in measurements],
            "books": {str(size): str(path) for size, path in args.books.items()},
        },
        "machine": info if "info" in locals() else machine_info(None),
        "sizes": results,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"benchmarks: results written to {out}", file=sys.stderr)
    print(markdown_table(results, measurements))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
