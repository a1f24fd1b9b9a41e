"""`csm team`: who is in the team, adding someone (a new CSM, or yourself on first run), and a
member's role, segment and manager (`csm team set`): what the weekly wrap-up reads to know whose
week a manager sees and which cadence-call target a CSM's week is measured against."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from sqlmodel import Session

from csm_tui.domain.enums import Role, Segment
from csm_tui.domain.fields import parse_email
from csm_tui.domain.team import Member, TeamRow, reporting_loop, weekly_call_target
from csm_tui.errors import CsmError
from csm_tui.models import TeamMember
from csm_tui.store import queries
from csm_tui.store import team as store
from csm_tui.store.database import Database
from csm_tui.store.imports import member_name


class TeamError(CsmError):
    """A team member that cannot be added or changed as asked."""


@dataclass(frozen=True, slots=True)
class MemberChange:
    """What `csm team set` changes; a field left None stays as it is. `manager` and `segment`
    are cleared by `no_manager` and `no_segment` (a CSM without a segment is measured against
    the segment most of their book is in)."""

    name: str | None = None
    role: Role | None = None
    segment: Segment | None = None
    no_segment: bool = False
    manager: str | None = None  # the manager's e-mail
    no_manager: bool = False

    @property
    def empty(self) -> bool:
        return self == MemberChange()


def default_name(email: str) -> str:
    """The name a member gets when none is given: read from the address, as an import does."""
    return member_name(email)


def team_rows(db: Database, targets: Mapping[str, int] | None = None) -> list[TeamRow]:
    """Every member; with `targets` (`[wrapup] cadence_calls_per_week`), each one's weekly
    cadence-call target."""
    with db.reading() as session:
        rows = store.team_rows(session)
    return rows if targets is None else [_with_target(row, targets) for row in rows]


def _with_target(row: TeamRow, targets: Mapping[str, int]) -> TeamRow:
    return replace(row, target=weekly_call_target(row.segment, row.book, targets))


def add_member(
    db: Database, email: str, *, name: str | None = None, role: Role = Role.CSM
) -> tuple[Member, bool]:
    """Add `email` to the team (the name, if not given, is read from the address as an
    import does); True when a member deleted earlier was brought back."""
    address = email.strip()
    try:
        parse_email(address)
    except ValueError as error:
        raise TeamError(f"{address!r} is not an e-mail address: expected {error}") from None
    given = (name or "").strip()
    with db.writing() as session:
        existing = queries.find_member(session, address)
        if existing is not None:
            raise TeamError(
                f"{existing.email} is in the team already ({existing.name}, "
                f"{Role(existing.role).label})"
            )
        return store.add_member(
            session, email=address, name=given or default_name(address), role=role
        )


def set_member(
    db: Database, email: str, change: MemberChange, targets: Mapping[str, int] | None = None
) -> TeamRow:
    """Change a member's name, role, segment or manager in one transaction, and the member as
    `team_rows` then lists them. Refused, with what to do instead: an e-mail nobody in the team
    has, a manager who is not a manager, a member managing themselves or someone above them,
    and a manager who still manages people becoming a CSM."""
    if change.empty:
        raise TeamError("nothing to change: say --name, --role, --segment or --manager")
    if change.name is not None and not change.name.strip():
        raise TeamError("a name cannot be blank")
    if change.no_manager and change.manager is not None:
        raise TeamError("--manager and --no-manager contradict each other: say one")
    if change.no_segment and change.segment is not None:
        raise TeamError("--segment and --no-segment contradict each other: say one")
    with db.writing() as session:
        member = _member(session, email)
        role = change.role or Role(member.role)
        manager_id = None if change.no_manager else member.manager_id
        if change.manager is not None:
            manager_id = _manager(session, member, change.manager).id
        if role is Role.CSM and member.role == Role.MANAGER.value:
            reports = store.reports_of(session, member.id)
            if reports:
                raise TeamError(_still_manages(member, reports))
        store.update_member(
            session,
            member.id,
            name=change.name.strip() if change.name is not None else member.name,
            role=role,
            segment=_segment(change, member.segment),
            manager_id=manager_id,
        )
        [row] = [r for r in store.team_rows(session) if r.email == member.email]
    return row if targets is None else _with_target(row, targets)


def _member(session: Session, email: str) -> TeamMember:
    member = queries.find_member(session, email)
    if member is None:
        raise TeamError(_nobody(session, email))
    return member


def _manager(session: Session, member: TeamMember, email: str) -> TeamMember:
    """The manager `member` is to report to, checked: in the team, a manager, and not the
    member or anyone who reports to them (directly or through others)."""
    manager = queries.find_member(session, email)
    if manager is None:
        raise TeamError(f"--manager: {_nobody(session, email)}")
    if manager.id == member.id:
        raise TeamError(
            f"{member.email} cannot manage themselves: name their manager, or --no-manager"
        )
    if manager.role != Role.MANAGER.value:
        raise TeamError(
            f"{manager.email} ({manager.name}) is a {Role(manager.role).label}, not a manager: "
            f"make them one first (csm team set {manager.email} --role manager)"
        )
    loop = reporting_loop(str(member.id), str(manager.id), store.managers_of(session))
    if loop:
        names = {str(m.id): m.email for m in queries.team(session)}
        path = " → ".join(names.get(key, key) for key in loop)
        raise TeamError(
            f"{manager.email} already reports to {member.email} ({path}): "
            f"{member.email} cannot report to them too; change {manager.email}'s manager first"
        )
    return manager


def _still_manages(member: TeamMember, reports: list[str]) -> str:
    shown = ", ".join(reports[:5]) + (f" and {len(reports) - 5} more" if len(reports) > 5 else "")
    return (
        f"{member.email} still manages {len(reports)} "
        f"{'member' if len(reports) == 1 else 'members'} ({shown}): give them another manager "
        "first (csm team set EMAIL --manager MANAGER, or --no-manager)"
    )


def _segment(change: MemberChange, current: str | None) -> str | None:
    if change.no_segment:
        return None
    return change.segment.value if change.segment is not None else current


def _nobody(session: Session, email: str) -> str:
    known = [m.email for m in queries.team(session)]
    hint = f"; known: {', '.join(known[:8])}" if known else "; the team is empty"
    more = f" (and {len(known) - 8} more)" if len(known) > 8 else ""
    return f"nobody in the team has the e-mail {email.strip()}{hint}{more}"
