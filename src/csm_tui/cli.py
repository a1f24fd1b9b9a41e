"""The `csm` command: opens the TUI, or runs one job for people who live in the shell.

Commands are thin: they build Settings, call a service inside a `with` that releases the
database however the command ends, and print (the rows' wording lives in `csm_tui.output`).
Every failure a user can cause ends as one clear line on stderr and a non-zero exit code, never
a traceback: 1 for a problem with the data or the database, 2 for a mistyped command line.
"""

from __future__ import annotations

import gc
import json
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import click

from csm_tui import paths
from csm_tui.errors import CsmError
from csm_tui.settings import Settings, build_settings

if TYPE_CHECKING:
    from datetime import datetime

    from csm_tui.domain.exchange import Table
    from csm_tui.domain.import_columns import ImportKind
    from csm_tui.domain.mapping_file import ImportMapping
    from csm_tui.rules import LoadedRules
    from csm_tui.services.demo_database import DemoBook
    from csm_tui.services.triage import Done

P = ParamSpec("P")
R = TypeVar("R")

IMPORT_COLUMNS = {
    "accounts": "external_id,name,segment,priority,arr,owner_email,ae,contract_start,"
    "renewal_date,go_live_date,health_score,lifecycle_stage",
    "contacts": "account_external_id,name,title,email,phone,persona,reports_to_email,is_primary",
    "touchpoints": "account_external_id,occurred_on,kind,summary,sentiment,owner_email",
}


