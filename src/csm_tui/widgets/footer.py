"""Textual's footer with `? Keys` kept in view, rebuilt only when the keys it shows change.

The screen's keys fill the footer from the left and are cut off where a narrow terminal ends;
`?` (every key, on any screen) and the command palette's key sit together on the right edge,
so that a user can always find the rest.

Textual's footer composes its keys anew whenever the screen's bindings may have changed: each
focus move, each screen pushed or popped. On csm's screens that is mostly the same keys again,
and mounting and styling a dozen key widgets was a large part of opening an account
(benchmarks: triage keys, open account).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import ComposeResult
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

#: The key of the app's "every key" binding, kept on the right edge.
HELP_KEY = "question_mark"


class Footer(TextualFooter):
    """Shows the same keys as Textual's footer, `?` and the palette pinned on the right."""

    DEFAULT_CSS = """
    Footer > HorizontalGroup.-pinned {
        dock: right;
        width: auto;
        & > FooterKey.-command-palette {
            dock: none;
        }
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: Hashable | None = None

    def _keys(self, screen: Screen[Any]) -> Hashable:
        """What the footer would show: the keys, their labels and whether they are enabled."""
        app = screen.app
        return (
            self.compact,
            self.show_command_palette,
            self.combine_groups,
            tuple(
                (
                    key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    enabled,
                    tooltip,
                    binding.group,
                )
                for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
                if binding.show or key == app.COMMAND_PALETTE_BINDING
            ),
        )

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if (
            self._shown is not None
            and self.is_attached
            and screen is self.screen
            and self._keys(screen) == self._shown
        ):
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        pinned: list[Widget] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and (
                widget.key == HELP_KEY or widget.has_class("-command-palette")
            ):
                pinned.append(widget)
            else:
                yield widget
        if pinned:
            yield HorizontalGroup(*pinned, classes="-pinned")
