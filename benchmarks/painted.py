"""When a screen counts as painted: predicates on the text a user sees, nothing else.

Both harnesses use them: the real terminal (`tmux capture-pane -p`, see `tmux_probe.py`) and
the in-process one (`team_toggle.py`, the compositor's text after each screen update). They
read only what is on screen (the header's subtitle, the column headers, the first row), never
the app's attributes, so that they hold for any implementation of the triage screen that shows
the same thing.

- the CSM's own queue: the subtitle reads `<name> · N to do · <date>` with N > 0 (the count
  is set once the rows are in the table), the column headers are on screen without the
  team's `Owner` column, and the line under them holds a row;
- the team's queue: the subtitle reads `Team · N to do · <date>` with N > 0, the column
  headers include `Owner` (the team view's column; shown from 110 cells, and both harnesses
  use 120), and the line under them holds a row. While the team's rows are on their way the
  subtitle already says `Team` and the table may still hold the CSM's own rows: the `Owner`
  header is what tells the two apart;
- the bare app: its title in the header and the marker cell of its first row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: "<who> · N to do · " in the header (the subtitle; Textual draws it after the title): the
#: last word of who ("Team" for the team's queue) and N.
_COUNT = re.compile(r"(\S+) · (\d[\d,]*) to do · ")
HEADER_LINES = 3


def _subtitle(screen: str) -> tuple[str, int] | None:
    """(the last word of who, N) of "who · N to do · " in the header lines, or None."""
    for line in screen.splitlines()[:HEADER_LINES]:
        found = _COUNT.search(line)
        if found is not None:
            return found.group(1), int(found.group(2).replace(",", ""))
    return None


def _first_row(screen: str) -> tuple[str, str] | None:
    """(column headers, the line under them) of the queue table, or None."""
    lines = screen.splitlines()
    for i, line in enumerate(lines[:-1]):
        if "Account" in line and "What" in line:
            return line, lines[i + 1]
    return None


def own_header(header: str) -> bool:
    """The header lines say the CSM's own queue has rows (necessary for `own_painted`)."""
    found = _subtitle(header)
    return found is not None and found[1] > 0 and found[0] != "Team"


def team_header(header: str) -> bool:
    """The header lines say the team's queue has rows (necessary for `team_painted`)."""
    found = _subtitle(header)
    return found is not None and found[1] > 0 and found[0] == "Team"


def own_painted(screen: str) -> bool:
    """The CSM's own queue with its rows (see the module's docstring)."""
    table = _first_row(screen)
    return (
        own_header(screen)
        and table is not None
        and "Owner" not in table[0]
        and bool(table[1].strip())
    )


def team_painted(screen: str) -> bool:
    """The team's queue with its rows (see the module's docstring)."""
    table = _first_row(screen)
    return (
        team_header(screen) and table is not None and "Owner" in table[0] and bool(table[1].strip())
    )


def bare_header(header: str) -> bool:
    from benchmarks.bare_app import TITLE

    return any(TITLE in line for line in header.splitlines()[:HEADER_LINES])


def bare_painted(screen: str) -> bool:
    from benchmarks.bare_app import FIRST_ROW_MARKER

    return bare_header(screen) and FIRST_ROW_MARKER in screen


@dataclass(frozen=True)
class View:
    """A view's test on the header lines alone (cheap: the in-process harness renders only
    those on most frames), and on the whole screen."""

    header: Callable[[str], bool]
    painted: Callable[[str], bool]


VIEWS = {
    "own": View(own_header, own_painted),
    "team": View(team_header, team_painted),
    "bare": View(bare_header, bare_painted),
}
