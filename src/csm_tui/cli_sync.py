"""`csm sync`: this laptop's book and the team's server (issue 23, first steps).

The first sync downloads the team's book into the file `--db` names (`services.sync.download`),
with sync on. Every sync after sends the changes made here since (`Sync.push`: each runs on the
server through the same service; one the server refuses is said with why), then downloads the
book again, so that the laptop has what the team wrote meanwhile. (Pulling only what changed is
still to come: until then a sync downloads the whole book.)
"""

from __future__ import annotations

from pathlib import Path

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
@pass_settings
def sync(settings: Settings, team_db: str | None) -> None:
    """Send this book's changes to the team's server and bring the team's back (the first
    time: download the team's book into --db)."""
    from csm_tui.services.outbox import Outbox
    from csm_tui.services.sync import Sync, SyncError, download
    from csm_tui.services.workspace import Workspace
    from csm_tui.store.database import Database

    server_url = team_db or settings.team_database
    if not server_url:
        raise click.UsageError(
            "which team server? Pass --team-db URL, or set team_database in the config file"
        )
    if "://" in settings.database:
        raise click.UsageError(
            f"--db {settings.database} is a server: a laptop syncs a book of its own, a file"
        )
    path = Path(settings.database).expanduser()
    try:
        server = Database.open(server_url)
    except Exception as error:
        raise click.ClickException(f"cannot reach the team's server: {error}") from None
    try:
        if not path.exists():
            got = download(server, path)
            click.echo(
                f"Downloaded the team's book into {path}: {got.accounts:,} accounts "
                f"({sum(got.rows.values()):,} rows). This laptop syncs from now on."
            )
            return
        laptop_db = Database.open(path)
        try:
            syncs = Outbox(laptop_db).device() is not None
        finally:
            laptop_db.dispose()
        if not syncs:
            raise click.ClickException(
                f"{path} is a book of its own, not a copy of the team's: csm sync never "
                "replaces it. Give --db a new file name to download the team's book there."
            )
        with (
            Workspace.open(settings) as laptop,
            Workspace.open(settings.with_database(server_url)) as team,
        ):
            pushed = Sync(laptop, team).push()
        click.echo(pushed.words.capitalize() + ".")
        for refused in pushed.rejected:
            click.echo(f"  refused: {refused.name} (change {refused.seq}): {refused.why}")
        got = download(server, path)
        click.echo(f"Brought the team's book down again: {got.accounts:,} accounts.")
    except SyncError as error:
        raise click.ClickException(str(error)) from None
    finally:
        server.dispose()
