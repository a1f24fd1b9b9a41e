"""The rules engine: `decide(facts, rules, today)` -> every candidate touch and the next one.

Pure and deterministic: the same facts, rules and `today` always give the same decision, so it
can be recomputed in bulk, replayed in tests and previewed against a candidate rules file.
Kinds of rule (see the shipped rules file for their wording):

- cadence: first matching row of a table, *chained* from the last touch that resets it;
- anchored: fixed offsets from a contract date, each computed from the anchor (no drift);
- recurring: a touch of one kind every so often, chained from the last one of that kind;
- trigger: owed when the health band changed, due within an SLA of the change;
- escalation: a follow-up within the SLA of the level, from the level change or the last call;
- milestones: open success-plan milestones, due on their own date;
- success plan: an active plan at risk owes a review, due the day the first risk began since
  the last review (`domain.success_plan.risk_items`).

A touch of a kind in a rule's `satisfied_by` (which always holds the rule's own kind) satisfies
it; a snooze moves a snoozable item to the end of the snooze, capped by the rules file.

Each rule first reads the few facts it depends on (a date, the last touch of some kinds), and
builds its candidate, words and all, only for a combination not seen before on that day with
that rulebook (`_memo`): a book of 100,000 accounts has a few thousand distinct ones, so a bulk
recompute formats each explanation once. The memo only ever holds what the same inputs would
build again, so `decide` stays a pure function. A snooze, which is the account's own, is
applied afterwards (`_Context.finish`). The urgency terms the account's items share are
worked out only when asked for (`Decision.shared`): a bulk recompute never asks.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from csm_tui.domain.calendar import Duration, Shifted, Unit, add_days, fmt_day, shift
from csm_tui.domain.decision import OPEN, Candidate, Decision, Derivation, Status
from csm_tui.domain.facts import (
    HEALTH_WINDOW_DAYS,
    AccountFacts,
    Booking,
    OpenEscalation,
    Snooze,
)
from csm_tui.domain.rulebook import (
    MILESTONE_KIND,
    PLAN_KIND,
    AnchoredRule,
    CadenceRow,
    EscalationSla,
    RecurringRule,
    Rulebook,
    TriggerRule,
)
from csm_tui.domain.success_plan import (
    PlanLine,
    PlanStatus,
    RiskKind,
    next_risk_day,
    risk_items,
    risk_sentences,
)
from csm_tui.domain.urgency import EscalationState, item_terms, last_touch, pin
from csm_tui.domain.wording import days_from, due_sentence

_ANCHOR_WORDS = {
    "contract_start": "contract start",
    "renewal_date": "renewal date",
    "go_live_date": "go-live date",
}
_UNIT_WORDS = {
    Unit.HOURS: "hour",
    Unit.DAYS: "day",
    Unit.BUSINESS_DAYS: "working day",
    Unit.WEEKS: "week",
    Unit.MONTHS: "month",
    Unit.YEARS: "year",
}


def human(duration: Duration) -> str:
    """'2w' -> '2 weeks', '1mo' -> 'month' (as in 'every month'), '-120d' -> '120 days'."""
    amount = abs(duration.amount)
    word = _UNIT_WORDS[duration.unit]
    return word if amount == 1 else f"{amount} {word}s"


def decide(facts: AccountFacts, rules: Rulebook, today: date) -> Decision:
    band = rules.bands.band(facts.health_score).value
    values: dict[str, Any] = {
        "segment": facts.segment,
        "priority": facts.priority,
        "health_band": band,
        "lifecycle_stage": facts.lifecycle_stage,
        "arr": facts.arr,
        "health_score": facts.health_score,
    }
    derived: list[Derivation] = []
    for rule in rules.derive:
        if rule.when.matches(values) and values["priority"] != rule.priority:
            why = rule.note or f"when {rule.when.describe()}"
            derived.append(Derivation(rule.id, "priority", values["priority"], rule.priority, why))
            values["priority"] = rule.priority
    context = _Context(facts, rules, today, values, _memo(rules, today))
    _facts_to_come(context)
    escalations = [_escalation_state(context, esc) for esc in facts.escalations]
    candidates = [_cadence(context)]
    for anchored in rules.anchored:
        if anchored.when.matches(values):
            candidates += _anchored(context, anchored)
    for recurring in rules.recurring:
        if recurring.when.matches(values):
            candidates.append(_recurring(context, recurring))
    for trigger in rules.triggers:
        if trigger.when.matches(values):
            candidates.append(_trigger(context, trigger))
    if escalations:
        candidates += (_escalation(context, state) for state in escalations)
    if facts.milestones:
        candidates += (_milestone(context, m.title, m.due_on) for m in facts.milestones)
    if facts.plans:
        candidates += (
            _success_plan(context, plan)
            for plan in facts.plans
            if plan.status is PlanStatus.ACTIVE  # a draft is not agreed yet; others not worked
        )
    chosen: tuple[tuple[date, int, int], Candidate] | None = None
    kinds: set[str] = set()
    repeated = False
    for index, candidate in enumerate(candidates):
        if candidate.status in OPEN:
            key = (max(candidate.due or today, today), rules.rank_of(candidate.kind), index)
            if chosen is None or key < chosen[0]:
                chosen = (key, candidate)
            repeated = repeated or candidate.kind in kinds
            kinds.add(candidate.kind)
    if repeated:  # two open items of one kind: which one is next (and stored) turns on the day
        context.until(
            min(
                (c.due for c in candidates if c.status in OPEN and c.due and c.due > today),
                default=today,
            )
        )
    last = last_touch(facts, today)
    pinned = level = breach_at = None
    if escalations:
        pinned = pin(escalations)
        level = max(state.escalation.level for state in escalations)
        # Some SLA is breached exactly when the earliest breach day is past.
        breach_at = min(state.breach_at for state in escalations)
    return Decision(
        account_id=facts.account_id,
        today=today,
        band=band,
        priority=values["priority"],
        derived=tuple(derived),
        candidates=tuple(candidates),
        next=chosen[1] if chosen else None,
        pin=(rules.escalation.id, pinned) if pinned else None,
        last_touch=last,
        escalation_level=level,
        breach_at=breach_at,
        pin_always=any(state.sla.pin for state in escalations),
        pin_rule_id=rules.escalation.id,
        valid_until=context.valid_until,
        facts=facts,
        coefficients=rules.urgency,
    )


def _facts_to_come(context: _Context) -> None:
    """Facts dated after today count from their day on; a snooze ends (or its cap is reached)."""
    today = context.today
    for days in context.facts.touches.values():
        index = bisect.bisect_right(days, today)
        if index < len(days):
            context.until(days[index])
    for point in context.facts.health:
        if point.on > today:
            context.until(point.on)
            break
    for booking in context.facts.bookings:
        context.until(booking.booked_on)
        context.until(add_days(booking.on, 1))  # the day passed: the item comes back
    policy = context.rules.snooze
    for snooze in context.facts.snoozes:
        context.until(snooze.snoozed_on)
        context.until(snooze.until)
        context.until(shift(snooze.snoozed_on, policy.max, context.rules.calendar, roll=False).day)


#: A built candidate and, for an open one, its reason before "-> due ..." (a snooze rewrites it).
_Built = tuple[Candidate, str | None]

#: Memos by rulebook, each for one day: (the rulebook, kept so its id is not reused; the day; memo).
_MEMOS: dict[int, tuple[Rulebook, date, dict[Any, Any]]] = {}
#: Entries one memo may hold before it starts over (a few MB; a 100,000 book needs ~20,000).
MEMO_LIMIT = 200_000


def _memo(rules: Rulebook, today: date) -> dict[Any, Any]:
    """The memo of this rulebook's candidates on this day (a new one for another day)."""
    entry = _MEMOS.get(id(rules))
    if entry is not None and entry[0] is rules and entry[1] == today and len(entry[2]) < MEMO_LIMIT:
        return entry[2]
    if len(_MEMOS) >= 4:  # rulebooks in use at once: the loaded one, a candidate file in preview
        _MEMOS.clear()
    memo: dict[Any, Any] = {}
    _MEMOS[id(rules)] = (rules, today, memo)
    return memo


