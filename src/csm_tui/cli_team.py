"""`csm team init`: the team's PostgreSQL server made ready for its members (issue 23), by its
admin, with the admin's URL in `--db`: the schema, the change feed, a role per member and the
row-level policies that hold each to their book (`services.team_init`). Run again after an
upgrade, and when members join or leave.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING
from urllib.parse import quote

import click

from csm_tui.cli import pass_settings, team
from csm_tui.settings import Settings

if TYPE_CHECKING:
    from csm_tui.services.team_init import TeamReady


@team.command("init")
@click.option(
    "--group",
    default="csm_team",
    show_default=True,
    metavar="ROLE",
    help="The NOLOGIN role that holds the members' privileges: name one per team when one "
    "PostgreSQL cluster holds several teams' databases.",
)
@pass_settings
def team_init(settings: Settings, group: str) -> None:
    """Make the team's PostgreSQL server ready for its members.

    Run by the admin (--db postgresql://admin@host/dbname): the schema, the change feed, a
    PostgreSQL role per member, and the row-level policies that hold each to their own book.
    Once, then after each upgrade and when members join or leave."""
    from csm_tui.services.team_init import TeamInitError, init_team

    try:
        ready = init_team(settings.database, group)
    except TeamInitError as error:
        raise click.ClickException(str(error)) from None
    for line in _lines(ready):
        click.echo(line)


def _lines(ready: TeamReady) -> list[str]:
    roles = ready.roles
    upgrade = ready.upgrade
    schema = (
        f"schema at revision {ready.revision}"
        if upgrade is None
        else f"schema upgraded {upgrade.from_revision or 'empty'} -> {upgrade.to_revision}"
    )
    feed = "the change feed made" if ready.feed_made else "the change feed on"
    lines = [
        f"{ready.database}: {schema}; {feed}; group role {ready.group} with row-level "
        "policies on every table.",
    ]
    there = len(roles.kept) + len(roles.joined)
    if roles.created or there:
        lines.append(f"Member roles: {len(roles.created)} created, {there} there already.")
    else:
        lines.append(
            "No member roles yet: nobody is in the team. Add them (csm team add, or import the "
            "book's owners), then run csm team init again."
        )
    lines += [f"  new: {shlex.quote(name)}" for name in roles.created]
    lines += [f"  given log-in again: {shlex.quote(name)}" for name in roles.joined]
    lines += [
        f"  no live member's any more (left the team, or a new e-mail), log-in taken: "
        f"{shlex.quote(name)}"
        for name in roles.disabled
    ]
    lines += [f"  no role for {name}: {why}" for name, why in roles.skipped]
    example = (roles.created or roles.kept or roles.joined or ("maya.patel@example.com",))[0]
    user = quote(example, safe="")
    lines += [
        "No password was set: as the admin, set each member's in psql, e.g. "
        f'\\password "{example}"',
        f"Each member keeps theirs in ~/.pgpass (chmod 600): {ready.pgpass(example)}",
        f"and syncs with --team-db postgresql://{user}@{ready.host}:{ready.port}/"
        f"{quote(ready.dbname, safe='')}",
        "Members who join later get their role when csm team init runs again; those who "
        "leave lose their log-in.",
    ]
    return lines