class CsmGroup(click.Group):
    """Turns the errors a user can cause into one line and exit code 1, and a global option
    typed after the command into a usage error (exit 2) that says where it goes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_TYPED] = list(args)  # for the hint on a misplaced global option
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.NoSuchOption as error:
            raise _misplaced_global(ctx, error) or error from None
        except CsmError as error:
            raise click.ClickException(str(error)) from error
        except BrokenPipeError:
            raise  # `csm queue | head`: click leaves quietly
        except OSError as error:  # the system refused a file no service explained: say which
            from csm_tui.errors import os_problem

            raise click.ClickException(os_problem(error)) from error
        except Exception as error:  # driver errors: cannot connect, disk full, locked...
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(error, SQLAlchemyError):
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
                raise click.ClickException(f"database error: {reason}") from error
            raise


_TYPED = "csm.typed"  # ctx.meta key: the arguments as typed after `csm`


def _misplaced_global(ctx: click.Context, error: click.NoSuchOption) -> click.UsageError | None:
    """Click's bare "No such option" for `csm queue --today ...` would leave the user to guess
    that `--today` belongs to `csm` itself: say so, and show the command the other way round
    (with the value typed, when there was one). None for an option that is not global."""
    name = error.option_name
    option = next(
        (
            param
            for param in ctx.command.params
            if isinstance(param, click.Option) and not param.is_eager and name in param.opts
        ),
        None,
    )
    if option is None:
        return None
    typed: list[str] = ctx.meta.get(_TYPED, [])
    value = option.metavar or "VALUE"
    for index in reversed(range(len(typed))):  # the last one: the one after the command
        if typed[index] == name and index + 1 < len(typed):
            value = shlex.quote(typed[index + 1])
            break
        if typed[index].startswith(name + "="):
            value = shlex.quote(typed[index].partition("=")[2])
            break
    where = error.ctx or ctx
    root = ctx.command_path
    command = where.command_path.removeprefix(root).strip()
    return click.UsageError(
        f"{name} is a global option: put it before the command, e.g. "
        f"{root} {name} {value} {command}".rstrip(),
        ctx=where,
    )


class Word(click.ParamType):
    """One word of a closed vocabulary, as loosely typed as a CRM export writes it ("Cadence
    Call", "NPS_survey"). Anything else is a mistyped command line: a usage error (exit 2) that
    names every word, before the database is opened. The service checks again: the screens
    call it too."""

    name = "word"

    def __init__(self, words: Callable[[], Sequence[str]], *, blank_is_none: bool = False) -> None:
        self.words = words  # read when a value is checked: `csm --help` imports no vocabulary
        self.blank_is_none = blank_is_none

    def convert(
        self, value: str, param: click.Parameter | None, ctx: click.Context | None
    ) -> str | None:
        if self.blank_is_none and not value.strip():
            return None
        words = self.words()
        wanted = _normalised(value)
        for word in words:
            if _normalised(word) == wanted:
                return word
        self.fail(f"{value!r} is not one of {', '.join(words)}", param, ctx)


def _normalised(word: str) -> str:
    return re.sub(r"[\s_\-]+", "-", word.strip().lower())


def _touch_kinds() -> Sequence[str]:
    from csm_tui.domain.enums import TouchKind

    return [kind.value for kind in TouchKind]


def _sentiments() -> Sequence[str]:
    from csm_tui.domain.enums import Sentiment

    return [sentiment.value for sentiment in Sentiment]


def _scheduled_kinds() -> Sequence[str]:
    """What a snooze may name: any touch kind, or a milestone (the rules file says which of
    them it lets be snoozed)."""
    from csm_tui.domain.rulebook import SCHEDULED_KINDS

    return SCHEDULED_KINDS


#: The screens the terminal UI can open on (`csm --open NAME`), each a module of
#: `csm_tui.screens` that names its screen `SCREEN` (what `CsmApp.action_open` shows). A name
#: whose module is not there (yet) is not offered (`screen_names`).
OPEN_SCREENS = ("triage", "book", "escalations", "wrapup", "conflicts")


def screen_names() -> Sequence[str]:
    """The names of `OPEN_SCREENS` whose module exists, found without importing it (the UI
    is imported only when it starts)."""
    from importlib.util import find_spec

    return [name for name in OPEN_SCREENS if find_spec(f"csm_tui.screens.{name}") is not None]


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """`--today`: a day csm can plan from, which every cadence and window is added to (a day
    past `LATEST` or before `EARLIEST` would overflow them): else a usage error."""
    from csm_tui.domain.calendar import EARLIEST, LATEST

    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD") from None
    if not EARLIEST <= day <= LATEST:
        raise click.BadParameter(
            f"{value!r} is outside the dates csm plans in: use a day from {EARLIEST} to {LATEST}"
        )
    return day


@click.group(
    cls=CsmGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--db",
    "database",
    envvar="CSM_TUI_DATABASE_URL",
    metavar="PATH|URL",
    help="Database: a file path (SQLite) or postgresql://user@host/dbname. "
    f"Default: {paths.default_database()}",
)
@click.option(
    "--today",
    envvar="CSM_TUI_TODAY",
    metavar="YYYY-MM-DD",
    callback=_parse_date,
    help="Work as if today were this date (planning ahead, demos, tests).",
)
@click.option(
    "--as",
    "user_email",
    envvar="CSM_TUI_AS",
    metavar="EMAIL",
    help="Whose book: your e-mail address in the team.",
)
@click.option(
    "--config",
    "config_path",
    envvar="CSM_TUI_CONFIG",
    metavar="PATH",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Config file. Default: {paths.default_config_file()}",
)
@click.option(
    "--rules",
    "rules_path",
    envvar="CSM_TUI_RULES",
    metavar="PATH",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Rules file laid over the shipped rules. "
    f"Default: {paths.config_dir() / 'rules.toml'} if it exists.",
)
@click.option(
    "--team-db",
    "team_database",
    envvar="CSM_TUI_TEAM_DATABASE",
    metavar="URL",
    help="The team's server that this laptop's book syncs with (csm sync, the terminal UI's "
    "Y): postgresql://user@host/dbname. Default: the config file's team_database.",
)
@click.option(
    "--open",
    "open_screen",
    metavar="SCREEN",
    type=Word(screen_names),
    help=f"The screen the terminal UI opens on: {', '.join(OPEN_SCREENS)}. Default: "
    "triage (with `serve`: the wrap-up).",
)
@click.version_option(package_name="csm-tui", prog_name="csm")
@click.pass_context
def main(
    ctx: click.Context,
    database: str | None,
    today: date | None,
    user_email: str | None,
    config_path: Path | None,
    rules_path: Path | None,
    team_database: str | None,
    open_screen: str | None,
) -> None:
    """csm: the morning workspace of a Customer Success Manager.

    With no command, opens the terminal UI on your book of business.
    """
    if open_screen is not None and ctx.invoked_subcommand not in (None, *UI_COMMANDS):
        raise click.UsageError(
            f"--open is for the commands that open the terminal UI (csm, "
            f"{', '.join(f'csm {name}' for name in UI_COMMANDS)}), "
            f"not for `csm {ctx.invoked_subcommand}`"
        )
    ctx.obj = build_settings(
        database=database,
        today=today,
        user_email=user_email,
        config_path=config_path,
        rules_path=rules_path,
        team_database=team_database,
        system_today=date.today(),
        database_from=(
            "CSM_TUI_DATABASE_URL"
            if ctx.get_parameter_source("database") is click.core.ParameterSource.ENVIRONMENT
            else "--db"
        ),
    )
    ctx.obj.check_database()
    if ctx.invoked_subcommand is None:
        run_tui(ctx.obj, open_screen)


#: The commands besides `csm` itself that start the terminal UI (in this terminal or, for
#: each browser tab, behind a web server): `--open` is for them.
UI_COMMANDS = ("demo", "serve")


def open_screen_typed(ctx: click.Context) -> str | None:
    """The `--open` typed before a command (or taken from nowhere: None)."""
    value: str | None = ctx.find_root().params.get("open_screen")
    return value


def run_tui(settings: Settings, open_screen: str | None = None) -> None:
    _log_to_file(paths.log_file())
    _run(_make_app(settings, open_screen))


def _make_app(settings: Settings, open_screen: str | None = None) -> Any:  # a CsmApp
    """The app on the book `settings` names, opening on `open_screen` (triage by default).
    The UI is imported when it starts."""
    from csm_tui.app import make_app

    return with_known_user(settings, partial(make_app, open_screen=open_screen))


def with_known_user(settings: Settings, opened: Callable[[Settings], R]) -> R:
    """`opened(settings)`, which opens the book as `settings.user_email`. An `--as` nobody in
    the team has is offered to be added when a person is at the terminal to say yes;
    otherwise, or when they say no, the error says how to add it."""
    from csm_tui.services.workspace import UnknownUser

    try:
        return opened(settings)
    except UnknownUser as error:
        if settings.user_email is None or not _interactive():
            raise
        click.echo(f"{settings.user_email} is nobody in the team of this book yet.", err=True)
        if not click.confirm("Add them to the team now?", default=True, err=True):
            raise error from None
    _add_to_team(settings, settings.user_email, name=None, role=None, prompt=True)
    return opened(settings)


def _interactive() -> bool:
    """A person at the terminal, who can answer a question."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _run(app: Any) -> None:
    upgrade = app.workspace.upgrade
    if upgrade is not None and upgrade.from_revision is not None:
        click.echo(
            f"Upgraded the database schema to {upgrade.to_revision}; backup at {upgrade.backup}",
            err=True,
        )
    # What is loaded by now (modules, the rules, the first queue) lives as long as the app:
    # the garbage collector need not walk it again, as its passes would on the way to the
    # first paint (the benchmarks' `start_to_paint_s` is the time to that paint).
    gc.freeze()
    app.run()


def _log_to_file(path: Path) -> None:
    """The UI's failures go to a file readable by the user only (the screen shows one line;
    the log keeps the traceback). A log that cannot be written is no reason not to start."""
    import logging
    import os
    from logging.handlers import RotatingFileHandler

    class PrivateFile(RotatingFileHandler):
        def _open(self) -> Any:
            stream = super()._open()
            os.chmod(self.baseFilename, 0o600)  # a new file after a rollover too
            return stream

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = PrivateFile(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("csm_tui")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)


def pass_settings(function: Callable[Concatenate[Settings, P], R]) -> Callable[P, R]:
    """Hands a command the Settings that `main` built from the global options."""
    return click.pass_obj(function)


# -- demo -------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--accounts",
    default=300,
    show_default=True,
    type=click.IntRange(1, 200_000),
    help="How many accounts.",
)
@click.option(
    "--seed", default=7, show_default=True, type=int, help="Same seed and --today, same book."
)
@click.option("--fresh", is_flag=True, help="Build it again from scratch (what you did is lost).")
@click.option("--no-open", is_flag=True, help="Build the database and stop.")
@click.pass_context
def demo(ctx: click.Context, accounts: int, seed: int, fresh: bool, no_open: bool) -> None:
    """Open the demo book of business, building it the first time.

    The demo lives in its own database (never your own) unless --db names another file. A
    demo book already built is opened as you left it; --fresh builds it again.
    """
    from csm_tui.rules import rules_for
    from csm_tui.services.demo import DEMO_USER_EMAIL
    from csm_tui.services.demo_database import existing_demo, rebuild_demo

    settings: Settings = ctx.obj
    explicit = ctx.parent is not None and ctx.parent.get_parameter_source("database") not in (
        click.core.ParameterSource.DEFAULT,
        None,
    )
    target = settings.database if explicit else str(paths.demo_database())
    existing = None if fresh else existing_demo(target)
    if existing is None:
        summary = rebuild_demo(
            target, accounts=accounts, seed=seed, today=settings.today, rules=rules_for(settings)
        )
        click.echo(
            f"Demo book at {target}: {summary.accounts} accounts, {summary.team_members} team "
            f"members, {summary.touchpoints} touches, {summary.escalations} escalations "
            f"({summary.seconds:.1f} s)."
        )
    else:
        _keep_demo(ctx, existing, accounts=accounts, seed=seed)
        built = f" (built {existing.built_for.isoformat()})" if existing.built_for else ""
        again = f"{settings.csm} demo --fresh rebuilds it"
        if no_open:
            click.echo(f"Your demo book is at {existing.location}{built}; {again}.")
        else:
            click.echo(f"Opening your demo book at {existing.location}{built}; {again}.")
    if not no_open:
        demo_settings = settings.with_database(target, is_demo=True)
        if demo_settings.user_email is None:
            from dataclasses import replace

            demo_settings = replace(demo_settings, user_email=DEMO_USER_EMAIL)
        run_tui(demo_settings, open_screen_typed(ctx))