@dataclass(slots=True)
class _Context:
    """One decision's inputs: the facts, the rules, the day, the facts the `when` tables test
    (after derive rules) and the memo of candidates."""

    facts: AccountFacts
    rules: Rulebook
    today: date
    values: dict[str, Any]
    memo: dict[Any, Any]
    #: The first later day the plan may differ on (`Decision.valid_until`); None: not before
    #: the facts change.
    valid_until: date | None = None

    def until(self, day: date) -> None:
        """Note a later day on which something the decision read changes with the day alone."""
        if day > self.today and (self.valid_until is None or day < self.valid_until):
            self.valid_until = day

    def tomorrow(self) -> None:
        """Note that the plan counts from today itself (an item due now): it moves every day."""
        self.until(add_days(self.today, 1))

    def last(
        self, kinds: Iterable[str], *, since: date | None = None, before: date | None = None
    ) -> date | None:
        """The latest touch of `kinds` on or after `since` and before `before`, up to today."""
        found: date | None = None
        touches = self.facts.touches
        for kind in kinds:
            days = touches.get(kind)
            if not days:
                continue
            end = bisect.bisect_right(days, self.today)
            if before is not None:
                end = min(end, bisect.bisect_left(days, before))
            if end and (since is None or days[end - 1] >= since):
                found = max(found or days[end - 1], days[end - 1])
        return found

    def built(self, key: Any, build: Callable[[], _Built]) -> Candidate:
        """The candidate for these inputs (`key` names everything `build` reads), finished."""
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = build()
        facts = self.facts
        if found[1] is None or not (facts.snoozes or facts.bookings):  # most: nothing moves it
            return found[0]
        return self.finish(*found)

    def open(
        self,
        rule_id: str,
        kind: str,
        label: str,
        due: date,
        *,
        reason: str,
        inputs: dict[str, str],
        steps: tuple[str, ...],
        latest: date | None = None,
        snoozed_until: date | None = None,
        snooze_reason: str | None = None,
        booked_for: date | None = None,
    ) -> _Built:
        """An open item as its rule computed it, with its own urgency terms; `finish` moves it
        to a booked meeting, or by a running snooze."""
        today = self.today
        overdue = (today - due).days
        status = Status.OVERDUE if overdue > 0 else Status.DUE if overdue == 0 else Status.UPCOMING
        late = f" (late after {latest.isoformat()})" if latest and latest != due else ""
        stem = f"{reason} -> due {due.isoformat()}{late}"
        candidate = Candidate(
            rule_id=rule_id,
            kind=kind,
            label=label,
            status=status,
            reason=reason_on(stem, due, today),
            stem=stem,
            due=due,
            latest=latest,
            overdue_days=max(overdue, 0),
            inputs=inputs,
            steps=steps,
            snoozed_until=snoozed_until,
            snooze_reason=snooze_reason,
            booked_for=booked_for,
            terms=item_terms(kind, label, due, snoozed_until, self.rules.urgency, today),
        )
        return candidate, reason

    def finish(self, candidate: Candidate, reason: str | None) -> Candidate:
        """An open item moved to the day of a meeting booked for it, or else by a running
        snooze of its kind, if there is one."""
        facts = self.facts
        if reason is None or not (facts.snoozes or facts.bookings):  # satisfied, or nothing
            return candidate
        booking = _booking(self, candidate.kind) if candidate.due is not None else None
        if booking is not None:
            note = f" ({booking.note})" if booking.note else ""
            day = booking.on.isoformat()
            booked, _ = self.open(
                candidate.rule_id,
                candidate.kind,
                candidate.label,
                booking.on,
                latest=candidate.latest,
                inputs={**candidate.inputs, "booked on": booking.booked_on.isoformat()},
                steps=(*candidate.steps, f"a meeting is booked for {fmt_day(booking.on)}{note}"),
                booked_for=booking.on,
                reason=f"{reason}; meeting booked for {day}{note}",
            )
            return booked
        if candidate.kind in self.rules.snooze.applies_to and candidate.due is not None:
            moved = _snooze(self, candidate.kind, candidate.due)
            if moved is not None:
                until, why, (snoozed_on, step) = moved
                candidate, _ = self.open(
                    candidate.rule_id,
                    candidate.kind,
                    candidate.label,
                    until,
                    latest=candidate.latest,
                    inputs={**candidate.inputs, "snoozed on": snoozed_on},
                    steps=(*candidate.steps, step),
                    snoozed_until=until,
                    snooze_reason=why,
                    reason=f"{reason}; snoozed until {until.isoformat()} ({why})",
                )
        return candidate


