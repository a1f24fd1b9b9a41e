"""The account's first tab: the facts, the health and its trend, and why the next touch is due."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Sparkline, Static

from csm_tui.domain.account import AccountDetail, escalation_line, plan_progress, plan_risk
from csm_tui.domain.book import format_arr
from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import Priority, RiskCategory
from csm_tui.domain.explain import due_words
from csm_tui.domain.health import BandThresholds, HealthWeights
from csm_tui.domain.wording import relative_day
from csm_tui.services.account import AccountView
from csm_tui.widgets.health import BAR_STYLES, health_content
from csm_tui.widgets.labelled_rows import LabelledRows

BAR = 10  # cells of a component's bar


class Overview(VerticalScroll):
    """The next touch and its reason on top; then the facts and the health, side by side on a
    wide terminal, one under the other on a narrow one (the pane scrolls)."""

    def compose(self) -> ComposeResult:
        # Why the next touch is due first: it is what a CSM opening the account asks.
        yield Static(id="overview-next", classes="card")
        yield LabelledRows(id="overview-lines", classes="card")
        with Horizontal(id="overview-cards"):
            yield LabelledRows(id="overview-facts", classes="card")
            with VerticalScroll(id="overview-health", classes="card"):
                yield LabelledRows(id="health-parts")
                yield Sparkline([], id="health-trend")
                yield Static(id="health-change")

    def show(self, view: AccountView) -> None:
        detail, today = view.detail, view.today
        derived = view.decision.priority if view.decision is not None else None
        self.query_one("#overview-facts", LabelledRows).show(_facts(detail, today, derived))
        at_risk = plan_risk(detail.plans, today, view.review_every)
        self.query_one("#health-parts", LabelledRows).show(
            _health(detail, view.bands, view.weights, plan_at_risk=at_risk is not None)
        )
        trend = self.query_one("#health-trend", Sparkline)
        trend.data = [score for _, score in detail.health.history]
        trend.display = len(detail.health.history) > 1
        self.query_one("#health-change", Static).update(_change(detail, view.bands, today))
        self.query_one("#overview-next", Static).update(next_touch(view.decision, today))
        self.query_one("#overview-lines", LabelledRows).show(_lines(detail, today, at_risk))


Rows = list[tuple[str, str | Content]]


def _facts(detail: AccountDetail, today: date, derived: str | None = None) -> Rows:
    """The account's facts; its priority as the rules derive it (`derived`), saying so."""
    p = detail.profile
    priority = p.priority.label
    if derived is not None and derived != p.priority.value:
        priority = f"{Priority(derived).label} (derived; assigned {p.priority.label})"
    renewal = "-"
    days = p.days_to_renewal(today)
    if p.renewal_date is not None and days is not None:
        renewal = f"{p.renewal_date} ({relative_day(days)})"
    last = detail.last_touch
    return [
        ("Segment", p.segment.label),
        ("Priority", priority),
        ("ARR", format_arr(p.arr_cents)),
        ("Owner", p.owner_name or "-"),
        ("AE", p.ae or "-"),
        ("Stage", p.lifecycle_stage.label if p.lifecycle_stage else "-"),
        ("Contract start", str(p.contract_start or "-")),
        ("Renewal", renewal),
        ("Go-live", str(p.go_live_date or "-")),
        (
            "Last touch",
            "never"
            if last is None
            else f"{last.occurred_on} ({relative_day((last.occurred_on - today).days)}) "
            f"{last.kind.label.lower()}",
        ),
    ]


def _health(
    detail: AccountDetail,
    bands: BandThresholds,
    weights: HealthWeights,
    *,
    plan_at_risk: bool = False,
) -> Rows:
    """The score, its components, and the risk flags: the six stored ones and the success
    flag, which the success plan raises (`domain.success_plan.risks`)."""
    health = detail.health
    rows: Rows = [("Health", health_content(health.score, bands))]
    for name, value in health.components.items():
        if value is None:
            bar = Content.styled("not measured", "dim")
        else:
            filled = round(value * BAR / 100)
            bar = Content.assemble(
                ("█" * filled, BAR_STYLES[bands.band(value)]),
                ("░" * (BAR - filled), "dim"),
                f" {value:>3}",
            )
        rows.append((f"{name.capitalize()} {getattr(weights, name)}%", bar))
    flags = [(category.label.lower(), category in health.risks) for category in RiskCategory]
    risks = Content(" ").join(
        Content.styled(name, "bold $text-error" if raised else "dim")
        for name, raised in [*flags, ("success", plan_at_risk)]
    )
    rows.append(("Risks", risks))
    return rows


def _change(detail: AccountDetail, bands: BandThresholds, today: date) -> Content:
    history = detail.health.history
    if not history:
        return Content.styled("No health snapshot in the last 90 days.", "dim")
    change = detail.health.last_change(today)
    first, last = history[0][1], history[-1][1]
    line = Content(f"90 days: {first} → {last} ({last - first:+d})")
    if change is not None:
        dropped = bands.band(change.after) is not bands.band(change.before)
        line = Content.assemble(
            line,
            ("\nLast change ", "bold"),
            (
                change.words(bands),
                "bold $text-error" if dropped and change.after < change.before else "",
            ),
        )
    return line.stylize_before("dim")  # under the parts' own styles, as Rich's Text style


def next_touch(decision: Decision | None, today: date) -> Content:
    """The engine's choice and its full explanation: the reason, the steps, the derived facts,
    and what else is open."""
    title = Content.styled("Next touch", "bold underline")
    if decision is None or decision.next is None:
        return Content("\n").join(
            [title, Content.styled("Nothing is scheduled for this account.", "dim")]
        )
    chosen = decision.next
    head = [(chosen.label, "bold $text-primary")]
    if chosen.due is not None:
        head.append((f"  due {chosen.due} ({due_words(chosen, today)})", ""))
    if chosen.snoozed_until is not None and chosen.snoozed_until > today:
        head.append((f"  snoozed until {chosen.snoozed_until}: {chosen.snooze_reason}", "italic"))
    lines = [title, Content.assemble(*head), Content(chosen.reason)]
    lines += [Content.styled(f"  · {step}", "dim") for step in chosen.steps]
    lines += [
        Content.styled(
            f"  {derived.fact} {derived.before.upper()} → {derived.after.upper()}: {derived.why}",
            "dim",
        )
        for derived in decision.derived
    ]
    urgency = decision.urgency(chosen)
    terms = ", ".join(f"{term.name} {term.points:+.1f}" for term in urgency.terms if term.points)
    lines.append(
        Content.styled(
            f"Urgency {urgency.total:.1f}"
            + (f" ({terms})" if terms else "")
            + (f", pinned: {urgency.pin_reason}" if urgency.pinned else ""),
            "dim",
        )
    )
    others = [c for c in decision.open if c is not chosen and c.due is not None]
    if others:
        lines.append(Content.styled("Also open", "bold"))
        for candidate in sorted(others, key=lambda c: c.due or date.max)[:6]:
            what = candidate.label
            if "milestone" in candidate.inputs:  # which one: the label only says "Milestone"
                what += f": {candidate.inputs['milestone']}"
            lines.append(Content(f"  {candidate.due}  {what} ({due_words(candidate, today)})"))
    return Content("\n").join(lines)


def _lines(detail: AccountDetail, today: date, at_risk: str | None) -> Rows:
    rows: Rows = [
        ("Escalation", escalation_line(detail.open_escalation, today)),
        ("Success plan", plan_progress(detail.plans, today)),
    ]
    if at_risk is not None:
        rows.append(("Plan at risk", Content.styled(at_risk, "$text-warning")))
    return rows
