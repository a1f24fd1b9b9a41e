"""Read and validate a rules file: TOML text in, a `Rulebook` out, or every problem at once.

A user file is laid over the shipped one (`parse_rules(default, user)`): tables merge key by
key, arrays of rules are replaced whole. Every problem names the file, the line, where in the
file, and what to write instead; the caller decides whether to stop or fall back to the defaults.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from csm_tui.domain.calendar import Duration, DurationError, Unit, WorkCalendar, too_long
from csm_tui.domain.enums import Priority, Segment, TouchKind
from csm_tui.domain.health import BandThresholds, HealthWeights
from csm_tui.domain.rulebook import (
    BANDS,
    CADENCE_CALLS_PER_WEEK,
    FACTS,
    MILESTONE_KIND,
    OPERATORS,
    PLAN_ITEM_KINDS,
    PLAN_KIND,
    SCHEDULED_KINDS,
    AnchoredRule,
    Cadence,
    CadenceRow,
    Condition,
    DeriveRule,
    EscalationRules,
    EscalationSla,
    MilestoneRules,
    RecurringRule,
    Rulebook,
    SnoozePolicy,
    SuccessPlanRules,
    TriggerRule,
    UrgencyCoefficients,
    When,
    WrapupRules,
)
from csm_tui.domain.toml_lines import (
    Path,
    TomlUnreadable,
    key_lines,
    line_of,
    merge_tables,
    read_toml,
)

SCHEMA_VERSION = 1
ANCHORS = ("contract_start", "renewal_date", "go_live_date")
TOUCH_KINDS = tuple(kind.value for kind in TouchKind)
#: Arrays of rules: a user file that has one replaces the shipped one whole.
RULE_ARRAYS = ("derive", "anchored", "recurring", "trigger")
#: The largest urgency coefficient or kind weight either way: a sum of a dozen of them stays a
#: plain number (an enormous one would make the total infinite, which JSON cannot carry).
MAX_COEFFICIENT = 1000
#: The longest span, in days, of an urgency ramp or window: 10 years, as for a duration.
MAX_DAYS = 3650
#: The most cadence calls a week may ask of one CSM: 200 a working day is already absurd, and a
#: bound keeps a typo (`100000`) from reading as a target.
MAX_CALLS_PER_WEEK = 1000
SEGMENTS = tuple(segment.value for segment in Segment)


@dataclass(frozen=True, slots=True)
class RulesText:
    """One layer of rules: the text and where it came from (a path, or "default rules")."""

    text: str
    source: str


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.source}:{self.line}" if self.line else self.source
        return (
            f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"
        )


class RulesError(ValueError):
    """The rules cannot be used; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def parse_rules(*layers: RulesText) -> Rulebook:
    """Validate the layers (later ones override earlier ones) and build the rulebook."""
    documents: list[tuple[RulesText, dict[str, Any], dict[Path, int]]] = []
    for layer in layers:
        try:
            data = read_toml(layer.text)
        except TomlUnreadable as error:
            raise RulesError([Problem(layer.source, error.line, "", error.message)]) from None
        documents.append((layer, data, key_lines(layer.text)))
    merged: dict[str, Any] = {}
    for _layer, data, _lines in documents:
        merged = merge_tables(merged, data)
    problems: list[tuple[Path, str]] = []
    rulebook = _build(merged, problems, _sha256(layers), source=layers[-1].source)
    if problems:
        located = [_locate(documents, path, message) for path, message in problems]
        order = {layer.source: n for n, (layer, _data, _lines) in enumerate(documents)}
        located.sort(key=lambda p: (-order.get(p.source, 0), p.line or 0))
        raise RulesError(located)
    assert rulebook is not None
    return rulebook


