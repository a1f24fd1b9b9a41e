"""Success-plan templates: the objectives and milestones a new plan starts from.

A template is TOML. The shipped ones (`enterprise`, `commercial`) follow the seeds' phases:
onboarding, adoption planning and implementation, value realisation, engagement evaluation.
A file of the same name in the user's templates folder is laid over the shipped one (a table
merges key by key, the array of objectives is replaced whole); another name is a template of its
own, or is laid over the shipped one its `extends` names. The format:

    title = "Enterprise success plan"      # the new plan's title (required)
    description = "..."                    # one line for the chooser
    extends = "enterprise"                 # a user file only: the shipped template it is over

    [[objectives]]                         # one per outcome; in plan order
    outcome = "..."                        # in the customer's words (required)
    metric = "weekly active users"         # how it is measured
    kind = "quantitative"                  # or "qualitative"
    baseline = "to measure before go-live" # text as the plan shows it (a number, or words)
    target = "80% of licensed seats"

    [[objectives.milestones]]              # the objective's milestones
    title = "Kickoff with the project team" # required
    due = "-30d"                           # required: an offset from go-live, d w bd mo y
    dri = "CSM"                            # a role, until the CSM names the person
    note = "..."                           # for the CSM

Every problem names the file, the line, the key and what to write instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from csm_tui.domain.calendar import Duration, DurationError, Unit, WorkCalendar, shift, too_long
from csm_tui.domain.enums import ObjectiveKind
from csm_tui.domain.mapping_file import suggestion
from csm_tui.domain.rules_file import Problem
from csm_tui.domain.success_plan import PlanStatus
from csm_tui.domain.toml_lines import (
    Path,
    TomlUnreadable,
    key_lines,
    line_of,
    merge_tables,
    read_toml,
)

TOP_KEYS = ("title", "description", "extends", "objectives")
OBJECTIVE_KEYS = ("outcome", "metric", "kind", "baseline", "target", "milestones")
MILESTONE_KEYS = ("title", "due", "dri", "note")
#: Units a due offset may use: hours mean nothing to a plan dated in days.
OFFSET_UNITS = (Unit.DAYS, Unit.BUSINESS_DAYS, Unit.WEEKS, Unit.MONTHS, Unit.YEARS)


@dataclass(frozen=True, slots=True)
class TemplateText:
    """One layer: the TOML text and where it came from (a path, or "enterprise template")."""

    text: str
    source: str


class TemplateError(ValueError):
    """The template cannot be used; `problems` lists every one of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True, slots=True)
