"""Success-plan templates: the shipped ones, and the user's own in the config directory.

Reading files is all this package does; parsing and validation are pure
(`domain.plan_template`, whose docstring has the file format). Template NAME is
`plan_templates/NAME.toml` of the config directory laid over the shipped template of that name
if there is one (or the one its `extends` names), else the shipped template alone.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from csm_tui.domain.mapping_file import suggestion
from csm_tui.domain.plan_template import (
    PlanTemplate,
    TemplateError,
    TemplateText,
    extends_of,
    parse_template,
)
from csm_tui.domain.rules_file import Problem
from csm_tui.errors import CsmError

FOLDER = "plan_templates"


class UnknownTemplate(CsmError):
    """No shipped template and no file of the user's templates folder has that name."""


class TemplateFileError(CsmError):
    """A template that cannot be used; the message lists every problem with its line."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = ["the success-plan template cannot be used:"]
        super().__init__("\n".join([*lines, *(f"  {problem}" for problem in self.problems)]))


def user_folder(config_dir: Path) -> Path:
    return config_dir / FOLDER


def shipped() -> list[str]:
    """The names of the shipped templates: commercial, enterprise."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in files(__package__).iterdir()
        if entry.name.endswith(".toml")
    )


def shipped_text(name: str) -> TemplateText:
    text = files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return TemplateText(text, f"{name} template")


def _own(config_dir: Path) -> list[str]:
    folder = user_folder(config_dir)
    return sorted(path.stem for path in folder.glob("*.toml")) if folder.is_dir() else []


def names(config_dir: Path) -> list[str]:
    """Every template the user can choose: the shipped ones and their own, by name."""
    return sorted({*shipped(), *_own(config_dir)})


def _read(path: Path) -> TemplateText:
    try:
        return TemplateText(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise TemplateFileError(
            [Problem(str(path), None, "", f"cannot read it ({reason})")]
        ) from None


def load_template(name: str, config_dir: Path) -> PlanTemplate:
    """The template `name`: the user's file over the shipped one, or either alone."""
    path = user_folder(config_dir) / f"{name}.toml"
    user = _read(path) if path.is_file() else None
    available = shipped()
    if user is None and name not in available:
        close = suggestion(name, names(config_dir))
        hint = f" (did you mean {close!r}?)" if close else ""
        raise UnknownTemplate(
            f"no success-plan template {name!r}{hint}; the templates are "
            f"{', '.join(names(config_dir))}, and yours go in {user_folder(config_dir)}"
        )
    base = (extends_of(user.text) if user else None) or (name if name in available else None)
    layers: list[TemplateText] = []
    if base is not None:
        if base not in available:
            assert user is not None
            close = suggestion(base, available)
            hint = f"did you mean {close!r}?" if close else f"they are {', '.join(available)}"
            raise TemplateFileError(
                [
                    Problem(
                        user.source,
                        _line_of_extends(user.text),
                        "extends",
                        f"no shipped template {base!r}; {hint}",
                    )
                ]
            )
        layers.append(shipped_text(base))
    if user is not None:
        layers.append(user)
    try:
        return parse_template(*layers, name=name)
    except TemplateError as error:
        raise TemplateFileError(error.problems) from None


def check_templates(config_dir: Path) -> tuple[Problem, ...]:
    """Every problem of every template (shipped and the user's), for a check command."""
    problems: list[Problem] = []
    for name in names(config_dir):
        try:
            load_template(name, config_dir)
        except TemplateFileError as error:
            problems.extend(error.problems)
    return tuple(problems)


def _line_of_extends(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("extends"):
            return number
    return None
