"""The queue of the app's first paint, read before the ORM is imported.

Start to first painted queue is budgeted against a bare Textual app (DESIGN.md section 8),
and importing SQLAlchemy, SQLModel and the models alone costs about as much as a bare app
(benchmarks: start→paint). For a book in a SQLite file whose schema is current and whose user
is known, the first queue is read with the standard library (`store.glance`) and the workspace
connects after the first paint. Anything else (a PostgreSQL server, a new or older database,
an unknown `--as`) returns None, and the caller opens the workspace the ordinary way, which
creates, upgrades or says what is wrong.

The team's queue of a large book is not read whole here: it grows with the book. When its
ranks of the day are stored (`store.ranks`), its first page is read; otherwise the screen
paints at once and reads it in a worker (`FirstView.view` None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from csm_tui.domain.team import Member
from csm_tui.domain.triage import Counts
from csm_tui.rules import LoadedRules
from csm_tui.services.triage_pages import PAGE_ROWS, read_before_paint
from csm_tui.services.triage_view import TriageView, read_view
from csm_tui.settings import Settings
from csm_tui.store.glance import Glance, Unavailable
from csm_tui.store.memory import gc_paused
from csm_tui.store.versions import HEAD_REVISION, ranked_for, schedule_stamp

#: A team's queue is read whole before the first paint for a book up to this many accounts;
#: a larger one's first page only (`_team_pages`).
TEAM_READ_BEFORE_PAINT = 2_000


@dataclass(frozen=True, slots=True)
class FirstView:
    me: Member | None
    view: TriageView | None  # None: the screen reads it after its first paint


def sqlite_file(database: str) -> Path | None:
    """The file of a database given as a plain path (as `store.database.normalise_url` reads
    it); None for a URL, which the ordinary path parses."""
    return None if "://" in database else Path(database).expanduser()


def first_view(settings: Settings, rules: LoadedRules) -> FirstView | None:
    """The user's queue (the team's without `--as`) as the triage screen first shows it, or
    None when only the ordinary path can read it."""
    path = sqlite_file(settings.database)
    if path is None:
        return None
    today = settings.today
    try:
        with Glance.open(path, today, rules.rulebook.urgency) as glance:
            if glance.revision() != HEAD_REVISION:
                return None
            me = None
            if settings.user_email is not None:
                me = glance.member(settings.user_email)
                if me is None:
                    return None
            since = glance.since(me) if me is not None else today - timedelta(days=1)
            stamp = schedule_stamp(rules.rulebook.sha256)
            stale = glance.schedule_state() != (today, stamp)
            if me is None and glance.accounts() > TEAM_READ_BEFORE_PAINT:
                if stale or glance.ranked_for() != ranked_for(today, stamp):
                    return FirstView(me, None)
                return FirstView(me, _team_pages(glance, since, rules))
            with gc_paused():
                view = read_view(
                    glance,
                    today=today,
                    since=since,
                    owner_email=me.email if me is not None else None,
                    bands=rules.rulebook.bands,
                    stale=stale,
                )
    except Unavailable:
        return None
    return FirstView(me, view)


def _team_pages(glance: Glance, since: date, rules: LoadedRules) -> TriageView:
    """The first page of a large team's queue, ranked the day (`store.ranks`), without its
    health changes and counts: the screen reads those after the first paint."""
    with gc_paused():
        items, ranks = glance.team_page(PAGE_ROWS)
        pages = read_before_paint(items, ranks, glance.team_rows(), rules.rulebook.bands)
    return TriageView(
        today=glance.today,
        since=since,
        team=True,
        items=[],
        changes={},
        counts=Counts(),
        outlook=None,
        pages=pages,
        partial=True,
    )
