"""The filter line over a long list: hidden until `/`, cleared and hidden by escape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message

from csm_tui.widgets.forms import SteadyInput


class FilterBar(SteadyInput):
    """Says what is typed (Input's `Changed`), when the user is done typing (`Submitted`:
    enter) and when the filter is gone (`Cleared`: escape); the screen filters its list."""

    DEFAULT_CSS = """
    FilterBar {
        display: none;
        margin: 0 1;
        &.-open {
            display: block;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", show=False),
    ]

    @dataclass
    class Cleared(Message):
        """The filter was emptied and closed."""

        filter_bar: FilterBar

        @property
        def control(self) -> FilterBar:
            return self.filter_bar

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self) -> None:
        """Show the filter and type into it, from the very next key (`focus()` would move the
        focus only after the keys already on their way). `/` in the filter is a slash.

        The screens bind `/` with priority: the app then opens the filter as the key
        arrives, before it hands on the next ones; a `q` typed right after `/` on a busy
        screen went to the list, and quit."""
        if self.has_focus:
            self.insert_text_at_cursor("/")
            return
        self.add_class("-open")
        self.screen.set_focus(self)

    def action_clear(self) -> None:
        """Empty the filter and hide it (the `Changed` for the empty text is sent first)."""
        self.value = ""
        self.remove_class("-open")
        self.post_message(self.Cleared(self))
