"""A read-only summary of one account: the facts, the people, the last touches, the trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Sparkline, Static

from csm_tui.domain.account import AccountSummary
from csm_tui.domain.book import format_arr, format_days
from csm_tui.domain.health import DEFAULT_WEIGHTS
from csm_tui.services.workspace import Workspace
from csm_tui.widgets.health import band_label, health_cell


class AccountSummaryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("q", "app.pop_screen", "Back", show=False),
    ]

    @dataclass
    class Loaded(Message):
        summary: AccountSummary | None

    def __init__(self, workspace: Workspace, account_id: str,
                 summary: AccountSummary | None = None) -> None:
        """`summary`, when the opener already read it (in a worker), is shown at once."""
        super().__init__()
        self.workspace = workspace
        self.account_id = account_id
        self._preloaded = summary

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="summary"):
            with VerticalScroll(id="facts-column"):
                yield Static("Loading…", id="facts", classes="card")
                yield Static(id="health", classes="card")
                yield Sparkline([], id="trend")
            with VerticalScroll(id="people-column"):
                yield Static(id="contacts", classes="card")
                yield Static(id="touches", classes="card")
                yield Static(id="escalations", classes="card")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Account"
        if self._preloaded is not None:
            self._show(self.Loaded(self._preloaded))
        else:
            self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        self.post_message(self.Loaded(self.workspace.summary(self.account_id)))

    @on(Loaded)
    def _show(self, message: Loaded) -> None:
        summary = message.summary
        if summary is None:
            self.query_one("#facts", Static).update("This account no longer exists.")
            return
        today = self.workspace.today
        self.title = summary.row.name
        self.sub_title = f"{summary.row.external_id or 'no CRM id'} · {today:%a %d %b %Y}"
        self.query_one("#facts", Static).update(_facts(summary, today))
        self.query_one("#health", Static).update(_health(summary))
        trend = self.query_one("#trend", Sparkline)
        trend.data = [score for _, score in summary.health_history]
        trend.display = len(summary.health_history) > 1
        self.query_one("#contacts", Static).update(_contacts(summary))
        self.query_one("#touches", Static).update(_touches(summary))
        self.query_one("#escalations", Static).update(_escalations(summary))


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    return grid


def _facts(summary: AccountSummary, today: date) -> Table:
    row = summary.row
    grid = _grid()
    days = row.days_to_renewal(today)
    renewal = "-" if row.renewal_date is None else f"{row.renewal_date} (in {format_days(days)})"
    for label, value in (
        ("Segment", row.segment.label),
        ("Priority", row.priority.label),
        ("ARR", format_arr(row.arr_cents)),
        ("Owner", row.owner_name or "-"),
        ("AE", summary.ae or "-"),
        ("Stage", row.lifecycle_stage.label if row.lifecycle_stage else "-"),
        ("Contract start", str(summary.contract_start or "-")),
        ("Go-live", str(summary.go_live_date or "-")),
        ("Renewal", renewal),
        ("Last touch", str(row.last_touch or "never")),
    ):
        grid.add_row(label, value)
    return grid


def _health(summary: AccountSummary) -> Table:
    grid = _grid()
    grid.add_row("Health", band_label(summary.row.health_score))
    for name, value in summary.components.items():
        weight = getattr(DEFAULT_WEIGHTS, name)
        grid.add_row(f"  {name.capitalize()} ({weight}%)", health_cell(value))
    risks = ", ".join(risk.label for risk in summary.risks) or "none"
    grid.add_row("Risks", Text(risks, style="bold red" if summary.risks else "dim"))
    if summary.health_history:
        first = summary.health_history[0][1]
        last = summary.health_history[-1][1]
        grid.add_row("90-day trend", f"{first} → {last} ({last - first:+d})")
    return grid


def _contacts(summary: AccountSummary) -> Text:
    text = Text("Contacts\n", style="bold")
    if not summary.contacts:
        text.append("No contacts yet: csm import contacts FILE.csv", style="dim")
    for contact in summary.contacts:
        details = " · ".join(
            part for part in (contact.title, contact.persona.label if contact.persona else None) if part
        )
        text.append(contact.name, style="bold")
        text.append(f"  {details}", style="dim")
        if contact.is_primary:
            text.append("  primary", style="bold cyan")
        text.append("\n")
    return text


def _touches(summary: AccountSummary) -> Text:
    text = Text("Recent touches\n", style="bold")
    if not summary.recent_touches:
        text.append("No touch logged yet.", style="dim")
    for touch in summary.recent_touches:
        text.append(f"{touch.occurred_on}  {touch.kind.label:<18}", style="")
        text.append(f"{touch.summary}\n", style="dim")
    return text


def _escalations(summary: AccountSummary) -> Text:
    text = Text("Open escalations\n", style="bold")
    if not summary.open_escalations:
        text.append("None open.", style="dim")
    for escalation in summary.open_escalations:
        text.append(f"L{escalation.level} ", style="bold red")
        text.append(f"{escalation.risk_category.label}: {escalation.reason}")
        text.append(f"  (opened {escalation.opened_on})\n", style="dim")
    return text