def _keep_demo(ctx: click.Context, existing: DemoBook, *, accounts: int, seed: int) -> None:
    """An --accounts or --seed typed for another book than the one there asks for a rebuild,
    which loses what was done in it: only --fresh does that."""
    from csm_tui.services.demo_database import DemoExists

    source = click.core.ParameterSource.COMMANDLINE
    differ = [
        f"--{name} {wanted}"
        for name, wanted, built in (
            ("accounts", accounts, existing.accounts),
            ("seed", seed, existing.seed),
        )
        if ctx.get_parameter_source(name) is source and wanted != built
    ]
    if differ:
        settings: Settings = ctx.obj
        what = ", ".join(
            part
            for part in (
                f"{existing.accounts} accounts" if existing.accounts is not None else "",
                f"seed {existing.seed}" if existing.seed is not None else "",
            )
            if part
        )
        raise DemoExists(
            f"{existing.location} already holds a demo book{f' ({what})' if what else ''}; "
            f"to build it again with "
            f"{' '.join(differ)}, losing what was done in it: "
            f"{settings.csm} demo --fresh {' '.join(differ)}"
        )


# -- import -----------------------------------------------------------------------------------


@main.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORT_COLUMNS)))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--mapping",
    "mapping_name",
    metavar="NAME|PATH",
    help="How to read the export: a preset (salesforce, hubspot), a file of the mappings "
    f"folder ({paths.config_dir() / 'mappings'}) by name, or a path.",
)
@click.option(
    "--map",
    "map_options",
    multiple=True,
    metavar="COLUMN=HEADER,...",
    help="Read a csm column from the file's column HEADER, e.g. "
    "--map external_id=account_id,name=account_name (over the mapping's).",
)
@click.option(
    "--date-format",
    metavar="FORMAT",
    help="How the file writes dates that are not ISO, e.g. %m/%d/%Y (default: found from "
    "the values).",
)
@click.option("--dry-run", is_flag=True, help="Check and count what would change; write nothing.")
@click.option(
    "--skip-unknown-accounts",
    is_flag=True,
    help="Contacts, touchpoints: import the rows of known accounts and write the others to "
    "a rejects file beside FILE.",
)
@pass_settings
def import_(
    settings: Settings,
    kind: str,
    file: Path,
    mapping_name: str | None,
    map_options: tuple[str, ...],
    date_format: str | None,
    dry_run: bool,
    skip_unknown_accounts: bool,
) -> None:
    """Import accounts, contacts or touchpoints from a CRM export (CSV).

    \b
    Columns (a header row, any order; extra columns are ignored):
      accounts:    external_id,name,segment,priority,arr,owner_email,ae,contract_start,
                   renewal_date,go_live_date,health_score,lifecycle_stage
      contacts:    account_external_id,name,title,email,phone,persona,reports_to_email,is_primary
      touchpoints: account_external_id,occurred_on,kind,summary,sentiment,owner_email

    An export with other columns and values is read through a mapping (--mapping, --map).
    All or nothing: any bad row stops the import, every problem is listed, nothing is written.
    Importing the same file again updates the rows it created.
    """
    from csm_tui import output
    from csm_tui.services.import_run import ImportRequest, run_import

    request = ImportRequest(
        kind=_import_kind(kind, skip_unknown_accounts),
        path=file,
        mapping=_import_mapping(kind, file, mapping_name, map_options),
        date_format=_date_format(date_format),
        dry_run=dry_run,
        skip_unknown_accounts=skip_unknown_accounts,
    )
    large = file.is_file() and file.stat().st_size >= output.PROGRESS_FROM_BYTES
    with output.import_progress(file.name, enabled=large and sys.stderr.isatty()) as progress:
        summary = run_import(
            settings.database, _rules_in_force(settings), settings.today, request, progress=progress
        )
    if not summary.records:
        click.echo(f"warning: {file} has a header and no records: nothing to import.", err=True)
        return
    mapping = request.mapping.name if request.mapping else None
    for line in output.import_summary_lines(summary, file, mapping=mapping):
        click.echo(line)


