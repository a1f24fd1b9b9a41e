"""One Settings object, built once from CLI flags, the environment and the config file.

Precedence: command-line flag > CSM_TUI_* environment variable (both handled by click) > the
TOML config file > built-in defaults. It is passed down explicitly; nothing reads it globally.

The config file is read as a user may have saved it: in another encoding than UTF-8, nested
beyond what `tomllib` can recurse into, with a NUL in a path. Each is a `ConfigError` that names
the file and the fix, never a traceback.
"""

from __future__ import annotations

import shlex
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from csm_tui import paths
from csm_tui.errors import CsmError, os_reason, shown_path

CONFIG_KEYS = {
    "database": "a file path (SQLite) or postgresql://user@host/dbname",
    "user_email": "your e-mail address in the team, e.g. ada@example.com",
    "rules": "the path of a rules file",
    "team_database": "the team's server a laptop's book syncs with: postgresql://user@host/dbname",
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
    #: The team's server that `csm sync` and the terminal UI's sync key send this book's
    #: changes to (issue 23); None: none named.
    team_database: str | None = None
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
        database = shown_path(self.database)
        named = (
            f"{source} {database}"
            if source.startswith("--")
            else f"{source}={database}"
            if source.isupper()
            else f"{source} = {database!r}"
        )
        folder = path.absolute().parent
        try:
            is_folder = path.is_dir()
            folder_exists = folder.is_dir()
        except OSError as error:  # a name too long, a loop of links: is_dir() lets them out
            raise ConfigError(f"{named}: {os_reason(error)}") from None
        if is_folder:
            raise ConfigError(
                f"{named} is a folder: name the database file in it, e.g. {path / 'csm.db'}"
            )
        if folder.exists() and not folder_exists:
            raise ConfigError(
                f"{named}: {shown_path(folder)} is a file, not a folder; name a path in a folder"
            )
        if not folder_exists:
            raise ConfigError(
                f"{named}: the folder {folder} does not exist; create it first "
                f"(mkdir -p {shlex.quote(str(folder))}) or name another path"
            )


def read_config_file(path: Path) -> dict[str, str]:
    """Read and validate the config file; a missing file is an empty config."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as error:
        raise ConfigError(f"{shown_path(path)}: cannot read it ({os_reason(error)})") from None
    config: dict[str, str] = {}
    for key, value in _parsed(path, _config_text(path, raw)).items():
        if key not in CONFIG_KEYS:
            known = ", ".join(sorted(CONFIG_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r}; the keys are {known}")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string: {CONFIG_KEYS[key]}")
        control = next((c for c in value if unicodedata.category(c) == "Cc"), None)
        if control is not None:
            raise ConfigError(
                f"{path}: {key} holds the control character {control!r}, which no "
                f"{'path' if key != 'user_email' else 'address'} has; write {key} without it: "
                f"{CONFIG_KEYS[key]}"
            )
        config[key] = value
    return config


_SAVE_AS_UTF8 = "save it as UTF-8 (a config file is UTF-8 text, as TOML requires)"


def _config_text(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8 (a BOM, as Notepad writes, is fine), else a ConfigError that says
    which encoding it looks like."""
    utf16_without_bom = len(raw) >= 2 and (raw[0] == 0) != (raw[1] == 0)  # 'd\0a\0...'
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom:
        raise ConfigError(f"{path}: the file is UTF-16, not UTF-8; {_SAVE_AS_UTF8}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line}: byte 0x{raw[error.start]:02X} is not UTF-8 (is the file "
            f"latin-1 or Windows-1252?); {_SAVE_AS_UTF8}"
        ) from None


def _parsed(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}; fix the TOML syntax") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(
            f"{path}: arrays or tables are nested too deeply to read; a config file holds "
            'only lines like key = "value"'
        ) from None


def build_settings(
    *,
    database: str | None,
    today: date | None,
    user_email: str | None,
    config_path: Path | None,
    rules_path: Path | None,
    system_today: date,
    database_from: str = "--db",
    team_database: str | None = None,
) -> Settings:
    """`database_from` says how a given `database` was named (the flag or the environment);
    `team_database` (the flag or the environment) comes before the config file's."""
    explicit_config = config_path is not None
    path = config_path or paths.default_config_file()
    try:
        exists = path.exists()
    except OSError as error:  # a name too long: exists() lets it out
        raise ConfigError(f"{shown_path(path)}: {os_reason(error)}") from None
    if explicit_config and not exists:
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
        team_database=team_database or config.get("team_database") or None,
    )
