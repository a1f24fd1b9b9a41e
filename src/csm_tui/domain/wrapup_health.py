"""The wrap-up's health movers: accounts whose health band crossed during the week.

Read from the health snapshots, from the last one before the week to the last one counted. Every
crossing is kept, so that an account that dipped to red on Tuesday and came back on Thursday is
seen (a manager wants to know it dipped); `Movement` says the net effect. A first score is not a
move: with no snapshot before the week, the chain starts at its first one in the week. The
component named is the one that moved most in the band's direction (down for a drop or a dip, up
for a rise or a peak): from before the week to its last snapshot for a net move, to the first
crossing for a dip or a peak, which is what needs explaining.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from csm_tui.domain.enums import Choice
from csm_tui.domain.health import BandThresholds, HealthBand
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.wrapup_inputs import BookAccount, Snapshot, weekday_name

#: The health components, in the order of their weights (a tie names the first).
COMPONENTS = ("engagement", "success", "satisfaction", "financial")

_BAND_RANK = {HealthBand.RED: 0, HealthBand.YELLOW: 1, HealthBand.GREEN: 2}


class Movement(Choice):
    """A health mover's net effect over the week."""

    DOWN = "down"
    DIPPED = "dipped"  # down, then back to its band
    PEAKED = "peaked"  # up, then back to its band
    UP = "up"


@dataclass(frozen=True, slots=True)
class BandCrossing:
    """The band changed between two snapshots."""

    on: date  # the snapshot in the new band
    from_band: HealthBand
    to_band: HealthBand
    score: int  # in the new band


@dataclass(frozen=True, slots=True)
class ComponentMove:
    """A health component's change, named for the screen: 'engagement 70 -> 45'."""

    name: str  # one of `COMPONENTS`
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before

    @property
    def words(self) -> str:
        return f"{self.name} {self.before} → {self.after}"


@dataclass(frozen=True, slots=True)
class HealthMove:
    """An account whose health band crossed during the week."""

    account_id: str
    account_name: str
    arr_cents: int
    movement: Movement
    from_band: HealthBand  # before the week (or at its first snapshot in it)
    to_band: HealthBand  # at its last snapshot in the counted days
    from_score: int
    to_score: int
    crossings: tuple[BandCrossing, ...]  # every crossing, in date order
    component: ComponentMove | None  # what moved most in the band's direction (None: nothing did)

    @property
    def path(self) -> str:
        """'yellow → red (Tue) → yellow (Thu)': every band it went through."""
        steps = [self.from_band.value]
        steps += [f"{c.to_band.value} ({weekday_name(c.on)})" for c in self.crossings]
        return " → ".join(steps)


_MOVEMENT_ORDER = {movement: n for n, movement in enumerate(Movement)}


def band_on(
    account: BookAccount, day: date, bands: BandThresholds
) -> tuple[int | None, HealthBand]:
    """The account's score and band on `day`: its last snapshot by then, else its score now."""
    known = [s for s in account.snapshots if s.on <= day]
    score = max(known, key=lambda s: s.on).score if known else account.health_score
    return score, bands.band(score)


def movers(
    accounts: Iterable[BookAccount], week: IsoWeek, as_of: date, bands: BandThresholds
) -> tuple[HealthMove, ...]:
    """The accounts whose band crossed in the week up to `as_of`: down, dipped, peaked, up,
    then by ARR, largest first."""
    found = [m for a in accounts if (m := health_move(a, week, as_of, bands)) is not None]
    return tuple(
        sorted(
            found,
            key=lambda m: (_MOVEMENT_ORDER[m.movement], -m.arr_cents, m.account_name.casefold()),
        )
    )


def health_move(
    account: BookAccount, week: IsoWeek, as_of: date, bands: BandThresholds
) -> HealthMove | None:
    """The account's band crossings from its last snapshot before the week to its last one by
    `as_of`; None when the band never changed (or it had no snapshot in the week)."""
    snapshots = sorted(account.snapshots, key=lambda s: s.on)
    before = [s for s in snapshots if s.on < week.monday][-1:]
    chain = before + [s for s in snapshots if week.monday <= s.on <= as_of]
    crossings = [
        BandCrossing(now.on, bands.band(was.score), bands.band(now.score), now.score)
        for was, now in pairwise(chain)
        if bands.band(was.score) != bands.band(now.score)
    ]
    if not crossings:
        return None
    first, last = chain[0], chain[-1]
    start, end = bands.band(first.score), bands.band(last.score)
    net = _BAND_RANK[end] - _BAND_RANK[start]
    down = _BAND_RANK[crossings[0].to_band] < _BAND_RANK[start]
    if net:
        movement, explained = (Movement.UP if net > 0 else Movement.DOWN), last
    else:
        movement = Movement.DIPPED if down else Movement.PEAKED
        explained = next(s for s in chain if s.on == crossings[0].on)
    falling = movement in (Movement.DOWN, Movement.DIPPED)
    return HealthMove(
        account.id,
        account.name,
        account.arr_cents,
        movement,
        start,
        end,
        first.score,
        last.score,
        tuple(crossings),
        _component(first, explained, falling),
    )


def _component(before: Snapshot, after: Snapshot, falling: bool) -> ComponentMove | None:
    """The component that moved most in the band's direction (the first of `COMPONENTS` on a
    tie); None when none moved that way or none was recorded."""
    best: ComponentMove | None = None
    for name, was, now in zip(COMPONENTS, _parts(before), _parts(after), strict=True):
        if was is None or now is None:
            continue
        change = (was - now) if falling else (now - was)
        if change > 0 and (best is None or change > abs(best.change)):
            best = ComponentMove(name, was, now)
    return best


def _parts(snapshot: Snapshot) -> tuple[int | None, ...]:
    """Its components in the order of `COMPONENTS`."""
    return (snapshot.engagement, snapshot.success, snapshot.satisfaction, snapshot.financial)
