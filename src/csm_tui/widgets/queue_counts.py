"""The line over the triage queue: how many items are overdue, due today, and of each kind."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from csm_tui.domain.triage import Counts


class QueueCounts(Static):
    """`25 overdue · 5 due today · 1 health drop …`, and whether the schedule is being
    recomputed for today."""

    DEFAULT_CSS = """
    QueueCounts {
        height: 1;
        padding: 0 1;
        background: $boost;
        & > .queue-counts--overdue { color: $text-error; text-style: bold; }
        & > .queue-counts--busy { color: $text-warning; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"queue-counts--overdue", "queue-counts--busy"}

    def show(
        self,
        counts: Counts,
        *,
        short: bool,
        stale: bool,
        since: date | None,
        counting: bool = False,
    ) -> None:
        """`short` words for a narrow terminal; `since`: the day changes count from, if there
        is room to say it; `counting`: the counts are still being read (a team's queue)."""
        line = Text()
        if counting and not stale:
            line.append("counting…", style="dim")
        for number, words in () if counting else counts.parts(short=short):
            if line:
                line.append(" · ", style="dim")
            style: str | Style = "bold" if number else "dim"
            if number and words == "overdue":
                style = self.get_component_rich_style("queue-counts--overdue", partial=True)
            line.append(f"{number:,} {words}", style=style)
        if stale:
            busy = self.get_component_rich_style("queue-counts--busy", partial=True)
            line.append(f"{'   ' if line else ''}rescheduling for today…", style=busy)
        elif since is not None:
            line.append(f"   (changes since {since:%a %d %b})", style="dim")
        self.update(line)