def reason_stem(candidate: Candidate, today: date) -> str:
    """An open candidate's reason without its last words, which say how far `today` is from
    the due date: what a stored schedule keeps, to say them again on a later day
    (`reason_on`). The engine keeps it on the candidate; one made by hand has it worked out."""
    if candidate.stem is not None:
        return candidate.stem
    if candidate.due is None:
        raise ValueError(f"{candidate.rule_id}: an item without a due date has no reason stem")
    suffix = f", {due_sentence(days_from(today, candidate.due))}"
    if not candidate.reason.endswith(suffix):
        raise ValueError(f"{candidate.rule_id}: reason does not end with {suffix!r}")
    return candidate.reason[: -len(suffix)]


def reason_on(stem: str, due: date, today: date) -> str:
    """A stored reason as the engine would say it on `today`."""
    return f"{stem}, {due_sentence(days_from(today, due))}"


def _cadence(context: _Context) -> Candidate:
    cadence = context.rules.cadence
    row_number, row = _cadence_row(context)
    last = context.last(cadence.satisfied_by)
    if last is not None:
        words = _kind_words(_touch_kind(context, cadence.satisfied_by, last))
        return context.built(
            ("cadence", row_number, last, words),
            lambda: _cadence_from(context, row_number, row, last, f"the last {words}"),
        )
    planned = context.facts.first_call_by
    start = _clock_start(context, cadence.fallback_anchor)
    if planned is not None:
        # The plan spread the first calls for the cadence of the day they entered; a row that
        # asks for more (the account turned red) brings the call forward.
        bound = shift(start[0], row.every, context.rules.calendar).day if start else None
        return context.built(
            ("cadence", row_number, "planned", planned, bound),
            lambda: _first_call(context, row, planned, bound),
        )
    if start is None:
        context.tomorrow()  # due now, whatever the day
    return context.built(
        ("cadence", row_number, None, start),
        lambda: _cadence_from(
            context, row_number, row, *(start or (None, None)), no_call=" (no call yet)"
        ),
    )