def _sha256(layers: tuple[RulesText, ...]) -> str:
    digest = hashlib.sha256()
    for layer in layers:
        digest.update(layer.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _locate(
    documents: list[tuple[RulesText, dict[str, Any], dict[Path, int]]], path: Path, message: str
) -> Problem:
    """Blame the last layer that wrote the path (or its nearest parent)."""
    best = documents[-1]
    best_depth = -1
    for document in documents:
        depth = _present_depth(document[1], path)
        # a layer that wrote the table around the key is to blame for a conflict inside it
        depth = len(path) if depth >= len(path) - 1 > 0 else depth
        if depth >= best_depth and depth > 0:
            best, best_depth = document, depth
    layer, _data, lines = best
    return Problem(layer.source, line_of(lines, path), _describe(path), message)


def _present_depth(data: Any, path: Path) -> int:
    depth = 0
    for part in path:
        in_list = isinstance(part, int) and isinstance(data, list) and part < len(data)
        if in_list or isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
        else:
            break
        depth += 1
    return depth


def _describe(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


# --- a reader that collects problems instead of stopping at the first -------------------------

_TYPE_WORDS = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    dict: "a table",
    list: "an array",
    date: "a date like 2026-12-25",
}


_EXAMPLES = {
    "id": 'id = "cadence.enterprise.pr1" (unique, never reused)',
    "every": 'every = "2w"',
    "within": 'within = "24h"',
    "kind": 'kind = "cadence-call"',
    "offsets": 'offsets = ["30d", "60d"]',
    "entered": 'entered = "red"',
    "set": 'set = { priority = "pr1" }',
    "schema_version": "schema_version = 1",
}


class _Table:
    def __init__(self, data: Mapping[str, Any], path: Path, problems: list[tuple[Path, str]]):
        self.data = data
        self.path = path
        self.problems = problems
        self.known: set[str] = set()

    def problem(self, key: str | int | None, message: str) -> None:
        self.problems.append(((*self.path, key) if key is not None else self.path, message))

    def get(self, key: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
        self.known.add(key)
        if key not in self.data:
            if required:
                example = _EXAMPLES.get(key)
                self.problem(
                    None, f"missing key {key!r}" + (f"; add e.g. {example}" if example else "")
                )
            return None
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            value = object()  # True is an int to Python, not to a person writing `every = true`
        if not isinstance(value, kinds):
            wanted = (
                "a number" if kinds == (int, float) else " or ".join(_TYPE_WORDS[k] for k in kinds)
            )
            self.problem(key, f"must be {wanted}, not {_show(self.data[key])}")
            return None
        return value

    def text(self, key: str, *, required: bool = False, default: str = "") -> str:
        value = self.get(key, str, required=required)
        return default if value is None else value

    def number(
        self,
        key: str,
        default: float,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        why: str = "",
    ) -> float:
        """A finite number (TOML reads `nan`, `inf` and `1e400` as floats that would poison
        every sum and print as invalid JSON), within the bounds given."""
        value = self.get(key, (int, float))
        if value is None:
            return default
        if not _finite(value):
            self.problem(key, f"must be a finite number, not {_number(value)}")
            return default
        if (message := _outside(value, minimum, maximum, why)) is not None:
            self.problem(key, message)
            return default
        return float(value)

    def coefficient(self, key: str, default: float) -> float:
        """An urgency coefficient or kind weight: a number, at most `MAX_COEFFICIENT` either way."""
        return self.number(
            key,
            default,
            minimum=-MAX_COEFFICIENT,
            maximum=MAX_COEFFICIENT,
            why="a larger one drowns every other term of the urgency",
        )

    def whole(
        self,
        key: str,
        default: int,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        why: str = "",
    ) -> int:
        value = self.get(key, int)
        if value is None:
            return default
        if (message := _outside(value, minimum, maximum, why)) is not None:
            self.problem(key, message)
            return default
        return int(value)

    def days(self, key: str, default: int, *, either_way: bool = True) -> int:
        """A number of days in an urgency ramp or window: at most 10 years (either way)."""
        minimum = -MAX_DAYS if either_way else None
        why = "10 years is the longest span csm plans"
        return self.whole(key, default, minimum=minimum, maximum=MAX_DAYS, why=why)

    def duration(
        self, key: str, *, required: bool = False, negative: bool = False, zero: bool = False
    ) -> Duration | None:
        if key in self.data and not isinstance(self.data[key], str):
            self.known.add(key)
            self.problem(
                key, f'must be a duration in quotes, like "3d", not {_show(self.data[key])}'
            )
            return None
        value = self.get(key, str, required=required)
        return None if value is None else self.parse_duration(key, value, negative, zero)

    def parse_duration(
        self, key: str | int, value: str, negative: bool, zero: bool
    ) -> Duration | None:
        try:
            duration = Duration.parse(value)
        except DurationError as error:
            self.problem(key, str(error))
            return None
        if duration.is_too_long:
            self.problem(key, too_long(value))
            return None
        if duration.amount < 0 and not negative:
            self.problem(key, f"must count forward, not {value!r}: remove the minus sign")
            return None
        if duration.amount == 0 and not zero:
            self.problem(key, f'must be longer than {value!r}, e.g. "1w"')
            return None
        return duration

    def kind(self, key: str, *, required: bool = True, default: str = "") -> str:
        """A touch kind: what a CSM logs to satisfy the rule (a milestone is not one)."""
        value = self.text(key, required=required, default=default)
        if value in PLAN_ITEM_KINDS:
            self.problem(
                key,
                f"a {_kind_label(value).lower()} item is done in the success plan, not by a "
                'touch: use a touch kind, e.g. "meeting"',
            )
        elif value and value not in TOUCH_KINDS:
            self.problem(key, f"unknown kind {value!r}{_suggest(value, TOUCH_KINDS)}")
        return value

    def kinds(
        self, key: str, *, include: str = "", choices: tuple[str, ...] = TOUCH_KINDS
    ) -> frozenset[str]:
        values = self.get(key, list)
        found = {include} if include else set()
        for index, value in enumerate(values or ()):
            if not isinstance(value, str) or value not in choices:
                self.problems.append(
                    (
                        (*self.path, key, index),
                        f"unknown kind {_show(value)}{_suggest(str(value), choices)}",
                    )
                )
            else:
                found.add(value)
        return frozenset(found)

    def table(self, key: str) -> _Table:
        value = self.get(key, dict)
        return _Table(value or {}, (*self.path, key), self.problems)

    def tables(self, key: str) -> Iterator[_Table]:
        values = self.get(key, list)
        for index, value in enumerate(values or ()):
            if isinstance(value, dict):
                yield _Table(value, (*self.path, key, index), self.problems)
            else:
                self.problems.append(
                    (
                        (*self.path, key, index),
                        f"must be a table like [[{key}]], not {_show(value)}",
                    )
                )

    def finish(self) -> None:
        for key in self.data:
            if key not in self.known:
                self.problem(key, f"unknown key {key!r}{_suggest(key, sorted(self.known))}")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return (
        repr(value)
        if isinstance(value, (str, int, float))
        else _TYPE_WORDS.get(type(value), type(value).__name__)
    )


def _finite(value: float) -> bool:
    """Whether a TOML number is a finite float (an integer too large for one is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _outside(value: float, minimum: float | None, maximum: float | None, why: str) -> str | None:
    """What is wrong with a number outside its bounds, or None; a pair like -1000..1000 reads
    "at most 1000 either way"."""
    low = minimum is not None and value < minimum
    high = maximum is not None and value > maximum
    if not (low or high):
        return None
    if minimum is not None and maximum is not None and minimum == -maximum:
        bound = f"at most {maximum:g} either way"
    elif low:
        bound = f"at least {minimum:g}"
    else:
        bound = f"at most {maximum:g}"
    return f"must be {bound}, not {_number(value)}" + (f": {why}" if why else "")


def _number(value: float) -> str:
    """A number as a problem quotes it: `nan`, `inf`, `1e+400`, or a long integer cut short."""
    text = repr(value)
    return text if len(text) <= 20 else f"{text[:12]}... ({len(text.lstrip('-'))} digits)"


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(choices)}"


# --- the sections ----------------------------------------------------------------------------


def _build(
    data: Mapping[str, Any], problems: list[tuple[Path, str]], sha256: str, *, source: str
) -> Rulebook | None:
    top = _Table(data, (), problems)
    version = top.get("schema_version", int, required=True)
    if version is not None and version != SCHEMA_VERSION:
        top.problem(
            "schema_version", f"this csm-tui reads schema_version = {SCHEMA_VERSION}, not {version}"
        )
    rules_version = top.text("rules_version", default="unversioned")
    calendar = _calendar(top.table("calendar"))
    bands, weights = _health(top.table("health"))
    ids = _Ids(problems)
    derive = tuple(_derive(table, ids) for table in top.tables("derive"))
    cadence = _cadence(top.table("cadence"), ids)
    anchored = tuple(_anchored(table, ids) for table in top.tables("anchored"))
    recurring = tuple(_recurring(table, ids) for table in top.tables("recurring"))
    triggers = tuple(_trigger(table, ids) for table in top.tables("trigger"))
    escalation = _escalation(top.table("escalation"), ids)
    milestones = _milestones(top.table("milestones"), ids)
    success_plan = _success_plan(top.table("success_plan"), ids)
    wrapup = _wrapup(top.table("wrapup"))
    snooze = _snooze(top.table("snooze"))
    select = top.table("select")
    rank = tuple(
        sorted(select.kinds("rank", choices=SCHEDULED_KINDS), key=lambda k: _index(select, k))
    )
    select.finish()
    urgency = _urgency(top.table("urgency"))
    top.finish()
    if problems:
        return None
    return Rulebook(
        source=source,
        sha256=sha256,
        version=rules_version,
        calendar=calendar,
        bands=bands,
        weights=weights,
        derive=derive,
        cadence=cadence,
        anchored=anchored,
        recurring=recurring,
        triggers=triggers,
        escalation=escalation,
        milestones=milestones,
        success_plan=success_plan,
        wrapup=wrapup,
        snooze=snooze,
        rank=rank,
        urgency=urgency,
    )


def _index(table: _Table, kind: str) -> int:
    values = table.data.get("rank", [])
    return values.index(kind) if kind in values else len(values)


class _Ids:
    """Rule ids are stored with every scheduled touch: each must be unique."""

    def __init__(self, problems: list[tuple[Path, str]]) -> None:
        self.problems = problems
        self.seen: dict[str, Path] = {}

    def take(self, table: _Table) -> str:
        rule_id = table.text("id", required=True)
        if not rule_id:
            return ""
        if not re.fullmatch(r"[a-z0-9][a-z0-9._@-]*", rule_id):
            table.problem(
                "id", f"{rule_id!r} is not a rule id: use lower-case letters, digits, '.', '-'"
            )
        elif rule_id in self.seen:
            first = self.seen[rule_id]
            fix = "every rule needs its own id (ids are stored with each scheduled touch)"
            table.problem("id", f"rule id {rule_id!r} is already used by {_describe(first)}; {fix}")
            self.problems.append(
                (
                    (*first, "id"),
                    f"rule id {rule_id!r} is used again by {_describe(table.path)}; {fix}",
                )
            )
        else:
            self.seen[rule_id] = table.path
        return rule_id


def _calendar(table: _Table) -> WorkCalendar:
    names = table.get("workdays", list)
    names = ["mon", "tue", "wed", "thu", "fri"] if names is None else names
    holidays = table.get("holidays", list) or []
    days: list[date] = []
    for index, value in enumerate(holidays):
        if isinstance(value, date):
            days.append(value)
        else:
            table.problems.append(
                (
                    (*table.path, "holidays", index),
                    f"must be a date like 2026-12-25 (no quotes), not {_show(value)}",
                )
            )
    table.finish()
    try:
        return WorkCalendar.from_names([str(name) for name in names], days)
    except ValueError as error:
        table.problem("workdays", str(error))
        return WorkCalendar()


def _health(table: _Table) -> tuple[BandThresholds, HealthWeights]:
    bands_table = table.table("bands")
    green = bands_table.whole("green", 80)
    yellow = bands_table.whole("yellow", 60)
    bands_table.finish()
    if not 0 < yellow < green <= 100:
        table.problem(
            "bands", f"needs 0 < yellow < green <= 100, not yellow = {yellow}, green = {green}"
        )
    weights_table = table.table("weights")
    weights = HealthWeights(
        **{
            name: weights_table.whole(name, default)
            for name, default in (
                ("engagement", 30),
                ("success", 30),
                ("satisfaction", 20),
                ("financial", 20),
            )
        }
    )
    weights_table.finish()
    if min(weights.engagement, weights.success, weights.satisfaction, weights.financial) < 0 or (
        weights.engagement + weights.success + weights.satisfaction + weights.financial == 0
    ):
        table.problem("weights", "must be whole numbers, none negative, not all zero")
    table.finish()
    return BandThresholds(green=green, yellow=yellow), weights


def _when(table: _Table) -> When:
    raw = table.get("when", dict)
    if raw is None:
        return When() if "when" not in table.data else _BROKEN
    conditions: list[Condition] = []
    before = len(table.problems)
    for fact, value in raw.items():
        path = (*table.path, "when", fact)
        spec = FACTS.get(fact)
        if spec is None:
            table.problems.append((path, f"unknown fact {fact!r}{_suggest(fact, list(FACTS))}"))
            continue

        def problem(message: str, path: Path = path) -> None:
            table.problems.append((path, message))

        condition = _condition(spec, value, problem)
        if condition is not None:
            conditions.append(condition)
    return When(tuple(conditions)) if len(table.problems) == before else _BROKEN


#: Stands in for a `when` with errors: matches nothing, hides nothing, is no catch-all.
_BROKEN = When((Condition("(invalid)", allowed=frozenset()),))


def _condition(spec: Any, value: Any, problem: Callable[[str], None]) -> Condition | None:
    if spec.numeric:
        if isinstance(value, dict) and len(value) == 1:
            [(operator, number)] = value.items()
            if (
                operator in OPERATORS
                and isinstance(number, (int, float))
                and not isinstance(number, bool)
            ):
                if not _finite(number):
                    problem(f"{operator} needs a finite number, not {_number(number)}")
                    return None
                return Condition(spec.name, operator=operator, number=float(number))
        problem(f"write exactly one comparison ({', '.join(OPERATORS)}), e.g. {{ gte = 100000 }}")
        return None
    values = value if isinstance(value, list) else [value]
    allowed: set[str] = set()
    for item in values:
        canonical = _canonical(spec, item)
        if canonical is None:
            problem(f"unknown {spec.name} {_show(item)}{_suggest(str(item).lower(), spec.values)}")
            return None
        allowed.add(canonical)
    return Condition(spec.name, allowed=frozenset(allowed))


def _canonical(spec: Any, item: Any) -> str | None:
    if not isinstance(item, str):
        return None
    if spec.parse is not None:
        try:
            return str(spec.parse(item).value)
        except ValueError:
            return None
    return item.lower() if item.lower() in spec.values else None


def _derive(table: _Table, ids: _Ids) -> DeriveRule:
    rule_id = ids.take(table)
    when = _when(table)
    sets = table.get("set", dict, required=True) or {}
    priority = "pr1"
    for key, value in sets.items():
        if key != "priority":
            table.problems.append(
                ((*table.path, "set", key), "derive rules can only set 'priority'")
            )
            continue
        try:
            priority = Priority.parse(str(value)).value
        except ValueError:
            table.problems.append(
                (
                    (*table.path, "set", key),
                    f"unknown priority {_show(value)}; expected one of pr1, pr2, pr3",
                )
            )
    note = table.text("note")
    table.finish()
    return DeriveRule(rule_id, when, priority, note)


def _cadence(table: _Table, ids: _Ids) -> Cadence:
    kind = table.kind("kind", default="cadence-call", required=False)
    label = table.text("label", default="Cadence call")
    satisfied_by = table.kinds("satisfied_by", include=kind)
    fallback = _anchor_name(table, "fallback_anchor")
    rows: list[CadenceRow] = []
    lines: list[Path] = []
    for row in table.tables("rules"):
        rule_id = ids.take(row)
        when = _when(row)
        every = row.duration("every", required=True)
        latest = row.duration("latest")
        if every and latest and latest.approx_days() < every.approx_days():
            row.problem(
                "latest",
                f"{latest} is sooner than every = {every}: latest must be at least as long",
            )
        for earlier, earlier_path in zip(rows, lines, strict=True):
            if earlier.when.covers(when):
                row.problem(
                    "when",
                    f"this row can never match: {_describe(earlier_path)} "
                    f"({earlier.id!r}, when {earlier.when.describe()}) comes first and "
                    "matches every account this one would; move this row above it or remove it",
                )
                break
        rows.append(
            CadenceRow(
                rule_id,
                when,
                every or Duration.parse("1mo"),
                latest,
                row.text("label"),
                row.text("note"),
            )
        )
        lines.append(row.path)
        row.finish()
    if not any(row.when.is_catch_all for row in rows):
        table.problem(
            "rules" if rows else None,
            "the cadence table has no catch-all: end it with a row that has `when = {}`, "
            "so that every account gets a cadence",
        )
    table.finish()
    return Cadence(kind, label, satisfied_by, fallback, tuple(rows))


def _anchor_name(table: _Table, key: str) -> str | None:
    value: str | None = table.get(key, str)
    if value is not None and value not in ANCHORS:
        table.problem(key, f"unknown anchor {value!r}{_suggest(value, ANCHORS)}")
        return None
    return value


def _anchored(table: _Table, ids: _Ids) -> AnchoredRule:
    rule_id = ids.take(table)
    kind = table.kind("kind")
    anchor = _anchor_name(table, "anchor")
    if anchor is None and "anchor" not in table.data:
        table.problem(None, f"missing key 'anchor'; expected one of {', '.join(ANCHORS)}")
    offsets: list[Duration] = []
    for index, value in enumerate(table.get("offsets", list, required=True) or ()):
        if not isinstance(value, str):
            table.problems.append(
                (
                    (*table.path, "offsets", index),
                    f'must be a duration string like "30d", not {_show(value)}',
                )
            )
        else:
            holder = _Table({}, (*table.path, "offsets"), table.problems)
            if (offset := holder.parse_duration(index, value, True, True)) is not None:
                offsets.append(offset)
    rule = AnchoredRule(
        id=rule_id,
        kind=kind,
        label=table.text("label", default=_kind_label(kind)),
        anchor=anchor or "contract_start",
        offsets=tuple(offsets),
        when=_when(table),
        latest=table.duration("latest", negative=True, zero=True),
        done_window=table.duration("done_window", zero=True),
        expire_after=table.duration("expire_after", zero=True),
        satisfied_by=table.kinds("satisfied_by", include=kind),
        note=table.text("note"),
    )
    table.finish()
    return rule


def _recurring(table: _Table, ids: _Ids) -> RecurringRule:
    rule_id = ids.take(table)
    kind = table.kind("kind")
    rule = RecurringRule(
        id=rule_id,
        kind=kind,
        label=table.text("label", default=_kind_label(kind)),
        every=table.duration("every", required=True) or Duration.parse("1y"),
        when=_when(table),
        fallback_anchor=_anchor_name(table, "fallback_anchor"),
        satisfied_by=table.kinds("satisfied_by", include=kind),
        note=table.text("note"),
    )
    table.finish()
    return rule


def _trigger(table: _Table, ids: _Ids) -> TriggerRule:
    rule_id = ids.take(table)
    kind = table.kind("kind")
    entered = table.text("entered", required=True)
    if entered and entered not in BANDS[:3]:
        table.problem("entered", f"unknown band {entered!r}; expected one of green, yellow, red")
    rule = TriggerRule(
        id=rule_id,
        kind=kind,
        label=table.text("label", default=_kind_label(kind)),
        entered=entered,
        within=table.duration("within", required=True, zero=True) or Duration.parse("1d"),
        when=_when(table),
        expire_after=table.duration("expire_after", zero=True),
        satisfied_by=table.kinds("satisfied_by", include=kind),
        note=table.text("note"),
    )
    table.finish()
    return rule


def _escalation(table: _Table, ids: _Ids) -> EscalationRules:
    rule_id = ids.take(table) if "id" in table.data else "escalation.follow-up"
    table.known.add("id")
    kind = table.kind("kind", required=False, default="escalation-call")
    levels: dict[int, EscalationSla] = {}
    for level in range(1, 6):
        name = f"L{level}"
        entry = table.get(name, dict)
        if entry is None:
            if name not in table.data:
                table.problem(
                    None,
                    f"missing {name}: every level of the ladder (L1 to L5) needs an SLA, "
                    f'e.g. {name} = {{ within = "24h" }}',
                )
            continue
        sla = _Table(entry, (*table.path, name), table.problems)
        within = sla.duration("within", required=True, zero=True)
        latest = sla.duration("latest")
        pin = sla.get("pin", bool) or False
        sla.finish()
        if (
            within is not None
            and latest is not None
            and latest.approx_days() < within.approx_days()
        ):
            sla.problem(
                "latest",
                f"{latest} is sooner than within = {within}: the SLA would be "
                "breached before the follow-up is due; make latest at least as long",
            )
        if within is not None:
            levels[level] = EscalationSla(level, within, latest, pin)
    rules = EscalationRules(
        rule_id,
        kind,
        table.text("label", default="Escalation follow-up"),
        levels,
        table.kinds("satisfied_by", include=kind),
    )
    table.finish()
    return rules


def _milestones(table: _Table, ids: _Ids) -> MilestoneRules:
    rule_id = ids.take(table) if "id" in table.data else "milestone.due"
    table.known.add("id")
    rules = MilestoneRules(rule_id, table.text("label", default="Milestone"))
    table.finish()
    return rules


def _success_plan(table: _Table, ids: _Ids) -> SuccessPlanRules:
    rule_id = ids.take(table) if "id" in table.data else "success-plan.risk"
    table.known.add("id")
    rules = SuccessPlanRules(
        rule_id,
        table.text("label", default="Success plan at risk"),
        table.duration("review_every") or Duration.parse("1mo"),
    )
    table.finish()
    return rules


def _wrapup(table: _Table) -> WrapupRules:
    """`[wrapup]`: a segment not written keeps the seeds' target (a file laid over the shipped
    one changes only the segments it names); a segment is written as stored (`mid-market`)."""
    per_week = table.table("cadence_calls_per_week")
    targets = dict(CADENCE_CALLS_PER_WEEK)
    for key in per_week.data:
        if key in SEGMENTS:
            targets[key] = per_week.whole(
                key,
                targets[key],
                minimum=0,
                maximum=MAX_CALLS_PER_WEEK,
                why="the cadence calls one CSM holds in a week (0: no target)",
            )
        else:
            per_week.known.add(key)
            per_week.problem(key, f"unknown segment {key!r}{_suggest(key.lower(), SEGMENTS)}")
    within = table.duration("renewals_within") or Duration.parse("120d")
    if within.unit not in (Unit.DAYS, Unit.WEEKS):
        table.problem("renewals_within", f'count it in days or weeks, like "120d", not {within}')
        within = Duration.parse("120d")
    rules = WrapupRules(cadence_calls_per_week=targets, renewals_within=within)
    per_week.finish()
    table.finish()
    return rules


def _snooze(table: _Table) -> SnoozePolicy:
    policy = SnoozePolicy(
        max=table.duration("max") or Duration.parse("30d"),
        applies_to=table.kinds("applies_to", choices=SCHEDULED_KINDS),
        require_reason=bool(
            table.get("require_reason", bool) if "require_reason" in table.data else True
        ),
    )
    table.finish()
    return policy


def _urgency(table: _Table) -> UrgencyCoefficients:
    d = UrgencyCoefficients()
    overdue = table.table("overdue")
    bands = table.table("health_band")
    priority = table.table("priority")
    renewal = table.table("renewal")
    arr = table.table("arr")
    escalation = table.table("escalation")
    levels = escalation.table("levels")
    staleness = table.table("staleness")
    snoozed = table.table("snoozed")
    kinds = table.table("kind")
    weights = dict(d.kind)
    for kind in kinds.data:
        if kind in SCHEDULED_KINDS:
            weights[kind] = kinds.coefficient(kind, d.kind.get(kind, 0.0))
        else:
            kinds.known.add(kind)
            kinds.problem(kind, f"unknown kind {kind!r}{_suggest(kind, SCHEDULED_KINDS)}")
    result = UrgencyCoefficients(
        overdue=overdue.coefficient("coefficient", d.overdue),
        overdue_ramp_start_days=overdue.days("ramp_start_days", d.overdue_ramp_start_days),
        overdue_ramp_full_days=overdue.days("ramp_full_days", d.overdue_ramp_full_days),
        health_band={band: bands.coefficient(band, d.health_band[band]) for band in BANDS},
        priority={
            level: priority.coefficient(level, d.priority[level]) for level in ("pr1", "pr2", "pr3")
        },
        renewal=renewal.coefficient("coefficient", d.renewal),
        renewal_far_days=renewal.days("far_days", d.renewal_far_days),
        renewal_near_days=renewal.days("near_days", d.renewal_near_days),
        arr=arr.coefficient("coefficient", d.arr),
        arr_floor=arr.number("floor", d.arr_floor, minimum=1),
        arr_cap=arr.number("cap", d.arr_cap, minimum=1),
        escalation=escalation.coefficient("coefficient", d.escalation),
        escalation_levels={
            n: levels.number(f"L{n}", d.escalation_levels[n], minimum=0, maximum=1)
            for n in range(1, 6)
        },
        sla_breach=escalation.coefficient("sla_breach", d.sla_breach),
        staleness=staleness.coefficient("coefficient", d.staleness),
        staleness_max_days=staleness.days("max_days", d.staleness_max_days, either_way=False),
        snoozed=snoozed.coefficient("coefficient", d.snoozed),
        kind=weights,
    )
    if result.overdue_ramp_full_days <= result.overdue_ramp_start_days:
        overdue.problem("ramp_full_days", "must be greater than ramp_start_days")
    if result.renewal_far_days <= result.renewal_near_days:
        renewal.problem("far_days", "must be greater than near_days")
    if result.arr_cap <= result.arr_floor:
        arr.problem("cap", "must be greater than floor")
    if result.staleness_max_days <= 0:
        staleness.problem("max_days", "must be at least 1")
    for section in (
        overdue,
        bands,
        priority,
        renewal,
        arr,
        levels,
        escalation,
        staleness,
        snoozed,
        kinds,
        table,
    ):
        section.finish()
    return result


def _kind_label(kind: str) -> str:
    if kind == MILESTONE_KIND:
        return "Milestone"
    if kind == PLAN_KIND:
        return "Success plan"
    try:
        return TouchKind(kind).label
    except ValueError:
        return kind
