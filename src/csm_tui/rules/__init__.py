"""The rules files: the shipped default, and the user's file laid over it.

Reading files is all this package does; the parsing and validation are pure (`domain.rules_file`).
A user file with errors never stops the app: `load_rules` falls back to the shipped rules and
hands the problems to the caller (the TUI shows them, `csm rules check` exits 1 with them).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from csm_tui import paths
from csm_tui.domain.rulebook import Rulebook
from csm_tui.domain.rules_file import Problem, RulesError, RulesText, parse_rules
from csm_tui.errors import CsmError

if TYPE_CHECKING:
    from csm_tui.settings import Settings

DEFAULT_SOURCE = "default rules"
USER_FILE_NAME = "rules.toml"


class RulesFileError(CsmError):
    """A rules file that cannot be read or used; the message lists every problem."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class LoadedRules:
    rulebook: Rulebook
    user_file: Path | None  # the file laid over the defaults, if one was found
    problems: tuple[Problem, ...] = ()  # why the user file was set aside, if it was

    @property
    def fell_back(self) -> bool:
        return bool(self.problems)


def default_text() -> RulesText:
    text = files(__package__).joinpath("default.toml").read_text(encoding="utf-8")
    return RulesText(text, DEFAULT_SOURCE)


def default_rules() -> Rulebook:
    return parse_rules(default_text())


def read_text(path: Path) -> RulesText:
    try:
        return RulesText(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise RulesFileError([Problem(str(path), None, "", "no such rules file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise RulesFileError([Problem(str(path), None, "", f"cannot read it ({reason})")]) from None


def parse_file(path: Path) -> Rulebook:
    """The rulebook of `path` over the defaults, or RulesFileError with every problem."""
    try:
        return parse_rules(default_text(), read_text(path))
    except RulesError as error:
        raise RulesFileError(error.problems) from None


def user_file(explicit: Path | None, config_dir: Path) -> Path | None:
    """`--rules PATH` (or the config's `rules`) if given, else rules.toml in the config
    directory."""
    if explicit is not None:
        return explicit
    candidate = config_dir / USER_FILE_NAME
    return candidate if candidate.exists() else None


def load_rules(explicit: Path | None, config_dir: Path) -> LoadedRules:
    """The rules to run on: the user's file over the defaults, or the defaults and the problems."""
    path = user_file(explicit, config_dir)
    if path is None:
        return LoadedRules(default_rules(), None)
    try:
        return LoadedRules(parse_file(path), path)
    except RulesFileError as error:
        return LoadedRules(default_rules(), path, error.problems)


def rules_for(settings: Settings) -> LoadedRules:
    """The rules in force for these settings: `--rules`, else the config directory's file."""
    return load_rules(settings.rules_path, paths.config_dir())
