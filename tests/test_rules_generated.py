"""Generated rules files never end in a traceback: refused with their problems, or safe to run.

Each file is the shipped one with a few of its values replaced by generated ones (durations,
numbers, kinds, `when` tables): in range, at the bounds, just past them, absurd (`"99999y"`,
`nan`, a 5,000-digit duration) or of the wrong type. Either `parse_rules` refuses it with a
`RulesError` whose every problem is one line naming the file and line, or the rulebook it gives
decides generated accounts (any dates from EARLIEST to LATEST) without raising, with finite
urgencies, an explanation and JSON that `json.dumps(allow_nan=False)` accepts (issue 19).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from csm_tui.domain.calendar import EARLIEST, LATEST, LONGEST, Duration, Unit
from csm_tui.domain.decision import Decision
from csm_tui.domain.engine import decide
from csm_tui.domain.enums import Priority, Segment, TouchKind
from csm_tui.domain.explain import decision_dict, explain_text
from csm_tui.domain.facts import (
    AccountFacts,
    Booking,
    HealthPoint,
    OpenEscalation,
    OpenMilestone,
    Snooze,
)
from csm_tui.domain.queue import plan_of
from csm_tui.domain.rulebook import FACTS, OPERATORS, SCHEDULED_KINDS, Rulebook
from csm_tui.domain.rules_file import RulesError, RulesText, parse_rules
from csm_tui.rules import default_text

USER = "rules.toml"
SHIPPED = default_text()
TEXT = SHIPPED.text

#: Where the shipped file holds each kind of value (spans of the text to replace).
DURATIONS = [m.span() for m in re.finditer(r'"-?\d+(?:h|bd|d|w|mo|y)"', TEXT)]
NUMBERS = [
    m.span()
    for m in re.finditer(r"(?<== )-?\d[\d_]*(?:\.\d+)?\b", TEXT)
    if not TEXT[: m.start()].endswith("schema_version = ")
]
KINDS = [m.span(1) for m in re.finditer(r'(?m)^kind = ("[^"]*")', TEXT)]
WHENS = [m.span(1) for m in re.finditer(r"(?m)^when = (\{.*\})$", TEXT)]

#: A few hundred examples each, a few seconds in all (4,000 each also pass, in two minutes).
GENERATED = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOUCH_KINDS = [kind.value for kind in TouchKind]
ISSUE_DURATIONS = [
    '"99999y"',
    '"9999999999999999999999d"',
    '"3000000bd"',
    '"9000y"',
    '"-99999y"',
    '"99999999h"',
]


def test_the_shipped_file_has_every_kind_of_value_to_replace() -> None:
    assert len(DURATIONS) > 20 and len(NUMBERS) > 30 and len(KINDS) > 5 and len(WHENS) > 10


# ---------- the values put in --------------------------------------------------------------


def _amounts(unit: Unit) -> st.SearchStrategy[int]:
    bound = LONGEST[unit]
    return st.sampled_from([0, 1, bound, bound + 1, -bound, -bound - 1]) | st.integers(
        -2 * bound, 2 * bound
    )


#: Durations a rules file may hold, forward (a few rules also take them back or zero).
valid_durations = st.sampled_from(list(Unit)).flatmap(
    lambda u: st.integers(1, LONGEST[u]).map(lambda n: f'"{n}{u.value}"')
)
durations = st.one_of(
    valid_durations,
    valid_durations,
    st.sampled_from(list(Unit)).flatmap(lambda u: _amounts(u).map(lambda n: f'"{n}{u.value}"')),
    st.sampled_from(ISSUE_DURATIONS),
    st.integers(-(10**30), 10**30).map(lambda n: f'"{n}d"'),
    st.sampled_from(['"3m"', '"P3D"', '""', "3", "nan", f'"1{"0" * 5000}d"', '" 2w "']),
)

numbers = st.one_of(
    st.floats(0, 1).map(repr),
    st.integers(1, 100).map(str),
    st.floats().map(repr),  # nan, inf, -inf, 1e+300, 5e-324, -0.0 as TOML writes them
    st.integers(-1000, 1000).map(str),
    st.integers(-(10**40), 10**40).map(str),
    st.sampled_from(
        ["nan", "inf", "-inf", "1e400", '"high"', "true", "1001", "3650", "3651", "0.5", "1.5"]
    ),
)

kinds = st.sampled_from([*(f'"{kind}"' for kind in TOUCH_KINDS), '"milestone"', '"EBR"', "3"])

_VALUES = sorted({value for spec in FACTS.values() for value in spec.values} | {"PR1", "huge"})
when_values = st.one_of(
    st.sampled_from(_VALUES).map(lambda value: f'"{value}"'),
    st.lists(st.sampled_from(_VALUES), max_size=3).map(
        lambda values: "[" + ", ".join(f'"{value}"' for value in values) + "]"
    ),
    st.tuples(st.sampled_from([*OPERATORS, "eq"]), numbers).map(
        lambda pair: f"{{ {pair[0]} = {pair[1]} }}"
    ),
)
#: Facts each with one of its own values (or a comparison for a numeric one).
valid_whens = st.lists(
    st.sampled_from(list(FACTS.values())).flatmap(
        lambda spec: (
            st.integers(0, 10**6).map(lambda n: f"{spec.name} = {{ gte = {n} }}")
            if spec.numeric
            else st.sampled_from(spec.values).map(lambda value: f'{spec.name} = "{value}"')
        )
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda condition: condition.split(" = ")[0],
).map(lambda conditions: "{ " + ", ".join(conditions) + " }")
whens = valid_whens | st.dictionaries(
    st.sampled_from([*FACTS, "segmnt"]), when_values, max_size=3
).map(lambda table: "{ " + ", ".join(f"{fact} = {value}" for fact, value in table.items()) + " }")


def _replacing(spans: list[tuple[int, int]], values: st.SearchStrategy[str]) -> st.SearchStrategy:
    return st.tuples(st.sampled_from(spans), values)


@st.composite
def rules_files(draw: st.DrawFn) -> str:
    """The shipped file with one to four of its values replaced."""
    replaced = dict(
        draw(
            st.lists(
                st.one_of(
                    _replacing(DURATIONS, durations),
                    _replacing(NUMBERS, numbers),
                    _replacing(KINDS, kinds),
                    _replacing(WHENS, whens),
                ),
                min_size=1,
                max_size=4,
            )
        )
    )
    text = TEXT
    for (start, end), value in sorted(replaced.items(), reverse=True):
        text = text[:start] + value + text[end:]
    return text


# ---------- the accounts decided ------------------------------------------------------------


def _in_range(day: date) -> date:
    return min(max(day, EARLIEST), LATEST)


@st.composite
def accounts(draw: st.DrawFn) -> tuple[AccountFacts, date]:
    """An account and a day, any dates from EARLIEST to LATEST: mostly near `today`, where the
    rules act, some anywhere in the range."""
    today = draw(st.dates(EARLIEST, LATEST))
    near = st.integers(-800, 200).map(lambda n: _in_range(today + timedelta(days=n)))
    days = near | st.dates(EARLIEST, LATEST)
    maybe = st.none() | days
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    escalations = tuple(
        OpenEscalation(f"e{n}", level, midnight - timedelta(hours=ago), midnight)
        for n, (level, ago) in enumerate(
            draw(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 24 * 400)), max_size=2))
        )
    )
    snoozable = st.none() | st.sampled_from(SCHEDULED_KINDS)
    return AccountFacts(
        account_id="acc-1",
        name="Acme",
        segment=draw(st.sampled_from([s.value for s in Segment])),
        priority=draw(st.sampled_from([p.value for p in Priority])),
        arr_cents=draw(st.integers(0, 10**12)),
        health_score=draw(st.none() | st.integers(0, 100)),
        contract_start=draw(maybe),
        renewal_date=draw(maybe),
        go_live_date=draw(maybe),
        entered_on=draw(maybe),
        first_call_by=draw(maybe),
        touches={
            kind: tuple(sorted(set(on)))
            for kind, on in draw(
                st.dictionaries(
                    st.sampled_from(TOUCH_KINDS), st.lists(days, min_size=1, max_size=3), max_size=4
                )
            ).items()
        },
        health=tuple(
            HealthPoint(on, score)
            for on, score in sorted(
                draw(st.dictionaries(days, st.integers(0, 100), max_size=3)).items()
            )
        ),
        escalations=escalations,
        snoozes=tuple(
            Snooze(max(a, b), "away", min(a, b), kind)
            for a, b, kind in draw(st.lists(st.tuples(days, days, snoozable), max_size=2))
        ),
        bookings=tuple(
            Booking(kind, max(a, b), min(a, b))
            for a, b, kind in draw(
                st.lists(st.tuples(days, days, st.sampled_from(SCHEDULED_KINDS)), max_size=1)
            )
        ),
        milestones=tuple(
            OpenMilestone(f"m{n}", on) for n, on in enumerate(draw(st.lists(days, max_size=2)))
        ),
    ), today


def _values(value: Any) -> Iterator[Any]:
    """Every value a rulebook holds, however deep (so a new field is covered too)."""
    if isinstance(value, Duration | float | int):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _values(getattr(value, field.name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, tuple | list | frozenset):
        for item in value:
            yield from _values(item)


def check_rulebook(rules: Rulebook) -> None:
    """What validation promises of a rulebook it lets through: every duration within
    `LONGEST`, every number finite."""
    for value in _values(rules):
        if isinstance(value, Duration):
            assert not value.is_too_long, value
        elif isinstance(value, float):
            assert math.isfinite(value), value


def check_decision(rules: Rulebook, facts: AccountFacts, today: date) -> Decision:
    """Decide, and use the decision every way the app does: none of it may raise, and on
    dates in the supported range nothing is held at the end of the calendar."""
    decision = decide(facts, rules, today)
    assert decision.next is not None
    if EARLIEST <= today <= LATEST and _in_range_facts(facts):
        held = [s for c in decision.candidates for s in c.steps if "end of the calendar" in s]
        assert not held, held
    for candidate in decision.open:
        assert math.isfinite(decision.urgency(candidate).total), candidate
    record = decision_dict(
        decision, name="Acme", external_id="A-1", rules_version="x", rules_sha256=rules.sha256
    )
    json.dumps(record, allow_nan=False)
    explain_text(decision, name="Acme", external_id="A-1", rules_version="x", rules_source=USER)
    plan_of(decision)
    return decision


def _in_range_facts(facts: AccountFacts) -> bool:
    days = [
        *(day for day in (facts.contract_start, facts.renewal_date, facts.go_live_date) if day),
        *(day for days in facts.touches.values() for day in days),
        *(snooze.until for snooze in facts.snoozes),
        *(booking.on for booking in facts.bookings),
        *(milestone.due_on for milestone in facts.milestones),
    ]
    return all(EARLIEST <= day <= LATEST for day in days)


# ---------- the properties ------------------------------------------------------------------


@GENERATED
@given(rules_files(), st.lists(accounts(), min_size=1, max_size=2))
def test_a_generated_rules_file_is_refused_with_its_problems_or_decides_without_raising(
    text: str, cases: list[tuple[AccountFacts, date]]
) -> None:
    try:
        rules = parse_rules(SHIPPED, RulesText(text, USER))
    except RulesError as error:
        event("refused")
        assert error.problems
        for problem in error.problems:
            assert problem.source == USER and problem.line is not None, problem
            assert "\n" not in str(problem) and len(str(problem)) < 400, problem
        return
    event("decided")
    check_rulebook(rules)
    for facts, today in cases:
        check_decision(rules, facts, today)


#: Every duration at its bound, in every unit, counting forward and back where it may.
LONGEST_RULES = parse_rules(
    SHIPPED,
    RulesText(
        """
        [calendar]
        workdays = ["sun"]

        [[cadence.rules]]
        id = "c.all"
        when = {}
        every = "2600bd"
        latest = "10y"

        [[anchored]]
        id = "a.all"
        kind = "ebr"
        anchor = "renewal_date"
        offsets = ["10y", "-10y", "120mo", "-120mo", "521w", "-521w", "3650d", "-3650d",
                   "2600bd", "-2600bd", "87600h", "-87600h"]
        latest = "-10y"
        done_window = "10y"
        expire_after = "10y"

        [[recurring]]
        id = "r.all"
        kind = "nps-survey"
        every = "87600h"
        fallback_anchor = "contract_start"

        [[trigger]]
        id = "t.all"
        kind = "health-assessment"
        entered = "red"
        within = "2600bd"
        expire_after = "10y"

        [escalation]
        L1 = { within = "87600h", latest = "87600h" }
        L2 = { within = "2600bd", latest = "10y" }
        L3 = { within = "10y" }

        [snooze]
        max = "10y"
        """.replace("\n        ", "\n"),
        USER,
    ),
)


@settings(GENERATED, max_examples=150)
@given(accounts())
def test_the_longest_durations_never_fail_a_decision_in_the_supported_range(
    case: tuple[AccountFacts, date],
) -> None:
    check_decision(LONGEST_RULES, *case)


# ---------- dates of older data, outside the supported range ----------------------------------


def _far(day: date) -> AccountFacts:
    moment = datetime.combine(day, time(12), tzinfo=UTC)
    return AccountFacts(
        "a",
        "Acme",
        "enterprise",
        "pr1",
        health_score=30,
        contract_start=day,
        renewal_date=day,
        go_live_date=day,
        entered_on=day,
        touches={"cadence-call": (day,), "escalation-call": (day,)},
        health=(HealthPoint(day, 90), HealthPoint(day, 30)),
        escalations=(OpenEscalation("e", 2, moment, moment),),
        snoozes=(Snooze(day, "away", day, None),),
        bookings=(Booking("ebr", day, day),),
        milestones=(OpenMilestone("m", day),),
    )


def test_dates_at_the_ends_of_the_calendar_are_decided_without_raising() -> None:
    """An account imported before the import refused absurd dates (a renewal on 9999-12-31)
    is still decided: what would run off the calendar is held at its end."""
    today = date(2026, 11, 23)
    for rules in (LONGEST_RULES, parse_rules(SHIPPED)):
        for day in (date.min, date(1, 1, 3), date(9999, 12, 29), date.max):
            decision = check_decision(rules, _far(day), today)
            if day.year > 9000:
                assert any(
                    "past the end of the calendar: held at 9999-12-31" in step
                    for candidate in decision.candidates
                    for step in candidate.steps
                ), decision.candidates