class MilestoneTemplate:
    title: str
    due: Duration  # from go-live
    dri: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectiveTemplate:
    outcome: str
    metric: str | None = None
    kind: ObjectiveKind = ObjectiveKind.QUANTITATIVE
    baseline: str | None = None
    target: str | None = None
    milestones: tuple[MilestoneTemplate, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanTemplate:
    name: str  # the file's name without .toml: "enterprise"
    title: str
    description: str = ""
    objectives: tuple[ObjectiveTemplate, ...] = ()


# -- what a template makes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MilestoneDraft:
    title: str
    due_on: date
    dri: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectiveDraft:
    outcome: str
    metric: str | None
    kind: ObjectiveKind
    baseline: str | None
    target: str | None
    milestones: tuple[MilestoneDraft, ...]


@dataclass(frozen=True, slots=True)
class PlanDraft:
    """The values of a new plan, before the service gives them ids and stores them."""

    title: str
    status: PlanStatus
    go_live: date  # the day the milestones were dated from (assumed when the account has none)
    objectives: tuple[ObjectiveDraft, ...]


def instantiate(
    template: PlanTemplate,
    go_live: date | None,
    today: date,
    calendar: WorkCalendar | None = None,
) -> PlanDraft:
    """A draft plan from `template`: each milestone due at its offset from go-live, rolled
    forward to a workday of `calendar` (Monday to Friday by default). With no go-live date the
    plan starts today: go-live is put where the earliest milestone falls due today, so none is
    born slipped."""
    calendar = calendar or WorkCalendar()
    offsets = [m.due for o in template.objectives for m in o.milestones]
    anchor = go_live or today
    if go_live is None and offsets:
        earliest = min(shift(today, offset, calendar, roll=False).day for offset in offsets)
        anchor = today + timedelta(days=max(0, (today - earliest).days))

    def due(offset: Duration) -> date:
        day = shift(anchor, offset, calendar).day
        return day if go_live is not None or day >= today else calendar.roll_forward(today)

    return PlanDraft(
        title=template.title,
        status=PlanStatus.DRAFT,
        go_live=anchor,
        objectives=tuple(
            ObjectiveDraft(
                outcome=o.outcome,
                metric=o.metric,
                kind=o.kind,
                baseline=o.baseline,
                target=o.target,
                milestones=tuple(
                    MilestoneDraft(m.title, due(m.due), m.dri, m.note) for m in o.milestones
                ),
            )
            for o in template.objectives
        ),
    )


# -- reading ------------------------------------------------------------------------------------


def extends_of(text: str) -> str | None:
    """The shipped template a user file names in `extends`, if it is readable TOML that does."""
    try:
        value = read_toml(text).get("extends")
    except TomlUnreadable:
        return None
    return value if isinstance(value, str) else None


_Document = tuple[TemplateText, dict[str, Any], dict[Path, int]]


def parse_template(*layers: TemplateText, name: str) -> PlanTemplate:
    """Validate the layers (later ones over earlier ones) and build the template, or raise
    TemplateError with every problem."""
    documents: list[_Document] = []
    for layer in layers:
        try:
            data = read_toml(layer.text)
        except TomlUnreadable as error:
            raise TemplateError([Problem(layer.source, error.line, "", error.message)]) from None
        documents.append((layer, data, template_lines(layer.text)))
    merged: dict[str, Any] = {}
    for _layer, data, _lines in documents:
        merged = merge_tables(merged, data)
    problems: list[tuple[Path, str]] = []
    template = _build(merged, name, problems)
    if problems:
        raise TemplateError(_locate(documents, path, message) for path, message in problems)
    return template


def template_lines(text: str) -> dict[Path, int]:
    """`key_lines`, with each `[[objectives.milestones]]` indexed under its objective:
    ("objectives", 1, "milestones", 0, "due") rather than a count over the whole file."""
    lines = key_lines(text)
    objectives = sorted(
        (number, key[1])
        for key, number in lines.items()
        if len(key) == 2 and key[0] == "objectives" and isinstance(key[1], int)
    )
    headers = sorted(
        (number, key[2])
        for key, number in lines.items()
        if len(key) == 3 and key[:2] == ("objectives", "milestones") and isinstance(key[2], int)
    )
    where: dict[int | str, tuple[int, int]] = {}
    seen: dict[int, int] = {}
    for number, index in headers:
        owner = max((i for line, i in objectives if line < number), default=0)
        where[index] = (owner, seen.get(owner, 0))
        seen[owner] = seen.get(owner, 0) + 1
    placed: dict[Path, int] = {}
    for key, number in lines.items():
        if key[:2] == ("objectives", "milestones") and len(key) >= 3 and key[2] in where:
            owner, index = where[key[2]]
            key = ("objectives", owner, "milestones", index, *key[3:])
        placed.setdefault(key, number)
    return placed


def _locate(documents: list[_Document], path: Path, message: str) -> Problem:
    """Blame the last layer that wrote the path, or the deepest part of it."""
    best, best_depth = documents[-1], -1
    for document in documents:
        data: Any = document[1]
        depth = 0
        for part in path:
            if not _has(data, part):
                break
            data, depth = data[part], depth + 1
        if depth >= best_depth and depth > 0:
            best, best_depth = document, depth
    layer, _data, lines = best
    return Problem(layer.source, line_of(lines, path), _describe(path), message)


def _has(data: Any, part: str | int) -> bool:
    """Whether `data` (a table or an array of tables) has the key or index `part`."""
    if isinstance(data, list):
        return isinstance(part, int) and part < len(data)
    return isinstance(data, dict) and part in data


def _describe(path: Path) -> str:
    """("objectives", 1, "milestones", 0, "due") -> "objective 2, milestone 1: due"."""
    places: list[str] = []
    rest = list(path)
    while rest:
        part = rest.pop(0)
        if rest and isinstance(rest[0], int) and part in ("objectives", "milestones"):
            places.append(f"{str(part)[:-1]} {int(rest.pop(0)) + 1}")
        elif rest:
            places.append(str(part))
        else:
            return ", ".join(places) + (": " if places else "") + str(part)
    return ", ".join(places)


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return repr(value)
    return "a table" if isinstance(value, dict) else "an array" if isinstance(value, list) else "?"


def _unknown(key: str, known: tuple[str, ...]) -> str:
    close = suggestion(key, known)
    hint = f"did you mean {close!r}?" if close else f"expected one of {', '.join(known)}"
    return f"unknown key {key!r}; {hint}"


class _Reader:
    def __init__(self, problems: list[tuple[Path, str]]) -> None:
        self.problems = problems

    def problem(self, path: Path, message: str) -> None:
        self.problems.append((path, message))

    def keys(self, table: Mapping[str, Any], known: tuple[str, ...], at: Path) -> None:
        for key in table:
            if key not in known:
                self.problem((*at, key), _unknown(key, known))

    def text(
        self, table: Mapping[str, Any], key: str, at: Path, *, required: str | None = None
    ) -> str | None:
        """A string value, stripped; None when absent or blank (a problem if `required`)."""
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)  # baseline = 120: the number as text
            else:
                self.problem((*at, key), f"must be a string, not {_show(value)}")
                return None
        if value is None or not value.strip():
            if required:
                self.problem((*at, key) if value is not None else at, required)
            return None
        if "\n" in value.strip():
            self.problem((*at, key), "must be one line")
        return value.strip()

    def array(self, table: Mapping[str, Any], key: str, at: Path, like: str) -> list[Any]:
        value = table.get(key, [])
        if isinstance(value, list) and all(isinstance(entry, dict) for entry in value):
            return value
        self.problem((*at, key), f"must be tables written [[{like}]], not {_show(value)}")
        return []


