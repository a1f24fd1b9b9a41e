"""What `csm wrapup --trends` prints: the last 12 weeks (`domain.wrapup_trends.Trends`) as a text
table, a row per week, and as plain JSON records, the same figures the trends screen draws."""

from __future__ import annotations

from typing import Any

from csm_tui.domain.ladder import LEVELS
from csm_tui.domain.wrapup_trends import BANDS, Trends

_HEADS = ("Week", "Touches", "Calls", "Target", *(b.value.capitalize() for b in BANDS))
_LEVEL_HEADS = tuple(f"L{level}" for level in LEVELS)


def trend_lines(trends: Trends) -> list[str]:
    """The head, then a table: a row per week, oldest first, numbers right-aligned."""
    rows = [
        (
            str(w.week) + ("*" if w.progress else ""),
            *(str(n) for n in (w.touches, w.calls, w.call_target, *w.bands, *w.escalations)),
        )
        for w in trends.weeks
    ]
    heads = (*_HEADS, *_LEVEL_HEADS)
    widths = [max(len(row[n]) for row in (heads, *rows)) for n in range(len(heads))]

    def line(cells: tuple[str, ...]) -> str:
        padded = [c.rjust(w) for c, w in zip(cells, widths, strict=True)]
        return "  ".join([cells[0].ljust(widths[0]), *padded[1:]])

    lines = [trends.head, line(heads).rstrip(), *(line(row) for row in rows)]
    lines.append(
        "Bands: accounts in each health band at the week's end; L1-L5: open escalations then."
    )
    running = [w for w in trends.weeks if w.progress]
    if running:
        lines.append(f"* {', '.join(f'{w.week} {w.progress}' for w in running)}")
    return lines


def trend_record(trends: Trends) -> dict[str, Any]:
    """The trends as plain data: a record per week, oldest first."""
    return {
        "name": trends.name,
        "today": trends.today.isoformat(),
        "csms": trends.csms,
        "first": str(trends.first),
        "last": str(trends.last),
        "weeks": [
            {
                "week": str(w.week),
                "as_of": w.as_of.isoformat(),
                "counted_days": w.counted_days,
                "touches": w.touches,
                "calls": w.calls,
                "call_target": w.call_target,
                "health": {band.value: n for band, n in zip(BANDS, w.bands, strict=True)},
                "open_escalations": {
                    f"L{level}": n for level, n in zip(LEVELS, w.escalations, strict=True)
                },
            }
            for w in trends.weeks
        ],
    }
