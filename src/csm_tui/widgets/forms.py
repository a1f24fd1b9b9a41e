"""The pieces every form is built from: fields that do not blink, and a line per field error."""

from __future__ import annotations

from textual.reactive import Reactive, reactive
from textual.widgets import Input, Static, TextArea


class SteadyInput(Input):
    """Textual's Input with a steady cursor: calmer to look at, and snapshots stay the same
    from one run to the next (a blinking cursor is drawn on a wall-clock timer)."""

    cursor_blink: Reactive[bool] = reactive(False, init=False)


class SteadyTextArea(TextArea):
    """Textual's TextArea with a steady cursor, for the same reasons as `SteadyInput`."""

    cursor_blink: Reactive[bool] = reactive(False, init=False)


def field_error(name: str) -> Static:
    """Where a form shows what is wrong with field `name` (see `screens.form`); hidden when
    nothing is."""
    error = Static("", id=f"error-{name}", classes="field-error")
    error.display = False
    return error
