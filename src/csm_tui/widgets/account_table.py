"""Row-cursor tables whose `enter` is labelled for what it does where they are used."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from csm_tui.domain.health import HealthBand
from csm_tui.widgets.health import BAND_COMPONENTS, HEALTH_CSS
from csm_tui.widgets.line_table import LineTable

RowT = TypeVar("RowT")


class RowTable(DataTable[object]):
    """A short table (an account's contacts, its timeline): a whole row is the cursor; j/k move
    it as the arrows do."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)


class AccountTable(LineTable[RowT]):
    """A long list of accounts (the queue, the book): `enter` opens the highlighted one, and
    health shows as everywhere (`widgets.health`)."""

    DEFAULT_CSS = "AccountTable {" + HEALTH_CSS + "}"

    COMPONENT_CLASSES: ClassVar[set[str]] = {*BAND_COMPONENTS.values()}

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open")]

    def band_looks(self) -> dict[HealthBand, Style]:
        """The health badges' styles in the theme in force."""
        return {
            band: self.get_component_rich_style(name, partial=True)
            for band, name in BAND_COMPONENTS.items()
        }
