"""The account and contact forms as typed, and the rules that turn them into changes.

Every field is checked and every problem is reported at once, by field name, in words that
say what to type instead; nothing is saved until the whole form is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any, TypeVar

from csm_tui.domain.account import COMPONENTS, Components, ContactLine, Health, Profile
from csm_tui.domain.enums import Choice, LifecycleStage, Persona, Priority, RiskCategory, Segment
from csm_tui.domain.fields import (
    amount_text,
    parse_amount_cents,
    parse_date,
    parse_email,
    parse_score,
)

T = TypeVar("T")
C = TypeVar("C", bound=Choice)

_PHONE = re.compile(r"[+()\d][\d\s().+\-/]*(\s*(x|ext\.?)\s*\d+)?", re.IGNORECASE)


class InvalidFields(ValueError):
    """What is wrong with a form, by field name."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(f"{name.replace('_', ' ')}: {why}" for name, why in errors.items())
        )


@dataclass
class _Checker:
    errors: dict[str, str] = field(default_factory=dict)

    def parse(
        self, name: str, text: str, parser: Callable[[str], T], *, required: str | None = None
    ) -> T | None:
        """The parsed value; None when blank (an error if `required` says why it may not be)."""
        text = text.strip()
        if not text:
            if required:
                self.errors[name] = required
            return None
        try:
            return parser(text)
        except ValueError as error:
            self.errors[name] = f"{text!r} is not valid: write {error}"
            return None

    def choice(self, name: str, text: str, choice: type[C], *, required: bool = False) -> C | None:
        def parse(value: str) -> C:
            try:
                return choice.parse(value)
            except ValueError:
                raise ValueError(f"one of {choice.expected()}") from None

        return self.parse(
            name, text, parse, required=f"choose one of {choice.expected()}" if required else None
        )

    def done(self) -> None:
        if self.errors:
            raise InvalidFields(self.errors)


@dataclass(frozen=True, slots=True)
class AccountForm:
    """The account edit form, field by field as typed ('' for blank)."""

    segment: str
    priority: str
    arr: str
    renewal_date: str = ""
    lifecycle_stage: str = ""
    engagement: str = ""
    success: str = ""
    satisfaction: str = ""
    financial: str = ""
    risks: frozenset[str] = frozenset()


#: The fields a save merges one by one (`merged`); the health components go as one.
_PLAIN_FIELDS = ("segment", "priority", "arr", "renewal_date", "lifecycle_stage")


def form_of(profile: Profile, health: Health) -> AccountForm:
    """The form as the account stands: what the edit form opens with."""
    return AccountForm(
        segment=profile.segment.value,
        priority=profile.priority.value,
        arr=amount_text(profile.arr_cents),
        renewal_date=str(profile.renewal_date or ""),
        lifecycle_stage=profile.lifecycle_stage.value if profile.lifecycle_stage else "",
        **{name: "" if value is None else str(value) for name, value in health.components.items()},
        risks=frozenset(risk.value for risk in health.risks),
    )


def merged(typed: AccountForm, opened: AccountForm, current: AccountForm) -> AccountForm:
    """What a save writes: the fields the user changed (`typed` against the form as `opened`),
    over the account as it stands now (`current`). A field left alone is never written back as
    it was seen: a teammate's edit that arrived meanwhile (a sync, a laptop's change run on the
    team's server) stays. The four health components go together (they make one score);
    risk flags one by one."""

    chosen = _changed_over(typed, opened, current, _PLAIN_FIELDS)
    health_changed = any(
        getattr(typed, name).strip() != getattr(opened, name).strip() for name in COMPONENTS
    )
    source = typed if health_changed else current
    chosen |= {name: getattr(source, name) for name in COMPONENTS}
    cleared, raised = opened.risks - typed.risks, typed.risks - opened.risks
    return AccountForm(**chosen, risks=(current.risks - cleared) | raised)


@dataclass(frozen=True, slots=True)
class AccountChanges:
    segment: Segment
    priority: Priority
    arr_cents: int
    renewal_date: date | None
    lifecycle_stage: LifecycleStage | None
    components: Components | None  # None: the form left them all blank (the score stays)
    risks: frozenset[RiskCategory]


