"""Line numbers for the keys of a TOML document, so that a rules error can say where to look.

`tomllib` returns values without positions. Rules files are written in the plain layout of the
shipped one (headers, `key = value` lines, inline tables on one line), so a line scan that tracks
table headers and array-of-tables counters finds every key the validator can complain about. A
key it cannot place (inside an inline table, say) falls back to the line of its nearest parent.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r'^\s*((?:[A-Za-z0-9_-]+|"[^"]*")(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"))*)\s*=')
_INLINE_KEY = re.compile(r'[{,]\s*([A-Za-z0-9_-]+|"[^"]*")\s*=')


def _parts(dotted: str) -> tuple[str, ...]:
    return tuple(
        part.strip().strip('"') for part in re.split(r"\.(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", dotted)
    )


def key_lines(text: str) -> dict[Path, int]:
    """Map each key path (array-of-tables entries indexed from 0) to its 1-based line."""
    lines: dict[Path, int] = {}
    counters: dict[tuple[str, ...], int] = {}
    table: Path = ()
    depth = 0  # open brackets of a multi-line array: its lines hold no keys
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.split("#", 1)[0] if '"' not in line else line
        if depth == 0 and (header := _HEADER.match(line)):
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                index = counters.get(names, -1) + 1
                counters[names] = index
                lines.setdefault(names, number)  # the array itself: where its first entry is
                # nested arrays ([[cadence.rules]] inside [cadence]) are indexed under their parent
                table = (*names, index)
            else:
                table = _with_indexes(names, counters)
            lines.setdefault(table, number)
            continue
        if depth == 0 and (key := _KEY.match(line)):
            path = (*table, *_parts(key.group(1)))
            lines.setdefault(path, number)
            for inner in _INLINE_KEY.finditer(line[key.end() :]):
                lines.setdefault((*path, inner.group(1).strip('"')), number)
        depth += stripped.count("[") - stripped.count("]")
        depth = max(depth, 0)
    return lines


def _with_indexes(names: tuple[str, ...], counters: Mapping[tuple[str, ...], int]) -> Path:
    """`[a.b]` after `[[a]]` means a table inside the latest `a` entry."""
    path: list[str | int] = []
    for end in range(1, len(names) + 1):
        path.append(names[end - 1])
        if names[:end] in counters and end < len(names):
            path.append(counters[names[:end]])
    return tuple(path)


def line_of(lines: Mapping[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), 0, -1):
        if (found := lines.get(path[:end])) is not None:
            return found
    return None


class TomlUnreadable(ValueError):
    """A TOML text that cannot be read, as one problem: its line (if known) and what to do."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads`, with its failures as one `TomlUnreadable`: a syntax error at its line,
    or arrays or tables nested deeper than the parser can follow (it recurses once per level,
    and a file nested a thousand deep would end in a RecursionError)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line.*\)", "", str(error)) or "syntax error"
        raise TomlUnreadable(
            int(found.group(1)) if found else None, f"not valid TOML: {message}; fix the syntax"
        ) from None
    except RecursionError:
        raise TomlUnreadable(
            None, "arrays or tables are nested too deeply to read; write them out flat"
        ) from None


def merge_tables(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """A file laid over another: a table it writes replaces the same keys of the one under it,
    table by table; any other value (an array of rules included) replaces the whole value."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_tables(merged[key], value)
        else:
            merged[key] = value
    return merged
