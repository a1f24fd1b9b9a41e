"""The team's weekly wrap-up, read beside the team's triage queue in the same run.

    python -m benchmarks.wrapup BOOK [--today YYYY-MM-DD] [--repeats 5]

On a private copy of BOOK (SQLite's backup API; BOOK is never written), brought up to date for
`--today` as the app's first start would: what `csm wrapup --team` reads and works out for the
week before `--today` (`Wrapup.team_week`: every CSM's book with the week's touches, health
snapshots, escalations with their history, milestones with their moves, renewals ahead, then
every figure), the team's trends (`Wrapup.trends`: the 12 weeks ending with that one, in one
read), one CSM's week (`my_week`), and, as the baseline, what the triage screen's
worker reads for the team's queue (its first page, then its health changes and counts).
Medians of `--repeats` runs, in seconds and as a ratio to the triage figure.

With `--screen`, also the wrap-up screen itself, headless through the app's pilot, as the team's
manager (the demo's): from `W` on the queue to the first paint of the screen saying what it
reads (`screen_paint_ms`: the read runs in a worker, so this does not grow with the book), and
to the first paint with the team's table (`screen_figures_ms`); then `[` to the week before,
read and painted (`screen_week_before_ms`).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlmodel import select

from benchmarks.interactions import SIZE, _Paints, _settle, _timed, _until
from benchmarks.private_copy import median, private_copy
from csm_tui.domain.enums import Role
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.team import Member
from csm_tui.rules import rules_for
from csm_tui.services.triage import Triage
from csm_tui.services.wrapup import Wrapup
from csm_tui.settings import Settings
from csm_tui.store.database import Database


def spread_over(db: Database, csms: int) -> None:
    """Hand the book to `csms` CSMs, round the accounts in key order (new ones join the team,
    managed by the demo's manager; the issue's budget is for a team of 20, the demo makes 13 at
    5,000 accounts). The schedule is worked out again on the next read, as for any owner
    change."""
    from sqlalchemy import text

    from csm_tui.models import TeamMember
    from csm_tui.services.demo import DEMO_MANAGER_EMAIL

    with db.writing() as session:
        members = session.exec(
            select(TeamMember).where(TeamMember.role == Role.CSM.value).order_by(TeamMember.name)
        ).all()
        manager = session.exec(
            select(TeamMember).where(TeamMember.email == DEMO_MANAGER_EMAIL)
        ).one()
        owners = [member.id for member in members]
        for n in range(len(owners), csms):
            extra = TeamMember(
                name=f"Bench CSM {n + 1:02}",
                email=f"bench.{n + 1:02}@demo.csm-tui.dev",
                role=Role.CSM.value,
                manager_id=manager.id,
            )
            session.add(extra)
            session.flush()
            owners.append(extra.id)
        owners = owners[:csms]
        keys = session.execute(text("SELECT id FROM account ORDER BY id")).scalars().all()
        session.execute(
            text("UPDATE account SET owner_id = :owner WHERE id = :id"),
            [{"owner": owners[n % len(owners)].hex, "id": key} for n, key in enumerate(keys)],
        )


def measure(
    book: Path, today: date, repeats: int, csms: int | None = None
) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        copy, db = private_copy(book, Path(folder))
        if csms is not None:
            spread_over(db, csms)
        rules = rules_for(Settings(database=str(copy), today=today))
        triage = Triage(db, rules, today, None)
        triage.schedule.ensure_current()
        week = IsoWeek.of(today - timedelta(days=7))

        def team_queue() -> None:
            view = triage.load(team=True, paged=True, refresh=False, record=False)
            assert view.pages is not None
            view.pages.rows(every=False, query="").load_until(0)
            triage.with_health(view)

        figures: dict[str, float | int] = {}
        figures["triage_team_queue_s"] = median(team_queue, repeats)
        team = Wrapup(db, rules, today, None)
        rows = team.team_week(week).rows
        figures["csms"] = len(rows)
        figures["accounts"] = sum(row.figures.accounts for row in rows)
        figures["team_week_s"] = median(lambda: team.team_week(week), repeats)
        figures["team_trends_s"] = median(lambda: team.trends(week, team=True), repeats)
        busiest = max(rows, key=lambda row: row.figures.accounts).week
        me = Member(id=busiest.member_id, name=busiest.name, email="", role=Role.CSM)
        mine = Wrapup(db, rules, today, me)
        figures["my_week_s"] = median(lambda: mine.my_week(week), repeats)
        db.dispose()
    baseline = figures["triage_team_queue_s"]
    for name in ("team_week_s", "team_trends_s", "my_week_s"):
        figures[name.replace("_s", "_to_triage")] = round(figures[name] / baseline, 4)
    return figures


async def _screen_samples(database: Path, today: date, repeats: int) -> dict[str, list[float]]:
    """Each repeat: W from the queue (first paint, then the figures), then `[`."""
    from textual.widgets import Static

    from csm_tui.app import make_app
    from csm_tui.screens.wrapup import WrapupScreen
    from csm_tui.services.demo import DEMO_MANAGER_EMAIL
    from csm_tui.settings import Settings
    from csm_tui.widgets.team_week_table import TeamWeekTable

    settings = Settings(database=str(database), today=today, user_email=DEMO_MANAGER_EMAIL)
    app = make_app(settings)
    samples: dict[str, list[float]] = {
        "screen_paint_ms": [],
        "screen_figures_ms": [],
        "screen_week_before_ms": [],
    }
    async with app.run_test(size=SIZE) as pilot:
        paints = _Paints(app)
        await _settle(pilot)

        def reading() -> bool:
            screen = app.screen
            return isinstance(screen, WrapupScreen) and bool(
                screen.query_one("#wrapup-loading", Static).display
            )

        def figures() -> bool:
            screen = app.screen
            return (
                isinstance(screen, WrapupScreen)
                and screen.shown is not None
                and screen.query_one(TeamWeekTable).row_count > 0
            )

        for _ in range(repeats):
            start = time.perf_counter()
            samples["screen_paint_ms"].append(await _timed(pilot, paints, "W", reading))
            await _until(pilot, figures)
            await pilot.pause()
            samples["screen_figures_ms"].append((time.perf_counter() - start) * 1000)
            await _settle(pilot)
            week = app.screen.week  # type: ignore[attr-defined]

            def week_before(shown_week: IsoWeek = week.previous) -> bool:
                screen = app.screen
                return (
                    figures()
                    and isinstance(screen, WrapupScreen)
                    and (screen.shown is not None and screen.week == shown_week)
                )

            samples["screen_week_before_ms"].append(
                await _timed(pilot, paints, "left_square_bracket", week_before)
            )
            await _settle(pilot)
            await pilot.press("escape")
            await _settle(pilot)
    return samples


def measure_screen(
    book: Path, today: date, repeats: int, csms: int | None = None
) -> dict[str, float]:
    """The wrap-up screen's paint and figures, on a private copy of `book`."""
    with tempfile.TemporaryDirectory() as folder:
        copy, db = private_copy(book, Path(folder))
        if csms is not None:
            spread_over(db, csms)
        db.dispose()
        samples = asyncio.run(_screen_samples(copy, today, repeats))
    return {name: round(statistics.median(values), 1) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 23))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--screen", action="store_true", help="the screen's paint too")
    parser.add_argument(
        "--csms", type=int, default=None, help="hand the book to this many CSMs first"
    )
    arguments = parser.parse_args()
    figures: dict[str, float | int] = dict(
        measure(arguments.book, arguments.today, arguments.repeats, arguments.csms)
    )
    if arguments.screen:
        figures.update(
            measure_screen(arguments.book, arguments.today, arguments.repeats, arguments.csms)
        )
    for name, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int) else f"{value:.4f}"
        print(f"{name:>24}  {shown}")


if __name__ == "__main__":
    main()