def parse_account_form(form: AccountForm, *, contract_start: date | None) -> AccountChanges:
    check = _Checker()
    segment = check.choice("segment", form.segment, Segment, required=True)
    priority = check.choice("priority", form.priority, Priority, required=True)
    arr = check.parse(
        "arr", form.arr, parse_amount_cents, required="the ARR is required (0 if there is none)"
    )
    renewal = check.parse("renewal_date", form.renewal_date, parse_date)
    if renewal is not None and contract_start is not None and renewal <= contract_start:
        check.errors["renewal_date"] = (
            f"{renewal} is not after the contract start "
            f"({contract_start}): the renewal comes after it"
        )
    stage = check.choice("lifecycle_stage", form.lifecycle_stage, LifecycleStage)
    typed = {name: getattr(form, name).strip() for name in COMPONENTS}
    values = {name: check.parse(name, text, parse_score) for name, text in typed.items()}
    blank = [name for name, text in typed.items() if not text]
    if blank and len(blank) < len(COMPONENTS):
        for name in blank:
            check.errors[name] = "fill in all four health components, or none of them"
    risks: set[RiskCategory] = set()
    unknown: list[str] = []
    for text in sorted(form.risks):
        try:
            risks.add(RiskCategory.parse(text))
        except ValueError:
            unknown.append(repr(text.strip()))
    if unknown:
        check.errors["risks"] = (
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} "
            f"not valid: write one of {RiskCategory.expected()}"
        )
    check.done()
    assert segment is not None and priority is not None and arr is not None
    return AccountChanges(
        segment=segment,
        priority=priority,
        arr_cents=arr,
        renewal_date=renewal,
        lifecycle_stage=stage,
        components=None if blank else Components(**values),
        risks=frozenset(risks),
    )


@dataclass(frozen=True, slots=True)
class ContactForm:
    """The contact form, field by field as typed ('' for blank)."""

    name: str
    title: str = ""
    email: str = ""
    phone: str = ""
    persona: str = ""
    influence: str = ""
    reports_to_id: str = ""
    is_primary: bool = False


def contact_form_of(contact: ContactLine) -> ContactForm:
    """The form as the contact stands: what the edit form opens with."""
    return ContactForm(
        name=contact.name,
        title=contact.title or "",
        email=contact.email or "",
        phone=contact.phone or "",
        persona=contact.persona.value if contact.persona else "",
        influence=str(contact.influence) if contact.influence else "",
        reports_to_id=contact.reports_to_id or "",
        is_primary=contact.is_primary,
    )


def merged_contact(typed: ContactForm, opened: ContactForm, current: ContactForm) -> ContactForm:
    """What a save of a contact writes: the fields the user changed, over the contact as it
    stands now (see `merged`)."""
    names = tuple(field.name for field in fields(ContactForm))
    return ContactForm(**_changed_over(typed, opened, current, names))


def _changed_over(typed: Any, opened: Any, current: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Field by field: as typed where the user changed it, else as it stands now."""

    def pick(name: str) -> Any:
        mine, was = getattr(typed, name), getattr(opened, name)
        if isinstance(mine, str):
            mine, was = mine.strip(), was.strip()
        return getattr(typed, name) if mine != was else getattr(current, name)

    return {name: pick(name) for name in names}


@dataclass(frozen=True, slots=True)
class ContactChanges:
    name: str
    title: str | None
    email: str | None
    phone: str | None
    persona: Persona | None
    influence: int | None
    reports_to_id: str | None
    is_primary: bool


def _influence(text: str) -> int:
    if text in {"1", "2", "3", "4", "5"}:
        return int(text)
    raise ValueError("a whole number from 1 (low) to 5 (decides)")


def _phone(text: str) -> str:
    if _PHONE.fullmatch(text) and sum(c.isdigit() for c in text) >= 5:
        return text
    raise ValueError("a phone number like +1 415 555 0100 (digits, spaces, + ( ) - and ext)")


def parse_contact_form(form: ContactForm) -> ContactChanges:
    check = _Checker()
    name = check.parse("name", form.name, str, required="a contact needs a name")
    email = check.parse("email", form.email, parse_email)
    phone = check.parse("phone", form.phone, _phone)
    persona = check.choice("persona", form.persona, Persona)
    influence = check.parse("influence", form.influence, _influence)
    check.done()
    assert name is not None
    return ContactChanges(
        name=name,
        title=form.title.strip() or None,
        email=email,
        phone=phone,
        persona=persona,
        influence=influence,
        reports_to_id=form.reports_to_id.strip() or None,
        is_primary=form.is_primary,
    )
