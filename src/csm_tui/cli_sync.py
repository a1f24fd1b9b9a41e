"""`csm sync`: this laptop's book and the team's server (issue 23).

The first sync downloads the team's book into the file `--db` names, with sync on (`--reset`
downloads it again: a laptop's copy gone wrong, once its changes are sent). Every sync after
sends the changes made here since (each runs on the server through the same service; one the
server refuses is said with why), then brings the team's changes back
(`services.sync_run.sync_book`, which the terminal UI's sync key runs too).
"""

from __future__ import annotations

import click

from csm_tui.cli import main, pass_settings
from csm_tui.settings import Settings


@main.command()
@click.option(
    "--team-db",
    "team_db",
    default=None,
    metavar="URL",
    envvar="CSM_TUI_TEAM_DATABASE",
    help="The team's server: postgresql://user@host/dbname  [default: the config file's "
    "team_database]",
)
@click.option(
    "--reset",
    is_flag=True,
    help="Download this laptop's copy again from the server (refused while changes wait)",
)
@pass_settings
def sync(settings: Settings, team_db: str | None, reset: bool) -> None:
    """Send this book's changes to the team's server and bring the team's back (the first
    time: download the team's book into --db)."""
    from csm_tui.services.sync import SyncError
    from csm_tui.services.sync_run import sync_book

    server_url = team_db or settings.team_database
    if not server_url:
        raise click.UsageError(
            "which team server? Pass --team-db URL, or set team_database in the config file"
        )
    if "://" in settings.database:
        raise click.UsageError(
            f"--db {settings.database} is a server: a laptop syncs a book of its own, a file"
        )
    try:
        report = sync_book(settings, server_url, reset=reset)
    except SyncError as error:
        raise click.ClickException(str(error)) from None
    if report.pushed is None:
        whose = "your book" if settings.user_email else "the team's book"
        again = " again" if reset else ""
        click.echo(
            f"Downloaded {whose}{again} into {settings.database}: {report.downloaded or 0:,} "
            "accounts. This laptop syncs from now on."
        )
        return
    for line in report.lines:
        click.echo(line)