def _clock_start(context: _Context, fallback: str | None) -> tuple[date, str] | None:
    """Where a clock with nothing on record starts, and its words: the day the account entered
    the book, or the rule's fallback anchor (a contract start) if that is later; a book
    imported years after its contracts started is not years overdue on its first morning."""
    facts = context.facts
    starts = []
    if fallback is not None and (day := getattr(facts, fallback)) is not None:
        starts.append((day, f"the {_ANCHOR_WORDS[fallback]}"))
    if facts.entered_on is not None:
        starts.append((facts.entered_on, "the account entered the book"))
    return max(starts, key=lambda start: start[0], default=None)


def _first_call(context: _Context, row: CadenceRow, planned: date, bound: date | None) -> _Built:
    """The first call of an account that entered the book with none on record, on the day
    planned for it then (`domain.first_calls`), or sooner if the matching row's period from
    the clock's start (`bound`) ends before it."""
    cadence = context.rules.cadence
    label = row.label or f"{cadence.label} ({row.id})"
    steps = [f"no call on record: first call planned by {fmt_day(planned)}"]
    reason = (
        f"{label}: no {_kind_words(cadence.kind)} on record; first call planned by "
        f"{planned.isoformat()}"
    )
    due = planned
    if bound is not None and bound < planned:
        due = bound
        steps.append(f"every {human(row.every)} now: brought forward to {fmt_day(bound)}")
        reason += f", brought forward by the {label.lower()} (every {human(row.every)})"
    return context.open(
        row.id,
        cadence.kind,
        cadence.label,
        due,
        inputs={"first call planned": planned.isoformat()},
        steps=tuple(steps),
        reason=reason,
    )


def _cadence_row(context: _Context) -> tuple[int, CadenceRow]:
    """The first row of the cadence table that matches (by the facts the table reads)."""
    cadence, memo, values = context.rules.cadence, context.memo, context.values
    rows = cadence.rows
    key = ("cadence-row", *[values[name] for name in cadence.facts_read])
    found = memo.get(key)
    if found is None:
        found = memo[key] = next(
            (n, row) for n, row in enumerate(rows, start=1) if row.when.matches(values)
        )
    return found


def _cadence_from(
    context: _Context,
    row_number: int,
    row: CadenceRow,
    anchor: date | None,
    words: str | None,
    *,
    no_call: str = "",
) -> _Built:
    """The cadence item counted from `anchor`, which `words` names (the last call, or where a
    clock with no call on record starts, `no_call` saying so), or due now without one."""
    cadence = context.rules.cadence
    inputs = {
        name: str(context.values[name])
        for condition in row.when.conditions
        for name in [condition.fact]
    }
    inputs["matched row"] = f"{row_number} of {len(cadence.rows)}"
    label = row.label or f"{cadence.label} ({row.id})"
    if anchor is None or words is None:
        return context.open(
            row.id,
            cadence.kind,
            cadence.label,
            context.today,
            inputs=inputs,
            steps=("no touch and no start date on record: due now",),
            reason=f"{label}: every {human(row.every)}, and no call on record",
        )
    inputs["last touch" if not no_call else "counted from"] = anchor.isoformat()
    moved = shift(anchor, row.every, context.rules.calendar)
    latest = shift(anchor, row.latest, context.rules.calendar).day if row.latest else None
    return context.open(
        row.id,
        cadence.kind,
        cadence.label,
        moved.day,
        latest=latest,
        inputs=inputs,
        steps=moved.steps,
        reason=f"{label}: every {human(row.every)} since {words}{no_call} on {anchor.isoformat()}",
    )


def _touch_kind(context: _Context, kinds: frozenset[str], on: date) -> str:
    """Which of `kinds` the touch on `on` was (the first by name when several were that day):
    a reason names the touch that counted, which may be another kind than its rule's."""
    touches = context.facts.touches
    for kind in _in_order(kinds):
        if on in touches.get(kind, ()):
            return kind
    raise ValueError(f"no touch of {', '.join(_in_order(kinds))} on {on.isoformat()}")


