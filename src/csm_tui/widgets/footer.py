"""Textual's footer, rebuilt only when the keys it shows change.

Textual's footer composes its keys anew whenever the screen's bindings may have changed: each
focus move, each screen pushed or popped. On csm's screens that is mostly the same keys again,
and mounting and styling a dozen key widgets was a large part of opening an account.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Shows the same keys as Textual's footer; skips rebuilding them when they are the same."""

    def __init__(self, *args, **kwargs) -> None:  # Textual's signature
        super().__init__(*args, **kwargs)
        self._shown: Hashable | None = None

    def _keys(self, screen: Screen) -> Hashable:
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

    def bindings_changed(self, screen: Screen) -> None:
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
        yield from super().compose()