def _import_kind(kind: str, skip_unknown_accounts: bool) -> ImportKind:
    from csm_tui.services.csv_import import ImportKind

    if skip_unknown_accounts and kind == ImportKind.ACCOUNTS:
        raise click.UsageError(
            "--skip-unknown-accounts is for contacts and touchpoints, whose rows name an "
            "account; an accounts file creates its accounts"
        )
    return ImportKind(kind)


def _import_mapping(
    kind: str, file: Path, name: str | None, map_options: tuple[str, ...]
) -> ImportMapping | None:
    """The mapping `--mapping` names with `--map` laid over it; a name or a --map that cannot
    be right is a usage error, a mapping file with problems a data error (every problem)."""
    from csm_tui.domain.mapping_file import ImportMapping, parse_map_option
    from csm_tui.mappings import UnknownMapping, load_mapping, user_folder
    from csm_tui.services.csv_import import ImportKind

    import_kind = ImportKind(kind)
    mapping: ImportMapping | None = None
    if name is not None:
        try:
            mapping = load_mapping(name, paths.config_dir())
        except UnknownMapping as error:
            raise click.BadParameter(
                str(error).removeprefix(f"--mapping {name}: "), param_hint="'--mapping'"
            ) from None
        if import_kind not in mapping.kinds and not map_options:
            raise click.BadParameter(
                f"the {mapping.name} mapping has no [{kind}.columns]: it reads "
                f"{', '.join(sorted(mapping.kinds)) or 'nothing'}; add a [{kind}.columns] "
                "table to it, or use --map",
                param_hint="'--mapping'",
            )
    pairs: dict[str, str] = {}
    for option in map_options:
        try:
            pairs.update(parse_map_option(import_kind, option))
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--map'") from None
    if pairs:
        if mapping is None:
            stem = re.sub(r"[^A-Za-z0-9_-]+", "-", file.stem)
            mapping = ImportMapping(
                name="--map", owners_file=str(user_folder(paths.config_dir()) / f"{stem}.toml")
            )
        mapping = mapping.with_columns(import_kind, pairs)
    return mapping


def _date_format(value: str | None) -> str | None:
    from csm_tui.domain.dates import check_date_format

    if value is not None and (why := check_date_format(value)):
        raise click.BadParameter(why, param_hint="'--date-format'")
    return value


# -- accounts ---------------------------------------------------------------------------------