@lru_cache(maxsize=64)
def _in_order(kinds: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(kinds))


def _kind_words(kind: str) -> str:
    return {"ebr": "EBR", "nps-survey": "NPS survey"}.get(kind, kind.replace("-", " "))


def _anchored(context: _Context, rule: AnchoredRule) -> Iterable[Candidate]:
    anchor = getattr(context.facts, rule.anchor)
    if anchor is None:
        return [context.built(("anchored", rule.id, None), lambda: _no_anchor(rule))]
    targets = _targets(context, rule, anchor)
    if targets.expiry is not None:
        context.until(targets.expiry)  # an open target is skipped from then on
    if rule.satisfied_by.isdisjoint(context.facts.touches):  # most accounts
        if targets.untouched is None:
            built = [
                _anchored_at(context, rule, anchor, offset, target, None, expires)
                for offset, target, _, expires in targets.each
            ]
            targets.untouched = (built, [candidate for candidate, _ in built])
        built, candidates = targets.untouched
        if not (context.facts.snoozes or context.facts.bookings):
            return candidates
        return [context.finish(*one) for one in built]
    candidates = []
    for index, (offset, target, since, expires) in enumerate(targets.each):
        day = context.last(rule.satisfied_by, since=since, before=expires)
        done = None if day is None else (day, _touch_kind(context, rule.satisfied_by, day))
        candidates.append(
            context.built(
                ("anchored", rule.id, index, anchor, done),
                partial(_anchored_at, context, rule, anchor, offset, target, done, expires),
            )
        )
    return candidates


def _no_anchor(rule: AnchoredRule) -> _Built:
    return _skipped(
        rule.id, rule.kind, rule.label, f"{rule.label}: no {_ANCHOR_WORDS[rule.anchor]} on record"
    ), None


@dataclass(slots=True)
class _Targets:
    """An anchored rule from one anchor date, on the memo's day."""

    #: Per offset: the target, and the window a touch counts in (from `done_window` before
    #: the target until it expires).
    each: list[tuple[Duration, Shifted, date, date | None]]
    #: The first of those expiries after today, when an open target would be skipped.
    expiry: date | None
    #: The items of an account with no touch of the rule's kinds, once built: as built (a
    #: snooze may move them), and their candidates.
    untouched: tuple[list[_Built], list[Candidate]] | None = None


def _targets(context: _Context, rule: AnchoredRule, anchor: date) -> _Targets:
    key = ("anchored-targets", rule.id, anchor)
    found = context.memo.get(key)
    if found is None:
        window = _rough(rule.done_window)
        expire_after = _rough(rule.expire_after) if rule.expire_after else None
        each = [
            (
                offset,
                target,
                add_days(target.day, -window),
                add_days(target.day, expire_after) if expire_after is not None else None,
            )
            for offset in rule.offsets
            for target in [shift(anchor, offset, context.rules.calendar)]
        ]
        found = context.memo[key] = _Targets(
            each,
            min(
                (
                    expires
                    for *_, expires in each
                    if expires is not None and expires > context.today
                ),
                default=None,
            ),
        )
    return found


def _anchored_at(
    context: _Context,
    rule: AnchoredRule,
    anchor: date,
    offset: Duration,
    target: Shifted,
    done: tuple[date, str] | None,
    expires: date | None,
) -> _Built:
    """One target of an anchored rule; `done` is the touch that counts for it (day, kind)."""
    rule_id = f"{rule.id}@{offset}" if len(rule.offsets) > 1 else rule.id
    if done is not None:
        day, kind = done
        return _satisfied(
            rule_id,
            rule,
            target.day,
            done,
            f"{rule.label}: {_kind_words(kind)} on {day.isoformat()} counts "
            f"for the target {target.day.isoformat()}",
        ), None
    if expires is not None and rule.expire_after is not None and context.today >= expires:
        return _skipped(
            rule_id,
            rule.kind,
            rule.label,
            f"{rule.label}: expired, the target {target.day.isoformat()} is more than "
            f"{human(rule.expire_after)} past",
        ), None
    latest = shift(anchor, rule.latest, context.rules.calendar).day if rule.latest else None
    direction = "before" if offset.is_negative else "after"
    return context.open(
        rule_id,
        rule.kind,
        rule.label,
        target.day,
        latest=latest,
        inputs={rule.anchor: anchor.isoformat()},
        steps=target.steps,
        reason=f"{rule.label}: {human(offset)} {direction} the {_ANCHOR_WORDS[rule.anchor]} "
        f"on {anchor.isoformat()}",
    )


