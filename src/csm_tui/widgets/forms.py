"""Small helpers shared by the forms of the modals."""

from __future__ import annotations

from textual.widgets import Input, Static


def steady(box: Input) -> Input:
    """No blinking cursor: calmer to look at, and snapshots stay deterministic."""
    box.cursor_blink = False
    return box


def field_error(name: str) -> Static:
    """Where a form shows what is wrong with field `name` (see `screens.form`); hidden when
    nothing is."""
    error = Static("", id=f"error-{name}", classes="field-error")
    error.display = False
    return error
