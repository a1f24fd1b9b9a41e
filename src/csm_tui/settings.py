"""One Settings object, built once from CLI flags, the environment and the config file.

Precedence: command-line flag > CSM_TUI_* environment variable (both handled by click) > the
TOML config file > built-in defaults. It is passed down explicitly; nothing reads it globally.
"""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from csm_tui import paths
from csm_tui.errors import CsmError

CONFIG_KEYS = {
    "database": "a file path (SQLite) or postgresql://user@host/dbname",
    "user_email": "your e-mail address in the team, e.g. ada@example.com",
    "rules": "the path of a rules file",
}


class ConfigError(CsmError):
    """A problem in the config file, naming the file, the key and the fix."""


@dataclass(frozen=True)
class Settings:
    database: str
    today: date  # the day csm works on: `--today`, else the real date
    user_email: str | None = None
    rules_path: Path | None = None
    config_path: Path | None = None
    is_demo: bool = False
    #: The real calendar date, read from the clock once by the CLI: `today` lies after it when
    #: a CSM plans ahead with `--today`, and such a day must not count as a triage. None when
    #: the caller does not say (tests, benchmarks): `today` is then taken to be the real date.
    system_today: date | None = None
    #: Where `database` was named, for messages: "--db", "CSM_TUI_DATABASE_URL", the config
    #: file's "database" key; None for the default, whose folder csm creates.
    database_from: str | None = None

    def with_database(self, database: str | Path, *, is_demo: bool = False) -> Settings:
        return replace(self, database=str(database), is_demo=is_demo)

    @property
    def csm(self) -> str:
        """The start of a command to type in the same shell, for the words that say what to do
        next: with the `--db` typed on this command line, which the next one needs again (the
        environment and the config file name it by themselves)."""
        if self.database_from == "--db":
            return f"csm --db {shlex.quote(self.database)}"
        return "csm"

    def check_database(self) -> None:
        """A database file named by the user goes in a folder that exists: a mistyped folder
        is said, not silently created to hold a new empty book. (csm creates the folder of its
        default database: that is the first run.)"""
        if self.database_from is None or "://" in self.database:
            return
        path = Path(self.database).expanduser()
        source = self.database_from
        named = (
            f"{source} {self.database}"
            if source.startswith("--")
            else f"{source}={self.database}"
            if source.isupper()
            else f"{source} = {self.database!r}"
        )
        if path.is_dir():
            raise ConfigError(
                f"{named} is a folder: name the database file in it, e.g. {path / 'csm.db'}"
            )
        folder = path.absolute().parent
        if not folder.is_dir():
            raise ConfigError(
                f"{named}: the folder {folder} does not exist; create it first "
                f"(mkdir -p {shlex.quote(str(folder))}) or name another path"
            )


def read_config_file(path: Path) -> dict[str, str]:
    """Read and validate the config file; a missing file is an empty config."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}; fix the TOML syntax") from error
    except OSError as error:
        raise ConfigError(f"{path}: cannot read it ({error.strerror})") from error
    for key, value in data.items():
        if key not in CONFIG_KEYS:
            known = ", ".join(sorted(CONFIG_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r}; the keys are {known}")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string: {CONFIG_KEYS[key]}")
    return data


def build_settings(
    *,
    database: str | None,
    today: date | None,
    user_email: str | None,
    config_path: Path | None,
    rules_path: Path | None,
    system_today: date,
    database_from: str = "--db",
) -> Settings:
    """`database_from` says how a given `database` was named (the flag or the environment)."""
    explicit_config = config_path is not None
    path = config_path or paths.default_config_file()
    if explicit_config and not path.exists():
        raise ConfigError(f"{path}: no such config file")
    config = read_config_file(path)
    rules = rules_path or (Path(config["rules"]).expanduser() if "rules" in config else None)
    if database:
        named_by: str | None = database_from
    elif "database" in config:
        named_by = f"{path}: database"
    else:
        named_by = None
    return Settings(
        database=database or config.get("database") or str(paths.default_database()),
        today=today or system_today,
        user_email=(user_email or config.get("user_email") or None),
        rules_path=rules,
        config_path=path,
        system_today=system_today,
        database_from=named_by,
    )