@main.command()
@click.option("--team", is_flag=True, help="The whole team's book, not only yours.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def accounts(settings: Settings, team: bool, fmt: str) -> None:
    """List the accounts of your book (--as), or of the whole team."""
    from csm_tui import output
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings) as workspace:
        if workspace.me is None and not team:
            raise click.UsageError("whose book? Pass --as EMAIL (or set user_email), or --team")
        rows = workspace.book(team=team)
    if fmt == "json":
        records = [output.account_record(row, settings.today) for row in rows]
        click.echo(json.dumps(records, indent=2, allow_nan=False))
    elif not rows:
        click.echo("No accounts. Import some: csm import accounts FILE.csv")
    else:
        click.echo(output.accounts_table(rows, settings.today))


# -- queue, log and snooze --------------------------------------------------------------------


def _rules_in_force(settings: Settings) -> LoadedRules:
    """The rules for `settings`; a user rules file that cannot be used is a warning on stderr,
    not a stop: the command runs on the shipped rules."""
    from csm_tui.rules import rules_for

    loaded = rules_for(settings)
    if loaded.fell_back:
        problems = "\n".join(f"  {problem}" for problem in loaded.problems)
        click.echo(
            f"warning: {loaded.user_file} cannot be used, running on the shipped rules:\n"
            f"{problems}",
            err=True,
        )
    return loaded


