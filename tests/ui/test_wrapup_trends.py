"""The wrap-up's trends screen on the demo book (TODAY 2026-11-23, a Monday), as the wrap-up
pushes it: "Loading…" until the figures arrive, then three charts; `[` and `]` move the 12
weeks, `t` switches mine and the team's, `c` the chart shown on a small terminal. And its SVG
snapshots at 80x24 and 160x48, mine and the team's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from textual.geometry import Region

from csm_tui.app import CsmApp
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.wrapup_trends import Trends
from csm_tui.screens.wrapup_trends import WrapupTrendsScreen
from csm_tui.services.wrapup import Wrapup
from csm_tui.widgets.trend_charts import (
    ChartData,
    Series,
    TrendChart,
    chart_lines,
    trend_charts,
)
from tests.conftest import TODAY
from tests.ui.conftest import notifications, settle, static_text

if TYPE_CHECKING:
    from textual.pilot import Pilot

SMALL, LARGE = (80, 24), (160, 48)
SIZES = {"80x24": SMALL, "160x48": LARGE}
MAYA = "Maya Patel, 2026-W37 to 2026-W48, as of Mon 2026-11-23"
EXPECTED = [  # `test_the_drawing_in_characters`: calls 0 and 8, other 1 and 1, target 4
    "█ calls  █ other  ── target",
    "    9             ▄▄▄▄▄▄▄▄▄▄▄ ",
    "                  ███████████ ",
    "      ────────────────────────",
    "                  ███████████ ",
    "    0 ▄▄▄▄▄▄▄▄▄▄▄ ███████████ ",
    "      W01         W02         ",
    "calls 0/4         8/4         ",
]


def _push(app: CsmApp, team: bool = False) -> WrapupTrendsScreen:
    screen = WrapupTrendsScreen(app.workspace, IsoWeek.of(TODAY), team=team)
    app.push_screen(screen)
    return screen


def chart_text(app: CsmApp, name: str) -> str:
    """The characters the chart paints, line by line."""
    chart = app.screen.query_one(f"#chart-{name}", TrendChart)
    width, height = chart.outer_size
    lines = [strip.text.rstrip() for strip in chart.render_lines(Region(0, 0, width, height))]
    return "\n".join(line for line in lines if line.strip())


def head(app: CsmApp) -> str:
    """The line above the charts."""
    return static_text(app, "#trends-head").strip()


def shown_charts(app: CsmApp) -> list[str]:
    return [chart.id or "" for chart in app.screen.query(TrendChart) if chart.display]


async def test_loading_then_my_twelve_weeks(
    app_factory: Callable[..., CsmApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_factory()
    release = threading.Event()
    read = Wrapup.trends

    def held(self: Wrapup, week: object = None, team: bool = False) -> Trends:
        release.wait()
        return read(self, week, team)  # type: ignore[arg-type]

    monkeypatch.setattr(Wrapup, "trends", held)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        _push(app)
        await pilot.pause()
        try:
            loading = head(app), "Loading…" in chart_text(app, "calls")
        finally:
            release.set()  # the worker answers whatever was shown
        assert loading == (
            "Loading the trends of Maya Patel… · chart 1 of 3 (c)",
            True,
        )
        await settle(pilot)
        assert head(app) == f"{MAYA} · chart 1 of 3 (c)"
        trends = app.workspace.wrapup.trends()
        calls = chart_text(app, "calls")
        assert "Touches and cadence calls against the call target" in calls
        assert "calls  █ other touches  ── call target" in calls
        weeks = " ".join(f"W{n}" for n in range(37, 49))
        assert weeks in " ".join(calls.split())
        figures = " ".join(f"{w.calls}/{w.call_target}" for w in trends.weeks)
        assert f"calls {figures}" in " ".join(calls.split())
        assert shown_charts(app) == ["chart-calls"]  # one at a time at 80x24


async def test_c_shows_the_next_chart_on_a_small_terminal(
    app_factory: Callable[..., CsmApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        _push(app, team=True)
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert shown_charts(app) == ["chart-health"]
        assert " ".join(head(app).split()).endswith("chart 2 of 3 (c)")
        health = chart_text(app, "health")
        assert "Accounts by health band at each week's end" in health
        team = app.workspace.wrapup.trends(team=True)
        reds = " ".join(str(w.bands[2]) for w in team.weeks)
        assert f"red {reds}" in " ".join(health.split())
        await pilot.press("c", "c")
        await pilot.pause()
        assert shown_charts(app) == ["chart-calls"]


async def test_earlier_weeks_and_the_teams(app_factory: Callable[..., CsmApp]) -> None:
    app = app_factory()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        screen = _push(app)
        await settle(pilot)
        assert head(app) == MAYA  # every chart shows: no hint
        assert shown_charts(app) == ["chart-calls", "chart-health", "chart-escalations"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert head(app) == "Maya Patel, 2026-W36 to 2026-W47"
        await pilot.press("t")
        await settle(pilot)
        assert (screen.team, screen.week) == (True, IsoWeek(2026, 47))
        assert head(app) == "Jordan Reyes's team, 2026-W36 to 2026-W47"
        team = app.workspace.wrapup.trends("2026-W47", team=True)
        opened = " ".join(str(w.open_escalations) for w in team.weeks)
        assert f"open {opened}" in " ".join(chart_text(app, "escalations").split())
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert head(app) == ("Jordan Reyes's team, 2026-W38 to 2026-W49, as of Mon 2026-11-23")
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, WrapupTrendsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, WrapupTrendsScreen)


async def test_without_an_identity_the_team_only(app_factory: Callable[..., CsmApp]) -> None:
    app = app_factory(user_email=None)
    async with app.run_test(size=LARGE, notifications=True) as pilot:
        await settle(pilot)
        _push(app, team=False)
        await settle(pilot)
        assert head(app).startswith("The team, 2026-W37 to 2026-W48")
        await pilot.press("t")
        await pilot.pause()
        assert "to see your own trends" in notifications(app)


def test_the_drawing_in_characters() -> None:
    """Bars stacked in eighths of a cell (the top of the scale is the highest bar or target),
    the target line across the columns, the weeks and the figures under them."""
    data = ChartData(
        "Calls",
        ("W01", "W02"),
        (Series("calls", (0, 8), "calls"), Series("other", (1, 1), "touches")),
        marks=(4, 4),
        mark_name="target",
        numbers=("0/4", "8/4"),
        numbers_name="calls",
    )
    assert chart_lines(data, 30, 8) == EXPECTED
    assert chart_lines(data, 18, 8)[0] == "█ calls  █ other …"


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
@pytest.mark.parametrize("team", [False, True], ids=["mine", "team"])
def test_snapshot(
    snap_compare: Callable[..., bool], app_factory: Callable[..., CsmApp], size: str, team: bool
) -> None:
    app = app_factory()

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        _push(app, team=team)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_the_charts_of_the_trends(app_factory: Callable[..., CsmApp]) -> None:
    trends = app_factory().workspace.wrapup.trends(team=True)
    calls, health, escalations = trend_charts(trends)
    assert calls.marks == tuple(w.call_target for w in trends.weeks)
    assert [s.name for s in health.series] == ["green", "yellow", "red"]  # no unscored account
    assert [s.name for s in escalations.series] == ["L1", "L2", "L3", "L4", "L5"]
    for n, week in enumerate(trends.weeks):
        assert sum(s.values[n] for s in calls.series) == week.touches
        assert sum(s.values[n] for s in health.series) == week.accounts
