"""What the wrap-up screen shows, read in one call from its worker: a CSM's week with the notes
the reader may see, or the team's week with each CSM's submitted notes; and the Markdown of
either, which `csm wrapup --format md` writes too, so that the screen's file and the CLI's are
the same report.

Whose notes show: a member's own week shows their notes as they are (a draft too: theirs to
edit); anyone else's week, and the team's, show only submitted notes (a draft is not the
manager's to read), and a CSM reads no peer's (they go to the manager: `Wrapup.team_week`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from csm_tui.domain.enums import Role
from csm_tui.domain.iso_week import IsoWeek
from csm_tui.domain.weekly_notes import WeekNotes
from csm_tui.domain.wrapup import CsmWeek
from csm_tui.domain.wrapup_export import team_markdown, week_markdown
from csm_tui.domain.wrapup_team import TeamWeek
from csm_tui.services.wrapup import Wrapup, WrapupError
from csm_tui.services.wrapup_notes import WeeklyNotes


@dataclass(frozen=True, slots=True)
class ShownWeek:
    """A CSM's week and their notes of it, as far as the reader may see them."""

    csm: CsmWeek
    notes: WeekNotes | None  # None: nothing the reader may see
    own: bool  # the reader's own week: the notes are theirs to write and submit
    notes_hidden: bool = False  # a peer's week read by a CSM: the notes are their manager's

    def markdown(self) -> str:
        return week_markdown(self.csm, self.notes)

    @property
    def file_stem(self) -> str:
        return f"{_slug(self.csm.name) or 'week'}-{self.csm.week}"


@dataclass(frozen=True, slots=True)
class ShownTeam:
    """The team's week, with the notes its CSMs submitted that the reader may read."""

    team: TeamWeek

    def markdown(self) -> str:
        return team_markdown(self.team)

    @property
    def file_stem(self) -> str:
        return f"team-{self.team.week}"


def read_week(
    wrapup: Wrapup, notes: WeeklyNotes, week: IsoWeek, member_id: str | None = None
) -> ShownWeek:
    """`member_id`'s week (None: the signed-in member's) and the notes the reader may see."""
    me = wrapup.me
    if member_id is None or (me is not None and member_id == me.id):
        if me is None:
            raise WrapupError("whose week? Start csm with --as EMAIL (or set user_email)")
        csm = wrapup.my_week(week)
        return ShownWeek(csm, notes.notes(me, csm.week), own=True)
    csm = wrapup.member_week(member_id, week)
    if me is not None and me.role is Role.CSM:
        return ShownWeek(csm, None, own=False, notes_hidden=True)
    return ShownWeek(csm, notes.submitted([member_id], csm.week).get(member_id), own=False)


def read_team(wrapup: Wrapup, week: IsoWeek) -> ShownTeam:
    """The team's week (whose, as `Wrapup.team_week` says) with the notes the reader may read."""
    return ShownTeam(wrapup.team_week(week))


def report_path(folder: Path, shown: ShownWeek | ShownTeam) -> Path:
    """Where the screen writes the report: `<folder>/wrapups/<name>-<week>.md` (the same week
    written again replaces the file: it is the same report, brought up to date)."""
    return folder / "wrapups" / f"{shown.file_stem}.md"


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
