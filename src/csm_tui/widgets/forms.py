"""Small helpers shared by the forms of the modals."""

from __future__ import annotations

from textual.widgets import Input


def steady(box: Input) -> Input:
    """No blinking cursor: calmer to look at, and snapshots stay deterministic."""
    box.cursor_blink = False
    return box
