"""One Settings object, built once from CLI flags, the environment and the config file.

Precedence: command-line flag > CSM_TUI_* environment variable (both handled by click) > the
TOML config file > built-in defaults. It is passed down explicitly; nothing reads it globally.
"""

from __future__ import annotations

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

    def with_database(self, database: str | Path, *, is_demo: bool = False) -> Settings:
        return replace(self, database=str(database), is_demo=is_demo)


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
) -> Settings:
    explicit_config = config_path is not None
    path = config_path or paths.default_config_file()
    if explicit_config and not path.exists():
        raise ConfigError(f"{path}: no such config file")
    config = read_config_file(path)
    rules = rules_path or (Path(config["rules"]).expanduser() if "rules" in config else None)
    return Settings(
        database=database or config.get("database") or str(paths.default_database()),
        today=today or system_today,
        user_email=(user_email or config.get("user_email") or None),
        rules_path=rules,
        config_path=path,
        system_today=system_today,
    )