@lru_cache(maxsize=256)
def _rough(duration: Duration | None) -> int:
    """A window or expiry as whole days (`approx_days` rounded); no duration is no time."""
    return round(duration.approx_days()) if duration else 0


def _recurring(context: _Context, rule: RecurringRule) -> Candidate:
    last = context.last(rule.satisfied_by)
    if last is None:
        start = _recurring_start(context, rule)
        if start is None:
            context.tomorrow()  # due now, whatever the day
        return context.built(
            ("recurring", rule.id, None, start),
            lambda: _recurring_from(context, rule, *(start or (None, None))),
        )
    kind = _touch_kind(context, rule.satisfied_by, last)
    return context.built(
        ("recurring", rule.id, last, kind),
        lambda: _recurring_from(context, rule, last, f"the last {_kind_words(kind)}", kind),
    )


def _recurring_start(context: _Context, rule: RecurringRule) -> tuple[date, str] | None:
    """Where a recurring clock with nothing on record starts: at the first call planned when
    the account entered the book (so the first surveys of an imported book are spread like
    its calls), else as the cadence's clock does."""
    start = _clock_start(context, rule.fallback_anchor)
    planned = context.facts.first_call_by
    if planned is not None and (start is None or planned > start[0]):
        return planned, "the first call planned"
    return start


def _recurring_from(
    context: _Context,
    rule: RecurringRule,
    anchor: date | None,
    words: str | None,
    touched: str | None = None,
) -> _Built:
    """Counted from `anchor`, which `words` names: the last touch of the rule's kinds (of kind
    `touched`), or where a clock with none on record starts; due now without one."""
    inputs: dict[str, str] = {}
    if anchor is None or words is None:
        return context.open(
            rule.id,
            rule.kind,
            rule.label,
            context.today,
            inputs=inputs,
            steps=("nothing on record to count from: due now",),
            reason=f"{rule.label}: every {human(rule.every)}, none on record",
        )
    if touched is not None:
        inputs[f"last {touched}"] = anchor.isoformat()
        since = f"{words} on {anchor.isoformat()}"
    else:
        inputs["counted from"] = anchor.isoformat()
        since = f"{words} on {anchor.isoformat()} (none yet)"
    moved = shift(anchor, rule.every, context.rules.calendar)
    return context.open(
        rule.id,
        rule.kind,
        rule.label,
        moved.day,
        inputs=inputs,
        steps=moved.steps,
        reason=f"{rule.label}: every {human(rule.every)} since {since}",
    )


def band_entered(context: _Context, band: str) -> date | None:
    """The day the account last entered `band`, if it is in it now: the day of the change on
    record, or the first day it was seen in it (its first snapshot, or the day it entered the
    book with no history); None if the history before that is not on record either."""
    bands = context.rules.bands
    if context.values["health_band"] != band:
        return None
    history = [point for point in context.facts.health if point.on <= context.today]
    entered = context.facts.entered_on
    if not history:
        if entered is not None and entered > context.today:
            context.until(entered)  # seen from that day on
            return None
        return entered
    if bands.band(history[-1].score).value != band:
        return context.today  # the score changed after the last snapshot: count from today
    for index in range(len(history) - 1, 0, -1):
        if bands.band(history[index - 1].score).value != band:
            return history[index].on
    # In the band since the first snapshot loaded: the first on record only if it lies in the
    # health window (an older one is the snapshot just before it, and what came before that
    # is not loaded); the day it was first seen in the band, if the account was in the book.
    first = history[0].on
    in_window = first >= context.today - timedelta(days=HEALTH_WINDOW_DAYS)
    return first if in_window and entered is not None and first >= entered else None


def _trigger(context: _Context, rule: TriggerRule) -> Candidate:
    band = context.values["health_band"]
    entered = band_entered(context, rule.entered)
    if entered is None:
        return context.built(("trigger", rule.id, band), lambda: _not_triggered(rule, band))
    if entered == context.today:
        context.tomorrow()  # may count from today itself: the score changed after the last snapshot
    # The snapshot before the change leaves the facts once the change is older than the window.
    context.until(add_days(entered, HEALTH_WINDOW_DAYS + 1))
    done = context.last(rule.satisfied_by, since=entered)
    if done is None and rule.expire_after:
        context.until(
            add_days(
                shift(entered, rule.within, context.rules.calendar).day, _rough(rule.expire_after)
            )
        )
    score = context.facts.health_score
    return context.built(
        ("trigger", rule.id, band, entered, done, score),
        lambda: _triggered(context, rule, entered, done, score),
    )


def _not_triggered(rule: TriggerRule, band: str) -> _Built:
    why = (
        f"health is {band}, not {rule.entered}"
        if band != rule.entered
        else f"{rule.entered} since the first health snapshot on record: no change into it"
    )
    return _skipped(rule.id, rule.kind, rule.label, f"{rule.label}: {why}"), None


