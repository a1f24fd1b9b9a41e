"""Mapping files: how the columns and values of one CRM's export become csm's.

A mapping is TOML. Per kind of file (`[accounts]`, `[contacts]`, `[touchpoints]`): `columns`
names the export's column for each csm column (a list: the first the file has), `values` maps
the export's values of a column to csm's (`Basic = "smb"`), `defaults` fills what the file
leaves out in the records it creates. `[owners]` maps the CRM's user ids or names to e-mails,
`date_format` says how the export writes dates, `extends` names the shipped preset the file is
laid over. Layers merge as the rules files do: a table merges key by key, any other value
(a list of columns too) is replaced. Every problem names the file, the line, the key and what
to write instead, with the messages a bad cell of the file would get.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from csm_tui.domain.dates import check_date_format, parse_iso_day
from csm_tui.domain.fields import parse_email
from csm_tui.domain.import_columns import COLUMNS, Column, ImportKind, column_key, value_key
from csm_tui.domain.rules_file import Problem
from csm_tui.domain.toml_lines import (
    Path,
    TomlUnreadable,
    key_lines,
    line_of,
    merge_tables,
    read_toml,
)

TOP_KEYS = ("description", "extends", "date_format", "owners", *(kind.value for kind in ImportKind))
KIND_KEYS = ("columns", "values", "defaults")

_Report = Callable[[Path, str], None]


@dataclass(frozen=True, slots=True)
class MappingText:
    """One layer: the TOML text and where it came from (a path, or "salesforce preset")."""

    text: str
    source: str


class MappingError(ValueError):
    """The mapping cannot be used; `problems` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class KindMapping:
    """How one kind of file is read."""

    #: csm column -> the export's column names (as written), the first the file has wins;
    #: none: the column is not read, even from a column of its own name.
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: csm column -> `value_key` of the export's value -> the value csm reads instead.
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: csm column -> the value new records get where the file has none.
    defaults: Mapping[str, str] = field(default_factory=dict)
    #: csm columns named on the command line (`--map`): the file must have them.
    strict: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ImportMapping:
    name: str  # what the user named: a preset, a file of the mappings folder, a path, or --map
    kinds: Mapping[ImportKind, KindMapping] = field(default_factory=dict)
    #: CRM user id or name (as written) -> e-mail.
    owners: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    description: str = ""
    #: The file to add `[owners]` to (the user's mapping, or where it would go): for messages.
    owners_file: str | None = None

    @cached_property
    def _folded(self) -> dict[str, str]:
        return {key.casefold(): email for key, email in self.owners.items()}

    def kind(self, kind: ImportKind) -> KindMapping:
        return self.kinds.get(kind, KindMapping())

    def owner_email(self, crm_user: str) -> str | None:
        """The e-mail of a CRM user id or name: as written first (Salesforce's 15-character
        ids differ by case alone), then whatever its case."""
        return self.owners.get(crm_user) or self._folded.get(crm_user.casefold())

    def with_columns(self, kind: ImportKind, columns: Mapping[str, str]) -> ImportMapping:
        """This mapping with `--map` laid over it: each named column read from that one."""
        current = self.kind(kind)
        merged = replace(
            current,
            columns={**current.columns, **{k: (v,) for k, v in columns.items()}},
            strict=current.strict | frozenset(columns),
        )
        return replace(self, kinds={**self.kinds, kind: merged})