def _build(data: dict[str, Any], name: str, problems: list[tuple[Path, str]]) -> PlanTemplate:
    read = _Reader(problems)
    read.keys(data, TOP_KEYS, ())
    title = read.text(data, "title", (), required='add a title, like title = "Success plan"')
    description = read.text(data, "description", ()) or ""
    extends = data.get("extends")
    if extends is not None and not isinstance(extends, str):
        read.problem(("extends",), 'must name a shipped template, like extends = "enterprise"')
    objectives: list[ObjectiveTemplate] = []
    for i, table in enumerate(read.array(data, "objectives", (), "objectives")):
        objective = _objective(read, table, ("objectives", i))
        if objective is not None:
            objectives.append(objective)
    return PlanTemplate(name, title or "", description, tuple(objectives))


def _objective(read: _Reader, table: dict[str, Any], at: Path) -> ObjectiveTemplate | None:
    read.keys(table, OBJECTIVE_KEYS, at)
    outcome = read.text(
        table, "outcome", at, required='add the outcome, like outcome = "Release weekly"'
    )
    kind = ObjectiveKind.QUANTITATIVE
    if (kind_text := read.text(table, "kind", at)) is not None:
        try:
            kind = ObjectiveKind.parse(kind_text)
        except ValueError:
            read.problem((*at, "kind"), f"must be one of {ObjectiveKind.expected()}")
    milestones: list[MilestoneTemplate] = []
    for j, entry in enumerate(read.array(table, "milestones", at, "objectives.milestones")):
        milestone = _milestone(read, entry, (*at, "milestones", j))
        if milestone is not None:
            milestones.append(milestone)
    if outcome is None:
        return None
    return ObjectiveTemplate(
        outcome=outcome,
        metric=read.text(table, "metric", at),
        kind=kind,
        baseline=read.text(table, "baseline", at),
        target=read.text(table, "target", at),
        milestones=tuple(milestones),
    )


def _milestone(read: _Reader, table: dict[str, Any], at: Path) -> MilestoneTemplate | None:
    read.keys(table, MILESTONE_KEYS, at)
    title = read.text(
        table, "title", at, required='add a title, like title = "Kickoff with the project team"'
    )
    due = _offset(read, table.get("due"), at)
    if title is None or due is None:
        return None
    return MilestoneTemplate(title, due, read.text(table, "dri", at), read.text(table, "note", at))


def _offset(read: _Reader, value: Any, at: Path) -> Duration | None:
    example = 'like due = "+14d" (after go-live) or due = "-30d" (before it)'
    if value is None:
        read.problem(at, f"add when it falls due, {example}")
        return None
    try:
        offset = Duration.parse(value)
    except DurationError as error:
        read.problem((*at, "due"), f"{error}; write an offset from go-live, {example}")
        return None
    if offset.unit not in OFFSET_UNITS:
        units = ", ".join(unit.value for unit in OFFSET_UNITS)
        read.problem((*at, "due"), f'"{value}": a plan is dated in days: use {units}')
        return None
    if offset.is_too_long:
        read.problem((*at, "due"), too_long(value))
        return None
    return offset