def _triggered(
    context: _Context, rule: TriggerRule, entered: date, done: date | None, score: int | None
) -> _Built:
    inputs = {"health_score": str(score), f"entered {rule.entered}": entered.isoformat()}
    moved = shift(entered, rule.within, context.rules.calendar)
    if done is not None:
        return Candidate(
            rule_id=rule.id,
            kind=rule.kind,
            label=rule.label,
            status=Status.SATISFIED,
            reason=f"{rule.label}: done on {done.isoformat()} after turning {rule.entered}",
            due=moved.day,
            inputs=inputs,
        ), None
    if rule.expire_after and context.today >= add_days(moved.day, _rough(rule.expire_after)):
        return _skipped(
            rule.id,
            rule.kind,
            rule.label,
            f"{rule.label}: expired, {human(rule.expire_after)} past its due date "
            f"{moved.day.isoformat()}",
        ), None
    # Due at once, on the day of the change (so it is on that day's triage queue); `within` is
    # the deadline, past which it is late.
    return context.open(
        rule.id,
        rule.kind,
        rule.label,
        entered,
        latest=moved.day,
        inputs=inputs,
        steps=(f"turned {rule.entered} on {fmt_day(entered)}: due at once", *moved.steps),
        reason=f"{rule.label}: at once, within {human(rule.within)} of turning "
        f"{rule.entered} on {entered.isoformat()}",
    )


def _escalation_state(context: _Context, escalation: OpenEscalation) -> EscalationState:
    """The SLA clock of one escalation: from the level change, or the last follow-up call."""
    rules = context.rules
    sla = rules.escalation.levels.get(escalation.level) or EscalationSla(
        escalation.level, Duration.parse("24h")
    )
    since = escalation.level_since.astimezone(UTC)
    last = context.last(rules.escalation.satisfied_by, since=since.date())
    bound = sla.latest or sla.within
    breach_at = (
        _after(since, bound, rules) if last is None else shift(last, bound, rules.calendar).day
    )
    breach_at = max(breach_at, add_days(last, 1)) if last is not None else breach_at
    context.until(add_days(breach_at, 1))  # breached from then on
    return EscalationState(
        escalation, sla, breach_at, breached=context.today > breach_at, last_follow_up=last
    )


def _after(moment: datetime, duration: Duration, rules: Rulebook) -> date:
    """A date `duration` after a moment: hours are elapsed UTC time, the rest as on dates."""
    if duration.unit is Unit.HOURS:
        try:
            return (moment.astimezone(UTC) + timedelta(hours=duration.amount)).date()
        except OverflowError:  # a moment of older data near the end of the calendar
            return date.max if duration.amount >= 0 else date.min
    return shift(moment.astimezone(UTC).date(), duration, rules.calendar).day


def _escalation(context: _Context, state: EscalationState) -> Candidate:
    rules = context.rules.escalation
    escalation, sla, last = state.escalation, state.sla, state.last_follow_up
    since = escalation.level_since.astimezone(UTC)
    label = f"{rules.label} (L{escalation.level})"
    inputs = {
        "level": f"L{escalation.level}",
        "opened": escalation.opened_at.astimezone(UTC).date().isoformat(),
        "level since": since.date().isoformat(),
    }
    if last is not None:
        inputs["last follow-up"] = last.isoformat()
        moved = shift(last, sla.within, context.rules.calendar)
        due, steps, words = moved.day, moved.steps, f"the last follow-up on {last.isoformat()}"
        if due <= last:  # "at once" again after today's call would never leave the queue
            due = add_days(last, 1)
            steps = (*steps, f"a follow-up was logged that day: next one on {fmt_day(due)}")
    else:
        due = _after(since, sla.within, context.rules)
        steps = (
            f"+{sla.within} from L{escalation.level} on {since:%Y-%m-%d %H:%M} UTC"
            f" -> {fmt_day(due)}",
        )
        words = f"reaching L{escalation.level} on {since.date().isoformat()}"
    breach = f"; SLA breached since {state.breach_at.isoformat()}" if state.breached else ""
    within = human(sla.within) if sla.within.amount else "no time"
    return context.finish(
        *context.open(
            rules.id,
            rules.kind,
            label,
            due,
            inputs=inputs,
            steps=steps,
            reason=f"{label}: within {within} of {words}{breach}",
        )
    )


def _milestone(context: _Context, title: str, due: date) -> Candidate:
    rules = context.rules.milestones
    return context.built(
        ("milestone", title, due),
        lambda: context.open(
            rules.id,
            MILESTONE_KIND,
            rules.label,
            due,
            inputs={"milestone": title},
            steps=(f"success-plan milestone due {fmt_day(due)}",),
            reason=f"{rules.label} {title!r} of the success plan",
        ),
    )