def suggestion(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` most likely meant (difflib), or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def _suggest(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = suggestion(word, choices)
    return f"; did you mean {close!r}?" if close else f"; expected one of {', '.join(choices)}"


def parse_map_option(kind: ImportKind, text: str) -> dict[str, str]:
    """`external_id=account_id,name=Account Name` -> {csm column: the file's column}; a
    ValueError says what to type instead."""
    names = [column.name for column in COLUMNS[kind]]
    pairs: dict[str, str] = {}
    for part in (part.strip() for part in text.split(",")):
        if not part:
            continue
        target, equals, source = (piece.strip() for piece in part.partition("="))
        if not equals or not target or not source:
            raise ValueError(f"{part!r} is not COLUMN=HEADER, like external_id=account_id")
        key = column_key(target)
        if key not in names:
            raise ValueError(f"{kind} have no column {target!r}{_suggest(key, names)}")
        pairs[key] = source
    return pairs


def extends_of(text: str) -> str | None:
    """The preset a mapping's text names in `extends`, if it is readable TOML that does."""
    try:
        value = read_toml(text).get("extends")
    except TomlUnreadable:
        return None
    return value if isinstance(value, str) else None


def parse_mapping(*layers: MappingText, name: str, owners_file: str | None = None) -> ImportMapping:
    """Validate the layers (later ones over earlier ones) and build the mapping."""
    documents: list[tuple[MappingText, dict[str, Any], dict[Path, int]]] = []
    for layer in layers:
        try:
            data = read_toml(layer.text)
        except TomlUnreadable as error:
            raise MappingError([Problem(layer.source, error.line, "", error.message)]) from None
        documents.append((layer, data, key_lines(layer.text)))
    merged: dict[str, Any] = {}
    for _layer, data, _lines in documents:
        merged = merge_tables(merged, data)
    problems: list[tuple[Path, str]] = []
    mapping = _build(merged, problems, name=name, owners_file=owners_file)
    if problems:
        raise MappingError(_locate(documents, path, message) for path, message in problems)
    return mapping


def _locate(
    documents: list[tuple[MappingText, dict[str, Any], dict[Path, int]]], path: Path, message: str
) -> Problem:
    """Blame the last layer that wrote the path, or the deepest part of it."""
    best, best_depth = documents[-1], -1
    for document in documents:
        depth, data = 0, document[1]
        for part in path:
            if not (isinstance(data, dict) and part in data):
                break
            data, depth = data[part], depth + 1
        if depth >= best_depth and depth > 0:
            best, best_depth = document, depth
    layer, _data, lines = best
    where = ".".join(str(part) for part in path)
    line = line_of(lines, path)
    if line is None:  # a table only written as part of its children's headers: [a.b]
        inside = [number for key, number in lines.items() if key[: len(path)] == path]
        line = min(inside, default=None)
    return Problem(layer.source, line, where, message)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return repr(value)
    return "a table" if isinstance(value, dict) else "an array" if isinstance(value, list) else "?"


def _build(
    data: dict[str, Any], problems: list[tuple[Path, str]], *, name: str, owners_file: str | None
) -> ImportMapping:
    def problem(path: Path, message: str) -> None:
        problems.append((path, message))

    for key in data:
        if key not in TOP_KEYS:
            problem((key,), f"unknown key {key!r}{_suggest(key, TOP_KEYS)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        problem(("description",), f"must be a string, not {_show(description)}")
        description = ""
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        problem(("extends",), 'must be the name of a preset, like extends = "salesforce"')
    date_format = data.get("date_format")
    if date_format is not None:
        why = (
            check_date_format(date_format)
            if isinstance(date_format, str)
            else f'must be a string like "%m/%d/%Y", not {_show(date_format)}'
        )
        if why:
            problem(("date_format",), why)
            date_format = None
    owners = _owners(data.get("owners", {}), problem)
    kinds: dict[ImportKind, KindMapping] = {}
    for kind in ImportKind:
        section = data.get(kind.value)
        if section is None:
            continue
        if not isinstance(section, dict):
            problem((kind.value,), f"must be a table like [{kind.value}.columns]")
            continue
        kinds[kind] = _kind(kind, section, problem)
    return ImportMapping(
        name=name,
        kinds=kinds,
        owners=owners,
        date_format=date_format,
        description=description,
        owners_file=owners_file,
    )


def _owners(table: Any, problem: _Report) -> dict[str, str]:
    if not isinstance(table, dict):
        problem(("owners",), 'must be a table: [owners] then "0055g00000AbCdEAA" = "ada@x.com"')
        return {}
    owners: dict[str, str] = {}
    for user, email in table.items():
        try:
            owners[user.strip()] = parse_email(email.strip() if isinstance(email, str) else "")
        except ValueError:
            problem(
                ("owners", user),
                f'must be the e-mail of that CRM user, like {user!r} = "ada@example.com", '
                f"not {_show(email)}",
            )
    return owners


def _kind(kind: ImportKind, section: dict[str, Any], problem: _Report) -> KindMapping:
    columns = {column.name: column for column in COLUMNS[kind]}
    for key in section:
        if key not in KIND_KEYS:
            problem((kind.value, key), f"unknown key {key!r}{_suggest(key, KIND_KEYS)}")

    def table(key: str) -> dict[str, Any]:
        value = section.get(key, {})
        if isinstance(value, dict):
            return value
        problem((kind.value, key), f"must be a table like [{kind.value}.{key}]")
        return {}

    def known(key: str, path: Path) -> Column | None:
        column = columns.get(key)
        if column is None:
            problem(path, f"{kind} have no column {key!r}{_suggest(key, columns)}")
        return column

    sources: dict[str, tuple[str, ...]] = {}
    for key, value in table("columns").items():
        path = (kind.value, "columns", key)
        if known(key, path) is None:
            continue
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
            problem(
                path,
                f'must name the export\'s column, like {key} = "Account ID", or the first of '
                f'several it may have: {key} = ["Id", "Account ID"] ([] reads none); not '
                f"{_show(value)}",
            )
            continue
        sources[key] = tuple(name.strip() for name in names)

    values: dict[str, dict[str, str]] = {}
    for key, value_map in table("values").items():
        path = (kind.value, "values", key)
        column = known(key, path)
        if column is None:
            continue
        if not isinstance(value_map, dict):
            problem(path, f'must be a table: [{kind.value}.values.{key}] then Basic = "smb"')
            continue
        mapped: dict[str, str] = {}
        for written, meant in value_map.items():
            text = _value_text(meant)
            why = None if text is None else _refused(column, text)
            if text is None or why:
                problem(
                    (*path, written),
                    f"must be {why or 'a string'}, not {_show(meant)}"
                    + (_closest(column, text) if text is not None else ""),
                )
                continue
            mapped[value_key(written)] = text
        values[key] = mapped

    defaults: dict[str, str] = {}
    for key, value in table("defaults").items():
        path = (kind.value, "defaults", key)
        column = known(key, path)
        if column is None:
            continue
        if not column.can_default:
            problem(path, f"cannot have a default: each record must give its own {key}")
            continue
        text = _value_text(value)
        why = "a string" if text is None or not text else _refused(column, text)
        if why:
            problem(
                path,
                f"must be {why}, not {_show(value)}"
                + (_closest(column, text) if text is not None else ""),
            )
            continue
        assert text is not None
        defaults[key] = text
    return KindMapping(columns=sources, values=values, defaults=defaults)


def _value_text(value: Any) -> str | None:
    """A value as its cell would hold it: TOML numbers become text (`health_score = 80`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    return None


def _refused(column: Column, text: str) -> str | None:
    """What `column` expects, if it would refuse `text` in a cell (a blank is always fine)."""
    if not text:
        return None
    try:
        (parse_iso_day if column.is_date else column.parse)(text)
    except ValueError as error:
        return str(error)
    return None


def _closest(column: Column, text: str) -> str:
    close = suggestion(text.lower(), column.choices) if column.choices else None
    return f"; did you mean {close!r}?" if close else ""