@main.command()
@click.option("--team", is_flag=True, help="The whole team's queue, not only yours.")
@click.option(
    "--ahead",
    default=0,
    show_default=True,
    type=click.IntRange(0, 366),
    metavar="DAYS",
    help="Also list what falls due in the next DAYS days.",
)
@click.option(
    "--every-item",
    is_flag=True,
    help="One row per item due, not one per account (its most urgent, the others named).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def queue(settings: Settings, team: bool, ahead: int, every_item: bool, fmt: str) -> None:
    """Today's triage queue, most urgent first (the order of the triage screen).

    One row per account, as on the screen: its most urgent item, and the others due beside it.
    Health drops since your last triage are listed as rows to review, as on the screen; this
    command only looks: it does not count as a triage.
    """
    from csm_tui import output
    from csm_tui.domain.triage import by_account
    from csm_tui.services.workspace import Workspace

    rules = _rules_in_force(settings)
    with Workspace.open(settings, rules) as workspace:
        if workspace.me is None and not team:
            raise click.UsageError("whose queue? Pass --as EMAIL (or set user_email), or --team")
        items = workspace.triage.load(team=team, record=False, ahead_days=ahead).items
    if not every_item:
        items = by_account(items)
    bands = rules.rulebook.bands
    if fmt == "json":
        click.echo(
            json.dumps(
                [output.queue_record(item, bands) for item in items], indent=2, allow_nan=False
            )
        )
    elif not items:
        more = "" if ahead else " (--ahead 7 shows the week)"
        click.echo(f"Nothing due on {settings.today.isoformat()}{more}.")
    else:
        click.echo(output.queue_table(items, settings.today, bands, team=team))


@main.command("log")
@click.argument("external_id")
@click.option(
    "--kind",
    required=True,
    type=Word(_touch_kinds),
    metavar="KIND",
    help="cadence-call, ebr, renewal-call, onboarding-review, training, email, meeting, "
    "nps-survey, escalation-call, health-assessment, recovery-plan, note.",
)
@click.option("--summary", required=True, help="One line on what happened.")
@click.option(
    "--on",
    "occurred_on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day it happened (YYYY-MM-DD)  [default: --today]",
)
@click.option(
    "--sentiment",
    default=None,
    type=Word(_sentiments, blank_is_none=True),
    metavar="TEXT",
    help="positive, neutral or negative.",
)
@click.option("--notes", default=None, help="Longer notes.")
@click.option(
    "--action",
    "actions",
    multiple=True,
    metavar="TEXT",
    help="A next step / action item (repeat for several).",
)
@pass_settings
def log(
    settings: Settings,
    external_id: str,
    kind: str,
    summary: str,
    occurred_on: datetime | None,
    sentiment: str | None,
    notes: str | None,
    actions: tuple[str, ...],
) -> None:
    """Log a touch on an account, as the triage screen's `l` does, and show its next touch."""
    from csm_tui.services.triage import TouchForm
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        triage = workspace.triage
        done = triage.log_touch(
            TouchForm(
                account_id=triage.account_id(external_id),
                kind=kind,
                summary=summary,
                occurred_on=occurred_on.date() if occurred_on else settings.today,
                sentiment=sentiment,
                notes=notes,
                action_items=actions,
            )
        )
    click.echo(done.message)
    if done.next_touch is not None:
        click.echo(f"  why: {done.next_touch.reason}")


@main.command()
@click.argument("external_id")
@click.option(
    "--until",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day it comes back on the queue (YYYY-MM-DD); the rules file caps how far.",
)
@click.option("--reason", required=True, help="Why: shown on the queue while it is snoozed.")
@click.option(
    "--kind",
    default=None,
    type=Word(_scheduled_kinds),
    metavar="KIND",
    help="Only this kind of touch (e.g. cadence-call)  [default: every snoozable one]",
)
@pass_settings
def snooze(
    settings: Settings, external_id: str, until: datetime, reason: str, kind: str | None
) -> None:
    """Put an account's touches aside until a day, with a reason, as the screen's `s` does."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        triage = workspace.triage
        done = triage.snooze(triage.account_id(external_id), kind, until.date(), reason)
    _say_done(done)


@main.command()
@click.argument("external_id")
@click.option(
    "--on",
    "on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day of the meeting (YYYY-MM-DD): today, or up to the rules file's [snooze] max "
    "after the item's due day.",
)
@click.option(
    "--kind",
    default="cadence-call",
    show_default=True,
    type=Word(_touch_kinds),
    metavar="KIND",
    help="Which item of the account the meeting is for (e.g. renewal-call, ebr).",
)
@click.option("--note", default="", help="Anything to remember: with whom, where.")
@pass_settings
def meeting(settings: Settings, external_id: str, on: datetime, kind: str, note: str) -> None:
    """Record a meeting already booked, as the screen's `m` does: the item waits for that day
    instead of counting as overdue, and comes back as it was if the day passes unlogged."""
    from csm_tui.services.workspace import Workspace

    with Workspace.open(settings, _rules_in_force(settings)) as workspace:
        triage = workspace.triage
        done = triage.book(triage.account_id(external_id), kind, on.date(), note)
    _say_done(done)


def _say_done(done: Done) -> None:
    """What a command changed, and the account's next touch since."""
    click.echo(done.message)
    if done.next_touch is not None:
        click.echo(f"  next: {done.next_touch.reason}")


# -- rules ------------------------------------------------------------------------------------


@main.group()
def rules() -> None:
    """Check, explain and try out the rules that schedule every account's next touch."""


@rules.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_settings
def rules_check(settings: Settings, file: Path | None) -> None:
    """Validate FILE (default: your rules file, or the shipped one); exit 1 with every problem."""
    from csm_tui.rules import DEFAULT_SOURCE, default_rules, parse_file, user_file

    path = file or user_file(settings.rules_path, paths.config_dir())
    rulebook = parse_file(path) if path is not None else default_rules()
    source = str(path) if path is not None else DEFAULT_SOURCE
    count = len(rulebook.rule_ids()) + sum(max(len(r.offsets) - 1, 0) for r in rulebook.anchored)
    click.echo(
        f"{source}: ok (rules version {rulebook.version}, {len(rulebook.cadence.rows)} "
        f"cadence rows, {count} rules in all)"
    )


@rules.command("path")
@pass_settings
def rules_path_command(settings: Settings) -> None:
    """Where your rules file is (or would go), and which rules are in force."""
    from csm_tui.rules import USER_FILE_NAME, user_file

    path = user_file(settings.rules_path, paths.config_dir())
    if path is None:
        click.echo(
            f"Shipped rules in force; to change them, write {paths.config_dir() / USER_FILE_NAME} "
            "(`csm rules default` prints the shipped file to start from)."
        )
    else:
        click.echo(f"{path} (laid over the shipped rules)")


@rules.command("default")
def rules_default() -> None:
    """Print the shipped rules file, to copy and edit."""
    from csm_tui.rules import default_text

    click.echo(default_text().text, nl=False)


@rules.command("explain")
@click.argument("external_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_settings
def rules_explain(settings: Settings, external_id: str, fmt: str) -> None:
    """Every rule that applies to the account EXTERNAL_ID, and why its next touch is due when."""
    from csm_tui.domain.explain import decision_dict, explain_text
    from csm_tui.services.scheduling import Schedule

    rules = _rules_in_force(settings)
    with Schedule.open(settings, rules) as schedule:
        explained = schedule.explain(external_id)
    decision, facts, rulebook = explained.decision, explained.facts, rules.rulebook
    if fmt == "json":
        record = decision_dict(
            decision,
            name=facts.name,
            external_id=facts.external_id,
            rules_version=rulebook.version,
            rules_sha256=rulebook.sha256,
        )
        click.echo(json.dumps(record, indent=2, allow_nan=False))
        return
    click.echo(
        explain_text(
            decision,
            name=facts.name,
            external_id=facts.external_id,
            rules_version=rulebook.version,
            rules_source=rulebook.source,
        )
    )


@rules.command("preview")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def rules_preview(settings: Settings, file: Path, fmt: str) -> None:
    """Dry run of FILE against the database: whose next touch would move, and how.

    Writes nothing."""
    from csm_tui import output
    from csm_tui.rules import parse_file
    from csm_tui.services.scheduling import Schedule

    candidate = parse_file(file)
    rules = _rules_in_force(settings)
    with Schedule.open(settings, rules) as schedule:
        preview = schedule.preview(candidate)
    if fmt == "json":
        click.echo(json.dumps(output.preview_record(preview), indent=2, allow_nan=False))
        return
    click.echo(
        f"{file} against {rules.user_file or 'the shipped rules'}, "
        f"as of {settings.today.isoformat()}: {len(preview.moves)} of {preview.accounts} "
        "accounts' next touch would move."
    )
    if preview.moves:
        click.echo(output.moves_table(preview.moves, file.name))


# -- db ---------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Look after the database: upgrade, back up, check."""


@db.command()
@pass_settings
def upgrade(settings: Settings) -> None:
    """Bring the schema up to date (csm also does this at start-up, after a backup)."""
    from csm_tui.services import upkeep
    from csm_tui.store.versions import HEAD_REVISION

    done = upkeep.upgrade(settings.database)
    report = done.report
    if report is None:
        click.echo(f"{done.database}: schema already at revision {HEAD_REVISION}.")
    else:
        origin = report.from_revision or "empty"
        backup = f"; backup at {report.backup}" if report.backup else ""
        click.echo(f"{done.database}: upgraded {origin} -> {report.to_revision}{backup}.")


@db.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@pass_settings
def backup(settings: Settings, path: Path | None) -> None:
    """Write a consistent copy of the database (SQLite online backup), safe while csm runs."""
    from csm_tui.services import upkeep

    written = upkeep.backup(settings.database, path)
    click.echo(f"Backup written to {written} (integrity check: ok).")


@db.command()
@pass_settings
def check(settings: Settings) -> None:
    """Check integrity, foreign keys and schema version, and say what to do about problems."""
    from csm_tui.services import upkeep

    report = upkeep.check(settings.database)
    click.echo(report.verdict())
    if not report.ok:
        sys.exit(1)


# -- export and calendar ------------------------------------------------------------------------


class CannotWrite(CsmError):
    """The file asked for with --output cannot be written."""


def _deliver(data: bytes, output: Path | None) -> None:
    """To stdout, or to `output` as a whole: written beside it and renamed into place, so a
    failure never leaves half a file where the last good one was."""
    if output is None:
        click.echo(data, nl=False)
        return
    import os
    import tempfile

    target = output.expanduser().absolute()
    if not target.parent.is_dir():
        raise CannotWrite(f"cannot write {output}: the folder {target.parent} does not exist")
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise CannotWrite(f"cannot write {output}: {error.strerror or error}") from None


@main.command("export")
@click.argument("kind", type=click.Choice(["accounts", "contacts", "touchpoints", "queue"]))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option("--team", is_flag=True, help="The whole team's book, even with --as.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write FILE (replacing it) rather than print.",
)
@pass_settings
def export(settings: Settings, kind: str, fmt: str, team: bool, output: Path | None) -> None:
    """Write your book's accounts, contacts or touchpoints, or today's queue, as CSV or JSON.

    \b
    The CSV files are what `csm import` reads, with the same columns: an export imports
    back unchanged, into this book or another one. With --as, your book; without, the
    team's. `queue` is today's triage queue in the screen's order, every item on its own row,
    as `csm queue --every-item` lists it.
    """
    from csm_tui import output as words
    from csm_tui.domain.exchange import ExportKind
    from csm_tui.services.exports import export_table
    from csm_tui.services.workspace import Workspace

    export_kind = ExportKind(kind)
    rules = _rules_in_force(settings) if export_kind is ExportKind.QUEUE else None
    with Workspace.open(settings, rules) as workspace:
        owner = None if team or workspace.me is None else workspace.me.email
        table: Table
        if export_kind is ExportKind.QUEUE:
            items = workspace.triage.load(team=owner is None, record=False).items
            table = words.queue_export(items, workspace.rules.rulebook.bands)
        else:
            table = export_table(workspace.db, export_kind, owner)
    text = words.csv_text(table) if fmt == "csv" else words.json_text(table)
    _deliver(text.encode("utf-8"), output)
    if table.left_out:
        click.echo(
            f"warning: {table.left_out} {kind} left out: their account has no external_id, "
            "which the import needs to find it",
            err=True,
        )
    if output is not None:
        click.echo(f"Wrote {len(table.rows):,} {kind} to {output}.", err=True)


@main.command()
@click.option(
    "--ahead",
    default=30,
    show_default=True,
    type=click.IntRange(0, 366),
    metavar="DAYS",
    help="The touches due in the next DAYS days (overdue ones sit on today).",
)
@click.option("--team", is_flag=True, help="The whole team's touches, even with --as.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write FILE (replacing it) rather than print.",
)
@pass_settings
def calendar(settings: Settings, ahead: int, team: bool, output: Path | None) -> None:
    """The scheduled touches as an iCalendar file: csm calendar > touches.ics

    \b
    One all-day event per touch, on the day it is due ("Cadence call — Northwind
    Logistics", the reason in its description). Import the file into your calendar again
    after a week's work: each touch keeps its event (its UID is the account and the kind of
    touch), which moves to the new due date instead of being added twice. A touch done since
    is not removed by an import: delete it in the calendar. With --as, your book; without,
    the team's.
    """
    from datetime import UTC, datetime

    from csm_tui.services.touch_calendar import scheduled_touches, touches_calendar
    from csm_tui.services.workspace import Workspace

    rules = _rules_in_force(settings)
    with Workspace.open(settings, rules) as workspace:
        me = workspace.me
        owner = None if team or me is None else me.email
        workspace.triage.schedule.ensure_current()  # a new day, or new rules: decide first
        items = scheduled_touches(
            workspace.db,
            today=settings.today,
            coefficients=rules.rulebook.urgency,
            owner_email=owner,
            ahead_days=ahead,
        )
    name = f"csm — {me.name}" if owner is not None and me is not None else "csm — the team"
    data = touches_calendar(items, today=settings.today, now=datetime.now(UTC), name=name)
    _deliver(data, output)
    if output is not None:
        click.echo(f"Wrote {len(items):,} touches to {output}.", err=True)


# -- team ---------------------------------------------------------------------------------------


def _roles() -> Sequence[str]:
    from csm_tui.domain.enums import Role

    return [role.value for role in Role]


@main.group()
def team() -> None:
    """Who is in the team (the owners of accounts, and who can open csm --as them)."""


@team.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_settings
def team_list(settings: Settings, fmt: str) -> None:
    """Every member of the team: role, segment, manager, the accounts each owns and their
    weekly cadence-call target (the rules file's, by the segment set on them or else the one
    most of their book is in)."""
    from csm_tui import output
    from csm_tui.services.team import team_rows
    from csm_tui.services.upkeep import current_database

    targets = _rules_in_force(settings).rulebook.wrapup.cadence_calls_per_week
    with current_database(settings.database) as db:
        rows = team_rows(db, targets)
    if fmt == "json":
        click.echo(json.dumps([output.team_record(row) for row in rows], indent=2, allow_nan=False))
    elif not rows:
        click.echo(
            f"Nobody in the team yet. Add yourself: {settings.csm} team add EMAIL [--name NAME]"
        )
    else:
        click.echo(output.team_table(rows))


@team.command("add")
@click.argument("email")
@click.option("--name", default=None, help="Their name  [default: read from the address]")
@click.option(
    "--role",
    default="csm",
    show_default=True,
    type=Word(_roles),
    metavar="ROLE",
    help="csm or manager.",
)
@pass_settings
def team_add(settings: Settings, email: str, name: str | None, role: str) -> None:
    """Add someone to the team: a new CSM, or yourself on the first day."""
    _add_to_team(settings, email, name=name, role=role)


def _segments() -> Sequence[str]:
    from csm_tui.domain.enums import Segment

    return [segment.value for segment in Segment]


@team.command("set")
@click.argument("email")
@click.option("--name", default=None, help="Their name.")
@click.option("--role", default=None, type=Word(_roles), metavar="ROLE", help="csm or manager.")
@click.option(
    "--manager",
    default=None,
    metavar="EMAIL",
    help="Who manages them: a member with the manager role.",
)
@click.option("--no-manager", is_flag=True, help="Nobody manages them.")
@click.option(
    "--segment",
    default=None,
    type=Word(_segments),
    metavar="SEGMENT",
    help="The segment of their book: it sets their weekly cadence-call target "
    "(enterprise, commercial, mid-market, smb, scale).",
)
@click.option(
    "--no-segment",
    is_flag=True,
    help="No segment set: the one most of their book is in sets the target.",
)
@pass_settings
def team_set(
    settings: Settings,
    email: str,
    name: str | None,
    role: str | None,
    manager: str | None,
    no_manager: bool,
    segment: str | None,
    no_segment: bool,
) -> None:
    """Change a member's name, role (csm or manager), manager or segment."""
    from csm_tui import output
    from csm_tui.domain.enums import Role, Segment
    from csm_tui.services.team import MemberChange, set_member
    from csm_tui.services.upkeep import current_database

    if manager is not None and no_manager:
        raise click.UsageError("--manager and --no-manager contradict each other: say one")
    if segment is not None and no_segment:
        raise click.UsageError("--segment and --no-segment contradict each other: say one")
    change = MemberChange(
        name=name,
        role=None if role is None else Role(role),
        segment=None if segment is None else Segment(segment),
        no_segment=no_segment,
        manager=manager,
        no_manager=no_manager,
    )
    if change.empty:
        raise click.UsageError(
            "nothing to change: say --name, --role, --manager/--no-manager or "
            "--segment/--no-segment"
        )
    targets = _rules_in_force(settings).rulebook.wrapup.cadence_calls_per_week
    with current_database(settings.database) as db:
        row = set_member(db, email, change, targets)
    click.echo(output.team_member_line(row))


def _add_to_team(
    settings: Settings,
    email: str,
    *,
    name: str | None,
    role: str | None,
    prompt: bool = False,
) -> None:
    """Add `email`, and say what to type next; `prompt` asks for the name first."""
    from csm_tui.domain.enums import Role
    from csm_tui.services.team import add_member, default_name
    from csm_tui.services.upkeep import current_database

    if prompt:
        name = click.prompt("Name", default=default_name(email), err=True)
    with current_database(settings.database) as db:
        member, restored = add_member(db, email, name=name, role=Role(role or Role.CSM))
    done = "Brought back" if restored else "Added"
    click.echo(
        f"{done} {member.name} <{member.email}> to the team as {member.role.label}: the "
        f"accounts imported with owner_email {member.email} are theirs. Open that book with: "
        f"{settings.csm} --as {shlex.quote(member.email)}",
        err=prompt,
    )


# The command groups in modules of their own register on `main` as they are imported.
from csm_tui import cli_escalation as _escalation  # noqa: E402, F401
from csm_tui import cli_plan as _plan  # noqa: E402, F401
from csm_tui import cli_serve as _serve  # noqa: E402, F401
from csm_tui import cli_sync as _sync  # noqa: E402, F401
from csm_tui import cli_team as _team  # noqa: E402, F401
from csm_tui import cli_wrapup as _wrapup  # noqa: E402, F401