def _success_plan(context: _Context, plan: PlanLine) -> Candidate:
    """A review owed for the risks that began after the plan's last review (a review with the
    customer is what answers a plan at risk: it re-dates, unblocks or re-measures)."""
    rules, today = context.rules.success_plan, context.today
    every = rules.review_every
    if (later := next_risk_day(plan, today, every)) is not None:
        context.until(later)
    found = risk_items(plan, today, every)
    reviewed = plan.reviewed_on
    inputs = {"plan": plan.title, "last review": reviewed.isoformat() if reviewed else "none"}

    def satisfied(reason: str) -> Candidate:
        return Candidate(
            rule_id=rules.id,
            kind=PLAN_KIND,
            label=rules.label,
            status=Status.SATISFIED,
            reason=reason,
            inputs=inputs,
        )

    if not found:
        return satisfied(
            f"{plan.title!r} is on track: nothing slipped or blocked, reviewed in the last "
            f"{human(every)}, every objective measured"
        )
    words = "; ".join(risk_sentences(plan, found, today, every))
    owed = [risk for risk in found if reviewed is None or risk.began > reviewed]
    if not owed:
        return satisfied(
            f"{plan.title!r} at risk ({words}), reviewed with the customer since, on {reviewed}"
        )
    due = min(risk.began for risk in owed)
    steps = tuple(
        f"{_RISK_WORDS[risk.kind]}{f' {risk.name!r}' if risk.name else ''}"
        f" since {fmt_day(risk.began)}"
        for risk in sorted(owed, key=lambda risk: risk.began)
    )
    return context.finish(
        *context.open(
            rules.id,
            PLAN_KIND,
            rules.label,
            due,
            inputs=inputs,
            steps=(*steps, "a review with the customer after that answers it"),
            reason=f"{rules.label}: {words}",
        )
    )


_RISK_WORDS = {
    RiskKind.SLIPPED: "milestone slipped",
    RiskKind.BLOCKED: "milestone blocked",
    RiskKind.REVIEW: "review overdue",
    RiskKind.UNMEASURED: "no value measured for",
}


def _skipped(rule_id: str, kind: str, label: str, reason: str) -> Candidate:
    return Candidate(rule_id=rule_id, kind=kind, label=label, status=Status.SKIPPED, reason=reason)


def _satisfied(
    rule_id: str, rule: AnchoredRule, target: date, done: tuple[date, str], reason: str
) -> Candidate:
    day, kind = done
    return Candidate(
        rule_id=rule_id,
        kind=rule.kind,
        label=rule.label,
        status=Status.SATISFIED,
        reason=reason,
        due=target,
        inputs={f"last {kind}": day.isoformat()},
    )


def _snooze(context: _Context, kind: str, due: date) -> tuple[date, str, tuple[str, str]] | None:
    """Where a running snooze of this kind moves an item due on `due`: the day it ends (capped
    by the rules file), its reason, and the input and step that say so; None if it does not."""
    snooze = _active_snooze(context, kind)
    if snooze is None:
        return None
    policy = context.rules.snooze
    cap = shift(snooze.snoozed_on, policy.max, context.rules.calendar, roll=False).day
    until = min(snooze.until, cap)
    if until <= context.today or until <= due:
        return None
    capped = (
        f", capped at {policy.max} from {snooze.snoozed_on.isoformat()}"
        if until < snooze.until
        else ""
    )
    step = f"snoozed until {fmt_day(until)}{capped}: {snooze.reason}"
    return until, snooze.reason, (snooze.snoozed_on.isoformat(), step)


def _booking(context: _Context, kind: str) -> Booking | None:
    """The meeting booked for the account's item of `kind` that holds today: the last one made
    (a meeting moved is booked again), made by today, its day not past, and nothing of that kind
    logged since: after the day it was made, or on its own day (the meeting itself). A call
    logged the morning the next one is booked is the last call, not the booked one."""
    today = context.today
    last = context.last((kind,))
    for booking in reversed(context.facts.bookings):  # in the order they were made
        if booking.kind != kind or not booking.booked_on <= today <= booking.on:
            continue
        if last is not None and (last > booking.booked_on or last == booking.on):
            return None  # logged since: the meeting took place
        return booking
    return None


def _active_snooze(context: _Context, kind: str) -> Snooze | None:
    matching = [
        s
        for s in context.facts.snoozes
        if s.kind in (None, kind) and s.until > context.today and s.snoozed_on <= context.today
    ]
    return max(matching, key=lambda s: (s.until, s.snoozed_on), default=None)
