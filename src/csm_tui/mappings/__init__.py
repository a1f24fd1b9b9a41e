"""Mapping files: the presets that ship with csm-tui, and the user's own in the config directory.

Reading files is all this package does; parsing and validation are pure
(`domain.mapping_file`). `--mapping NAME` reads `mappings/NAME.toml` of the config directory,
laid over the shipped preset of that name if there is one (or the one its `extends` names);
`--mapping PATH` reads that file, over the preset its `extends` names.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from csm_tui.domain.mapping_file import (
    ImportMapping,
    MappingError,
    MappingText,
    extends_of,
    parse_mapping,
    suggestion,
)
from csm_tui.domain.rules_file import Problem
from csm_tui.errors import CsmError

FOLDER = "mappings"


class UnknownMapping(CsmError):
    """`--mapping` names no preset and no file: a mistyped command line."""


class MappingFileError(CsmError):
    """A mapping file that cannot be used; the message lists every problem with its line."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        self.problems = tuple(problems)
        lines = ["the mapping cannot be used, nothing was imported:"]
        super().__init__("\n".join([*lines, *(f"  {problem}" for problem in self.problems)]))


def user_folder(config_dir: Path) -> Path:
    return config_dir / FOLDER


def presets() -> list[str]:
    """The names of the shipped presets."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in files(__package__).iterdir()
        if entry.name.endswith(".toml")
    )


def preset_text(name: str) -> MappingText:
    text = files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return MappingText(text, f"{name} preset")


def _read(path: Path) -> MappingText:
    try:
        return MappingText(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise MappingFileError(
            [Problem(str(path), None, "", f"cannot read it ({reason})")]
        ) from None


def _is_path(spec: str) -> bool:
    return "/" in spec or "\\" in spec or spec.endswith(".toml")


def load_mapping(spec: str, config_dir: Path) -> ImportMapping:
    """The mapping `--mapping` names: a preset, a file of the mappings folder, or a path."""
    folder = user_folder(config_dir)
    shipped = presets()
    if _is_path(spec):
        path = Path(spec).expanduser()
        if not path.is_file():
            raise UnknownMapping(f"--mapping {spec}: no such file")
        user: MappingText | None = _read(path)
        owners_file = path
        name = path.stem
    else:
        path = folder / f"{spec}.toml"
        user = _read(path) if path.is_file() else None
        owners_file = path
        name = spec
        if user is None and spec not in shipped:
            raise UnknownMapping(_unknown(spec, shipped, folder))
    layers: list[MappingText] = []
    base = extends_of(user.text) if user else None
    if base is None and not _is_path(spec) and spec in shipped:
        base = spec
    if base is not None:
        if base not in shipped:
            close = suggestion(base, shipped)
            hint = f"did you mean {close!r}?" if close else f"the presets are {', '.join(shipped)}"
            assert user is not None
            raise MappingFileError(
                [
                    Problem(
                        user.source,
                        _line_of_extends(user.text),
                        "extends",
                        f"no preset {base!r}; {hint}",
                    )
                ]
            )
        layers.append(preset_text(base))
    if user is not None:
        layers.append(user)
    try:
        return parse_mapping(*layers, name=name, owners_file=str(owners_file))
    except MappingError as error:
        raise MappingFileError(error.problems) from None


def _line_of_extends(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("extends"):
            return number
    return None


def _unknown(spec: str, shipped: list[str], folder: Path) -> str:
    own = sorted(path.stem for path in folder.glob("*.toml")) if folder.is_dir() else []
    close = suggestion(spec, [*shipped, *own])
    hint = f" (did you mean {close!r}?)" if close else ""
    mine = f"; yours ({folder}): {', '.join(own)}" if own else f"; yours would be in {folder}"
    return f"--mapping {spec}: no such mapping{hint}; the presets are {', '.join(shipped)}{mine}"
