"""The account's first tab: the facts, the health and its trend, and why the next touch is due."""

from __future__ import annotations

from datetime import date

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Sparkline, Static

from csm_tui.domain.account import AccountDetail, days_words, escalation_line, plan_progress
from csm_tui.domain.book import format_arr
from csm_tui.domain.decision import Decision
from csm_tui.domain.enums import RiskCategory
from csm_tui.domain.explain import due_words
from csm_tui.domain.health import BandThresholds, HealthWeights
from csm_tui.services.account import AccountView
from csm_tui.widgets.health import BAND_COLOURS, band_label

BAR = 10  # cells of a component's bar


class Overview(VerticalScroll):
    """The next touch and its reason on top; then the facts and the health, side by side on a
    wide terminal, one under the other on a narrow one (the pane scrolls)."""

    def compose(self) -> ComposeResult:
        # Why the next touch is due first: it is what a CSM opening the account asks.
        yield Static(id="overview-next", classes="card")
        yield Static(id="overview-lines", classes="card")
        with Horizontal(id="overview-cards"):
            yield Static(id="overview-facts", classes="card")
            with VerticalScroll(id="overview-health", classes="card"):
                yield Static(id="health-parts")
                yield Sparkline([], id="health-trend")
                yield Static(id="health-change")

    def show(self, view: AccountView) -> None:
        detail, today = view.detail, view.today
        self.query_one("#overview-facts", Static).update(_facts(detail, today))
        self.query_one("#health-parts", Static).update(_health(detail, view.bands, view.weights))
        trend = self.query_one("#health-trend", Sparkline)
        trend.data = [score for _, score in detail.health.history]
        trend.display = len(detail.health.history) > 1
        self.query_one("#health-change", Static).update(_change(detail, view.bands, today))
        self.query_one("#overview-next", Static).update(next_touch(view.decision, today))
        self.query_one("#overview-lines", Static).update(_lines(detail, today))


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def _facts(detail: AccountDetail, today: date) -> RenderableType:
    p = detail.profile
    grid = _grid()
    renewal = "-"
    days = p.days_to_renewal(today)
    if p.renewal_date is not None and days is not None:
        renewal = f"{p.renewal_date} ({days_words(days)})"
    last = detail.last_touch
    rows = (
        ("Segment", p.segment.label), ("Priority", p.priority.label),
        ("ARR", format_arr(p.arr_cents)), ("Owner", p.owner_name or "-"), ("AE", p.ae or "-"),
        ("Stage", p.lifecycle_stage.label if p.lifecycle_stage else "-"),
        ("Contract start", str(p.contract_start or "-")), ("Renewal", renewal),
        ("Go-live", str(p.go_live_date or "-")),
        ("Last touch", "never" if last is None else
         f"{last.occurred_on} ({days_words((last.occurred_on - today).days)}) {last.kind.label.lower()}"),
    )
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _health(detail: AccountDetail, bands: BandThresholds, weights: HealthWeights) -> RenderableType:
    health = detail.health
    grid = _grid()
    grid.add_row("Health", band_label(health.score, bands))
    for name, value in health.components.items():
        bar = Text()
        if value is None:
            bar.append("not measured", style="dim")
        else:
            filled = round(value * BAR / 100)
            bar.append("█" * filled, style=BAND_COLOURS[bands.band(value)])
            bar.append("░" * (BAR - filled), style="dim")
            bar.append(f" {value:>3}")
        grid.add_row(f"{name.capitalize()} {getattr(weights, name)}%", bar)
    risks = Text()
    for category in RiskCategory:
        if risks:
            risks.append(" ")
        raised = category in health.risks
        risks.append(category.label.lower(), style="bold red" if raised else "dim")
    grid.add_row("Risks", risks)
    return grid


def _change(detail: AccountDetail, bands: BandThresholds, today: date) -> Text:
    history = detail.health.history
    if not history:
        return Text("No health snapshot in the last 90 days.", style="dim")
    change = detail.health.last_change(today)
    first, last = history[0][1], history[-1][1]
    line = Text(f"90 days: {first} → {last} ({last - first:+d})", style="dim")
    if change is not None:
        line.append("\nLast change ", style="bold")
        dropped = bands.band(change.after) is not bands.band(change.before)
        line.append(change.words(bands), style="bold red" if dropped and change.after < change.before
                    else "")
    return line


def next_touch(decision: Decision | None, today: date) -> RenderableType:
    """The engine's choice and its full explanation: the reason, the steps, the derived facts,
    and what else is open."""
    title = Text("Next touch", style="bold underline")
    if decision is None or decision.next is None:
        return Group(title, Text("Nothing is scheduled for this account.", style="dim"))
    chosen = decision.next
    parts: list[RenderableType] = [title]
    head = Text.assemble((chosen.label, "bold cyan"))
    if chosen.due is not None:
        head.append(f"  due {chosen.due} ({due_words(chosen, today)})")
    if chosen.snoozed_until is not None and chosen.snoozed_until > today:
        head.append(f"  snoozed until {chosen.snoozed_until}: {chosen.snooze_reason}", style="italic")
    parts += [head, Text(chosen.reason)]
    parts += [Text(f"  · {step}", style="dim") for step in chosen.steps]
    for derived in decision.derived:
        parts.append(Text(f"  {derived.fact} {derived.before.upper()} → {derived.after.upper()}: "
                          f"{derived.why}", style="dim"))
    urgency = decision.urgency(chosen)
    terms = ", ".join(f"{term.name} {term.points:+.1f}" for term in urgency.terms if term.points)
    parts.append(Text(f"Urgency {urgency.total:.1f}" + (f" ({terms})" if terms else "")
                      + (f", pinned: {urgency.pin_reason}" if urgency.pinned else ""), style="dim"))
    others = [c for c in decision.open if c is not chosen and c.due is not None]
    if others:
        parts.append(Text("Also open", style="bold"))
        for candidate in sorted(others, key=lambda c: c.due)[:6]:  # type: ignore[arg-type,return-value]
            what = candidate.label
            if "milestone" in candidate.inputs:  # which one: the label only says "Milestone"
                what += f": {candidate.inputs['milestone']}"
            parts.append(Text(f"  {candidate.due}  {what} ({due_words(candidate, today)})"))
    return Group(*parts)


def _lines(detail: AccountDetail, today: date) -> RenderableType:
    grid = _grid()
    grid.add_row("Escalation", escalation_line(detail.open_escalation, today))
    grid.add_row("Success plan", plan_progress(detail.plans, today))
    return grid
