"""The wrap-up's trends: the 12 weeks ending with a week, mine or the team's, as three charts
(touches and calls against the target, health bands, open escalations by level).

The weekly wrap-up pushes it (`T`) with its week and view: `WrapupTrendsScreen(workspace, week,
team)`. `[` and `]` move the 12 weeks by one, `t` switches mine and the team's. The figures are
read in a worker; the charts say "Loading…" until they arrive.

On a terminal under `ALL_FROM` rows the three charts do not fit legibly one above the other:
the screen shows one at a time, and `c` shows the next (the head line says which of three).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, reactive
from textual.widgets import Static

from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.wrapup_trends import Trends
from csm_tui.screens.base import CsmScreen, thread_work
from csm_tui.widgets.trend_charts import TrendChart, trend_charts

if TYPE_CHECKING:
    from csm_tui.services.workspace import Workspace

#: From this many rows the three charts show together; below, one at a time.
ALL_FROM = 40

CHARTS = ("calls", "health", "escalations")


@dataclass(frozen=True, slots=True)
class Asked:
    week: IsoWeek  # the last of the 12
    team: bool


class WrapupTrendsScreen(CsmScreen[None]):
    """The last 12 weeks in pictures."""

    NAME = "Trends"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left_square_bracket",
            "shift(-1)",
            "Earlier",
            key_display="[",
            tooltip="The 12 weeks ending a week earlier",
        ),
        Binding(
            "right_square_bracket",
            "shift(1)",
            "Later",
            key_display="]",
            tooltip="The 12 weeks ending a week later",
        ),
        Binding("t", "toggle_team", "Mine/Team", tooltip="Your book's trends, or the team's"),
        Binding("c", "next_chart", "Next chart", tooltip="Show the next of the three charts"),
    ]

    week: Reactive[IsoWeek] = reactive(IsoWeek(2026, 1), init=False)
    team: Reactive[bool] = reactive(False, init=False)
    chart: Reactive[int] = reactive(0, init=False)  # the one shown on a small terminal

    @dataclass
    class Loaded(Message):
        asked: Asked
        trends: Trends

    def __init__(self, workspace: Workspace, week: IsoWeek, team: bool) -> None:
        super().__init__(workspace)
        self.set_reactive(WrapupTrendsScreen.week, week)
        self.set_reactive(WrapupTrendsScreen.team, team or workspace.me is None)
        self._trends: Trends | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="trends"):
            yield Static("Loading the trends…", id="trends-head")
            with Vertical(id="trend-charts"):
                for n, name in enumerate(CHARTS):
                    yield TrendChart(id=f"chart-{name}", classes="-chosen" if n == 0 else None)

    def on_mount(self) -> None:
        self.title = "Trends"
        self._fit()
        self._update_head()
        self.load()

    # -- reading -------------------------------------------------------------------------------

    def _asked(self) -> Asked:
        return Asked(self.week, self.team)

    def load(self) -> None:
        """Read the 12 weeks again (in a worker)."""
        self._trends = None
        for chart in self.query(TrendChart):
            chart.show(None)
        self._update_head()
        self._load(self._asked())

    @thread_work(group="trends", description="read the trends")
    def _load(self, asked: Asked) -> None:
        trends = self.workspace.wrapup.trends(asked.week, team=asked.team)
        self.post_message(self.Loaded(asked, trends))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.asked != self._asked():
            return  # an answer for weeks no longer asked: the newer load is on its way
        self._trends = message.trends
        for chart, data in zip(self.query(TrendChart), trend_charts(message.trends), strict=True):
            chart.show(data)
        self._update_head()

    # -- what the screen says ------------------------------------------------------------------

    def _update_head(self) -> None:
        me = self.workspace.me
        who = "The team" if self.team or me is None else me.name
        if self._trends is not None:
            who = self._trends.name  # whose team, once read ("Jordan Reyes's team")
        first = self.week.shifted(-11)
        self.sub_title = f"{who} · {first} to {self.week} · {self.workspace.today:%a %d %b %Y}"
        head = self._trends.head if self._trends is not None else f"Loading the trends of {who}…"
        if self.has_class("-one"):
            head += f" · chart {self.chart + 1} of {len(CHARTS)} (c)"
        self.query_one("#trends-head", Static).update(head)

    def _fit(self) -> None:
        """One chart at a time under `ALL_FROM` rows."""
        one = self.size.height < ALL_FROM
        if one != self.has_class("-one"):
            self.set_class(one, "-one")
            self.refresh_bindings()

    def on_resize(self) -> None:
        self._fit()
        self._update_head()

    # -- reactions -----------------------------------------------------------------------------

    def watch_week(self) -> None:
        self.load()

    def watch_team(self) -> None:
        self.load()

    def watch_chart(self, chart: int) -> None:
        for n, widget in enumerate(self.query(TrendChart)):
            widget.set_class(n == chart, "-chosen")
        self._update_head()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_chart":
            return self.has_class("-one")
        return True

    def action_shift(self, weeks: int) -> None:
        try:
            self.week = self.week.shifted(weeks)
        except ValueError as error:  # past the dates csm plans
            self.notify(str(error), title="Trends", severity="warning")

    def action_toggle_team(self) -> None:
        if self.workspace.me is None:
            self.notify(
                "Tell csm who you are (--as EMAIL) to see your own trends.", title="Team view"
            )
            return
        self.team = not self.team

    def action_next_chart(self) -> None:
        self.chart = (self.chart + 1) % len(CHARTS)

    def action_reload(self) -> None:
        self.load()
