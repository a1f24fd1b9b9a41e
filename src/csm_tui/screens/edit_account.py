"""Edit an account: segment, priority, ARR, renewal, stage, health components, risk flags.

The score is never typed: it is derived from the four components with the weights of the
rules file, and previewed as they are typed. Nothing is saved until every field is valid.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, Input, Label, Select, Static

from csm_tui.domain.account import COMPONENTS, Components
from csm_tui.domain.account_form import AccountForm, form_of
from csm_tui.domain.enums import LifecycleStage, Priority, RiskCategory, Segment
from csm_tui.domain.fields import parse_score
from csm_tui.screens.form import FormModal
from csm_tui.services.account import AccountView, Saved
from csm_tui.widgets.forms import SteadyInput, field_error
from csm_tui.widgets.health import health_content


class EditAccountModal(FormModal[Saved]):
    """Returns the `Saved` account (with its new schedule), or None when cancelled."""

    def __init__(
        self, view: AccountView, *, save: Callable[[AccountForm, AccountForm], Saved]
    ) -> None:
        """`save(typed, opened)`: the form as typed, and as it opened (only what changed is
        written)."""
        super().__init__()
        self.view = view
        self.opened = form_of(view.detail.profile, view.detail.health)
        self._save = save

    def compose(self) -> ComposeResult:
        p, opened = self.view.detail.profile, self.opened
        weights = self.view.weights
        with VerticalScroll(id="edit-account", classes="dialog"):
            yield Static(f"Edit · {p.name}", classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("Segment")
                    yield Select(
                        [(s.label, s.value) for s in Segment],
                        value=opened.segment,
                        allow_blank=False,
                        compact=True,
                        id="segment",
                    )
                    yield field_error("segment")
                with Vertical(classes="field"):
                    yield Label("Priority")
                    yield Select(
                        [(s.label, s.value) for s in Priority],
                        value=opened.priority,
                        allow_blank=False,
                        compact=True,
                        id="priority",
                    )
                    yield field_error("priority")
                with Vertical(classes="field"):
                    yield Label("Lifecycle stage")
                    stage = opened.lifecycle_stage or Select.NULL
                    yield Select(
                        [(s.label, s.value) for s in LifecycleStage],
                        value=stage,
                        prompt="-",
                        compact=True,
                        id="lifecycle_stage",
                    )
                    yield field_error("lifecycle_stage")
            with Horizontal(classes="dialog-row"):
                with Vertical(classes="field"):
                    yield Label("ARR")
                    yield SteadyInput(
                        opened.arr,
                        compact=True,
                        id="arr",
                        placeholder="120000 or 120,000.50",
                    )
                    yield field_error("arr")
                with Vertical(classes="field"):
                    yield Label("Renewal date")
                    yield SteadyInput(
                        opened.renewal_date,
                        compact=True,
                        id="renewal_date",
                        placeholder="YYYY-MM-DD",
                    )
                    yield field_error("renewal_date")
            yield Static(
                f"Health components, 0-100 (weights {weights.engagement}/"
                f"{weights.success}/{weights.satisfaction}/{weights.financial} from "
                "the rules file)",
                classes="dialog-hint",
            )
            with Horizontal(classes="dialog-row"):
                for name in COMPONENTS:
                    with Vertical(classes="field"):
                        yield Label(name.capitalize())
                        yield SteadyInput(
                            getattr(opened, name),
                            compact=True,
                            id=name,
                            classes="component",
                        )
                        yield field_error(name)
                with Vertical(classes="field"):
                    yield Label("Score")
                    yield Static(id="score-preview")
            yield Label("Risk flags")
            with Grid(id="risk-flags"):
                for category in RiskCategory:
                    yield Checkbox(
                        category.label,
                        category.value in opened.risks,
                        compact=True,
                        id=f"risk-{category.value}",
                    )
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#arr", Input).focus()
        self._preview()

    @on(Input.Changed, ".component")
    def _preview(self) -> None:
        """The score and band the typed components give, as they are typed."""
        values: list[int | None] = []
        for name in COMPONENTS:
            try:
                values.append(parse_score(self.query_one(f"#{name}", Input).value.strip()))
            except ValueError:
                values.append(None)
        score = Components(*values).score(self.view.weights)
        preview = self.query_one("#score-preview", Static)
        if score is None:
            preview.update(Text("needs all four", style="dim"))
            return
        preview.update(health_content(score, self.view.bands))

    def collect(self) -> Callable[[], Saved] | None:
        text, choice = self.text, self.choice
        form = AccountForm(
            segment=choice("segment"),
            priority=choice("priority"),
            arr=text("arr"),
            renewal_date=text("renewal_date"),
            lifecycle_stage=choice("lifecycle_stage"),
            **{name: text(name) for name in COMPONENTS},
            risks=frozenset(
                category.value
                for category in RiskCategory
                if self.query_one(f"#risk-{category.value}", Checkbox).value
            ),
        )
        opened = self.opened
        return lambda: self._save(form, opened)
