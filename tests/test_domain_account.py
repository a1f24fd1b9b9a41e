"""The pure parts of the account screen: the edit forms (csm_tui.domain.account_form), the
lines the overview derives from an account (csm_tui.domain.account), the org chart
(csm_tui.domain.org_chart) and the field parsers they share (csm_tui.domain.fields)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csm_tui.domain.account import (
    AccountDetail,
    Components,
    ContactLine,
    EscalationLine,
    Health,
    Profile,
    ScoreChange,
    TimelineFilter,
    TouchLine,
    escalation_line,
    plan_progress,
    plan_risk,
)
from csm_tui.domain.account_form import (
    AccountChanges,
    AccountForm,
    ContactForm,
    InvalidFields,
    merged,
    parse_account_form,
    parse_contact_form,
)
from csm_tui.domain.calendar import Duration
from csm_tui.domain.enums import (
    EscalationStatus,
    LifecycleStage,
    MilestoneStatus,
    Persona,
    Priority,
    RiskCategory,
    Segment,
    Sentiment,
    TouchKind,
)
from csm_tui.domain.fields import MAX_ARR_CENTS, amount_text, parse_amount_cents, parse_date
from csm_tui.domain.health import DEFAULT_BANDS, DEFAULT_WEIGHTS
from csm_tui.domain.org_chart import OrgNode, org_chart, would_loop
from csm_tui.domain.success_plan import MilestoneLine, ObjectiveLine, PlanLine, PlanStatus
from tests.conftest import TODAY

CONTRACT_START = date(2026, 9, 1)
FILL_ALL = "fill in all four health components, or none of them"


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


# --- the account form --------------------------------------------------------------------------


def account_form(**changes: Any) -> AccountForm:
    """A valid, complete edit form, with any field changed."""
    return replace(
        AccountForm(
            segment="Enterprise",
            priority="PR1",
            arr="120,000.50",
            renewal_date="2027-09-01",
            lifecycle_stage="Optimize Renew",
            engagement="37",
            success="52",
            satisfaction="27",
            financial="43",
            risks=frozenset({"Renewal", "company"}),
        ),
        **changes,
    )


def errors_of(form: AccountForm, contract_start: date | None = CONTRACT_START) -> dict[str, str]:
    with pytest.raises(InvalidFields) as invalid:
        parse_account_form(form, contract_start=contract_start)
    return invalid.value.errors


def test_a_valid_account_form_gives_typed_changes() -> None:
    changes = parse_account_form(account_form(), contract_start=CONTRACT_START)
    assert changes == AccountChanges(
        segment=Segment.ENTERPRISE,
        priority=Priority.PR1,
        arr_cents=12_000_050,
        renewal_date=date(2027, 9, 1),
        lifecycle_stage=LifecycleStage.OPTIMIZE_RENEW,
        components=Components(engagement=37, success=52, satisfaction=27, financial=43),
        risks=frozenset({RiskCategory.RENEWAL, RiskCategory.COMPANY}),
    )


def test_blank_optional_fields_become_none_and_blank_components_leave_the_score_alone() -> None:
    changes = parse_account_form(
        account_form(
            renewal_date="  ",
            lifecycle_stage="",
            engagement="",
            success=" ",
            satisfaction="",
            financial="",
            risks=frozenset(),
        ),
        contract_start=CONTRACT_START,
    )
    assert (changes.renewal_date, changes.lifecycle_stage, changes.components, changes.risks) == (
        None,
        None,
        None,
        frozenset(),
    )


def test_values_are_read_with_the_spaces_around_them_stripped() -> None:
    changes = parse_account_form(
        account_form(arr=" 1000 ", engagement=" 90 "), contract_start=CONTRACT_START
    )
    assert changes.arr_cents == 100_000 and changes.components is not None
    assert changes.components.engagement == 90


def test_a_renewal_without_a_contract_start_is_not_compared_with_anything() -> None:
    changes = parse_account_form(account_form(renewal_date="2020-01-01"), contract_start=None)
    assert changes.renewal_date == date(2020, 1, 1)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"arr": "12x"},
            "arr",
            "'12x' is not valid: write an amount like 120000, 120000.50 or 120,000",
        ),
        ({"arr": "-5"}, "arr", "'-5' is not valid: write an amount that is not negative"),
        ({"arr": "  "}, "arr", "the ARR is required (0 if there is none)"),
        (
            {"arr": "12,34"},
            "arr",
            "'12,34' is not valid: write an amount like 120000, 120000.50 or 120,000",
        ),
        (
            {"renewal_date": "2027-13-01"},
            "renewal_date",
            "'2027-13-01' is not valid: write a date as YYYY-MM-DD, like 2026-11-23",
        ),
        (
            {"renewal_date": "01/09/2027"},
            "renewal_date",
            "'01/09/2027' is not valid: write a date as YYYY-MM-DD, like 2026-11-23",
        ),
        (
            {"renewal_date": "2026-09-01"},
            "renewal_date",
            "2026-09-01 is not after the contract start (2026-09-01): the renewal comes after it",
        ),
        (
            {"renewal_date": "2026-03-01"},
            "renewal_date",
            "2026-03-01 is not after the contract start (2026-09-01): the renewal comes after it",
        ),
        (
            {"engagement": "101"},
            "engagement",
            "'101' is not valid: write a whole number from 0 to 100",
        ),
        (
            {"financial": "abc"},
            "financial",
            "'abc' is not valid: write a whole number from 0 to 100",
        ),
        ({"success": "-1"}, "success", "'-1' is not valid: write a whole number from 0 to 100"),
        (
            {"segment": "galactic"},
            "segment",
            "'galactic' is not valid: write one of enterprise, commercial, mid-market, smb, scale",
        ),
        (
            {"segment": ""},
            "segment",
            "choose one of enterprise, commercial, mid-market, smb, scale",
        ),
        ({"priority": ""}, "priority", "choose one of pr1, pr2, pr3"),
        (
            {"lifecycle_stage": "retire"},
            "lifecycle_stage",
            "'retire' is not valid: write one of onboard, enable, expand, optimize-renew",
        ),
        (
            {"risks": frozenset({"weather"})},
            "risks",
            "'weather' is not valid: write one of implementation, sentiment, support, product, "
            "company, "
            "renewal",
        ),
    ],
    ids=[
        "arr-not-a-number",
        "arr-negative",
        "arr-blank",
        "arr-bad-grouping",
        "date-no-month-13",
        "date-not-iso",
        "renewal-on-contract-start",
        "renewal-before-contract-start",
        "component-over-100",
        "component-not-a-number",
        "component-negative",
        "unknown-segment",
        "blank-segment",
        "blank-priority",
        "unknown-stage",
        "unknown-risk",
    ],
)
def test_a_bad_field_says_what_to_write_instead(
    changes: dict[str, Any], field: str, message: str
) -> None:
    assert errors_of(account_form(**changes)) == {field: message}


def test_only_some_components_filled_asks_for_every_blank_one() -> None:
    errors = errors_of(account_form(success="", financial=" "))
    assert errors == {"success": FILL_ALL, "financial": FILL_ALL}


def test_every_problem_of_the_form_is_reported_at_once() -> None:
    form = AccountForm(
        segment="Enterprise",
        priority="pr9",
        arr="12x",
        renewal_date="2026-01-01",
        engagement="101",
        success="abc",
        risks=frozenset({"weather"}),
    )
    errors = errors_of(form)
    assert set(errors) == {
        "priority",
        "arr",
        "renewal_date",
        "engagement",
        "success",
        "satisfaction",
        "financial",
        "risks",
    }
    assert errors["satisfaction"] == errors["financial"] == FILL_ALL
    assert "contract start (2026-09-01)" in errors["renewal_date"]


def test_the_error_text_lists_every_field_in_words() -> None:
    with pytest.raises(InvalidFields) as invalid:
        parse_account_form(
            account_form(arr="", renewal_date="2026-01-01"), contract_start=CONTRACT_START
        )
    assert str(invalid.value) == (
        "arr: the ARR is required (0 if there is none); renewal date: 2026-01-01 is not after "
        "the contract start (2026-09-01): the renewal comes after it"
    )
    assert isinstance(invalid.value, ValueError)


def test_two_unknown_risks_are_both_named() -> None:
    errors = errors_of(account_form(risks=frozenset({"weather", "storm"})))
    assert "'weather'" in errors["risks"] and "'storm'" in errors["risks"]


def test_a_save_writes_only_what_the_user_changed_over_the_account_as_it_stands() -> None:
    opened = account_form(risks=frozenset({"renewal"}))
    typed = replace(opened, arr="150,000", risks=frozenset({"renewal", "sentiment"}))
    current = replace(opened, priority="PR3", segment="Commercial")  # a teammate's edit since
    saved = merged(typed, opened, current)
    assert (saved.arr, saved.priority, saved.segment) == ("150,000", "PR3", "Commercial")
    assert saved.risks == {"renewal", "sentiment"}


def test_a_risk_flag_merges_one_by_one_and_the_health_components_as_one() -> None:
    opened = account_form(risks=frozenset({"renewal", "sentiment"}))
    typed = replace(opened, risks=frozenset({"renewal"}), engagement="90")  # one flag cleared
    current = replace(opened, risks=frozenset({"renewal", "sentiment", "product"}), success="10")
    saved = merged(typed, opened, current)
    assert saved.risks == {"renewal", "product"}  # the teammate's new flag stays
    assert (saved.engagement, saved.success) == ("90", "52")  # the four as typed: one score
    untouched = merged(opened, opened, current)
    assert untouched == current


def test_a_field_retyped_with_spaces_around_is_not_a_change() -> None:
    opened = account_form()
    current = replace(opened, arr="99,000")
    assert merged(replace(opened, arr=" 120,000.50 "), opened, current).arr == "99,000"


# --- the health components ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "parts, score",
    [
        ((37, 52, 27, 43), 41),  # 40.7
        ((100, 100, 100, 100), 100),
        ((0, 0, 0, 0), 0),
        ((80, 80, 80, 80), 80),
        ((50, 50, 50, 51), 50),  # 50.2
        ((50, 50, 51, 51), 50),  # 50.4
        ((50, 51, 50, 50), 50),  # 50.3
        ((51, 51, 50, 50), 51),  # 50.6
        ((25, 25, 25, 35), 27),  # 27.0
        ((0, 0, 0, 25), 5),  # 5.0
        ((0, 0, 25, 0), 5),
        ((0, 0, 5, 0), 1),  # 1.0
        ((0, 0, 2, 5), 1),  # 1.4
        ((0, 5, 0, 0), 2),  # 1.5, rounded half up
    ],
)
def test_the_score_is_the_weighted_mean_of_the_components_rounded(
    parts: tuple[int, ...], score: int
) -> None:
    assert Components(*parts).score(DEFAULT_WEIGHTS) == score


@pytest.mark.parametrize("parts", [(37, 52, 27, None), (None, None, None, None), (0, None, 0, 0)])
def test_no_score_until_all_four_components_are_known(parts: tuple[int | None, ...]) -> None:
    components = Components(*parts)
    assert not components.complete
    assert components.score(DEFAULT_WEIGHTS) is None


def test_the_components_are_listed_in_the_order_of_the_screen() -> None:
    assert Components(1, 2, 3, 4).items() == (
        ("engagement", 1),
        ("success", 2),
        ("satisfaction", 3),
        ("financial", 4),
    )


# --- the contact form --------------------------------------------------------------------------


def contact_errors(**fields: Any) -> dict[str, str]:
    with pytest.raises(InvalidFields) as invalid:
        parse_contact_form(ContactForm(**{"name": "Ada Lovelace", **fields}))
    return invalid.value.errors


def test_a_full_contact_form_gives_typed_changes() -> None:
    changes = parse_contact_form(
        ContactForm(
            name="  Ada Lovelace ",
            title=" VP Ops ",
            email="ada@example.com",
            phone="+1 415 555 0100",
            persona="Champion",
            influence="4",
            reports_to_id=" abc ",
            is_primary=True,
        )
    )
    assert (
        changes.name,
        changes.title,
        changes.email,
        changes.phone,
        changes.persona,
        changes.influence,
        changes.reports_to_id,
        changes.is_primary,
    ) == (
        "Ada Lovelace",
        "VP Ops",
        "ada@example.com",
        "+1 415 555 0100",
        Persona.CHAMPION,
        4,
        "abc",
        True,
    )


def test_blank_optional_contact_fields_become_none() -> None:
    changes = parse_contact_form(
        ContactForm(
            name="Ada", title=" ", email="", phone="  ", persona="", influence="", reports_to_id=" "
        )
    )
    assert (
        changes.title,
        changes.email,
        changes.phone,
        changes.persona,
        changes.influence,
        changes.reports_to_id,
        changes.is_primary,
    ) == (None, None, None, None, None, None, False)


def test_a_contact_needs_a_name() -> None:
    assert contact_errors(name="   ") == {"name": "a contact needs a name"}


@pytest.mark.parametrize(
    "email",
    [
        "ada",
        "ada@example",
        "ada@@example.com",
        "ada lovelace@x.com",
        "ada@example.com, bob@example.com",
    ],
)
def test_an_email_must_look_like_one(email: str) -> None:
    assert contact_errors(email=email) == {
        "email": f"{email!r} is not valid: write an e-mail address like ada@example.com"
    }


@pytest.mark.parametrize(
    "phone",
    [
        "+1 415 555 0100",
        "(415) 555-0100 ext 12",
        "415-555-0100 x12",
        "+44 (0)20 7946 0958",
        "0049/30/1234567",
        "(415) 555-0100 EXT. 7",
    ],
)
def test_common_phone_numbers_are_accepted_as_typed(phone: str) -> None:
    assert parse_contact_form(ContactForm(name="Ada", phone=phone)).phone == phone


@pytest.mark.parametrize(
    "phone", ["call me", "123", "12-34", "+1 415 555 0100 or 0101", "ext 12345"]
)
def test_text_that_is_not_a_phone_number_is_refused(phone: str) -> None:
    assert contact_errors(phone=phone) == {
        "phone": f"{phone!r} is not valid: write a phone number like +1 415 555 0100 (digits, "
        "spaces, + ( ) - and ext)"
    }


@pytest.mark.parametrize("influence", ["1", "3", "5", " 5 "])
def test_influence_is_a_whole_number_from_one_to_five(influence: str) -> None:
    changes = parse_contact_form(ContactForm(name="Ada", influence=influence))
    assert changes.influence == int(influence)


@pytest.mark.parametrize("influence", ["0", "6", "3.0", "high", "-1", "05"])
def test_influence_outside_one_to_five_is_refused(influence: str) -> None:
    assert contact_errors(influence=influence) == {
        "influence": f"{influence!r} is not valid: write a whole number from 1 (low) to 5 (decides)"
    }


@pytest.mark.parametrize(
    "typed, persona",
    [
        ("Champion", Persona.CHAMPION),
        ("economic buyer", Persona.ECONOMIC_BUYER),
        ("Executive-Sponsor", Persona.EXECUTIVE_SPONSOR),
        ("technical_lead", Persona.TECHNICAL_LEAD),
        ("END USER", Persona.END_USER),
    ],
)
def test_a_persona_is_read_as_people_type_it(typed: str, persona: Persona) -> None:
    assert parse_contact_form(ContactForm(name="Ada", persona=typed)).persona is persona


def test_every_problem_of_the_contact_form_is_reported_at_once() -> None:
    errors = contact_errors(name="", email="nope", phone="call me", persona="boss", influence="9")
    assert set(errors) == {"name", "email", "phone", "persona", "influence"}
    assert errors["persona"] == (
        "'boss' is not valid: write one of economic-buyer, "
        "executive-sponsor, champion, technical-lead, end-user"
    )


# --- key contacts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"is_primary": True},
        {"persona": Persona.CHAMPION},
        {"persona": Persona.ECONOMIC_BUYER},
        {"persona": Persona.EXECUTIVE_SPONSOR},
        {"persona": Persona.END_USER, "influence": 5},
    ],
    ids=["primary", "champion", "economic-buyer", "executive-sponsor", "influence-5"],
)
def test_a_decision_maker_or_champion_is_a_key_contact(changes: dict[str, Any]) -> None:
    assert ContactLine(id="c1", name="Ada", **changes).is_key


@pytest.mark.parametrize(
    "changes",
    [
        {"persona": Persona.END_USER, "influence": 3},
        {"persona": Persona.TECHNICAL_LEAD, "influence": 4},
        {},
    ],
    ids=["end-user-3", "technical-lead-4", "nothing-known"],
)
def test_other_contacts_are_not_key(changes: dict[str, Any]) -> None:
    assert not ContactLine(id="c1", name="Ada", **changes).is_key


# --- the last health change --------------------------------------------------------------------


def health(score: int | None, *points: tuple[int, int]) -> Health:
    """Health with a history of (days from today, score) points, oldest first."""
    return Health(
        score=score,
        components=Components(),
        history=tuple((day(offset), value) for offset, value in points),
        risks=frozenset(),
    )


def test_no_history_means_no_change_to_show() -> None:
    assert health(70).last_change(TODAY) is None
    assert health(None).last_change(TODAY) is None


def test_a_flat_history_means_no_change_to_show() -> None:
    assert health(70, (-30, 70), (-20, 70), (-10, 70)).last_change(TODAY) is None
    assert health(70, (-5, 70)).last_change(TODAY) is None


def test_the_last_move_is_found_with_its_day() -> None:
    change = health(55, (-30, 80), (-20, 72), (-10, 55), (-3, 55)).last_change(TODAY)
    assert change == ScoreChange(day(-10), 72, 55)


def test_a_current_score_that_differs_from_the_last_snapshot_counts_as_a_change_today() -> None:
    assert health(40, (-20, 72), (-10, 55)).last_change(TODAY) == ScoreChange(TODAY, 55, 40)


def test_an_unknown_current_score_falls_back_to_the_history() -> None:
    assert health(None, (-20, 72), (-10, 55)).last_change(TODAY) == ScoreChange(day(-10), 72, 55)


def test_a_change_names_the_bands_only_when_the_band_changed() -> None:
    assert ScoreChange(date(2026, 11, 20), 72, 55).words(DEFAULT_BANDS) == (
        "2026-11-20: 72 → 55 (yellow → red)"
    )
    assert ScoreChange(date(2026, 11, 20), 79, 80).words(DEFAULT_BANDS) == (
        "2026-11-20: 79 → 80 (yellow → green)"
    )
    assert ScoreChange(date(2026, 11, 20), 90, 82).words(DEFAULT_BANDS) == "2026-11-20: 90 → 82"


# --- the org chart -----------------------------------------------------------------------------


def person(
    key: str, boss: str | None = None, *, name: str | None = None, left: bool = False
) -> ContactLine:
    return ContactLine(id=key, name=name or key.capitalize(), reports_to_id=boss, left_company=left)


def walk(nodes: tuple[OrgNode, ...]) -> Iterator[str]:
    for node in nodes:
        yield node.contact.id
        yield from walk(node.reports)


def shape(nodes: tuple[OrgNode, ...]) -> list[Any]:
    """The tree as nested (id, [reports]) pairs, easy to compare."""
    return [(node.contact.id, shape(node.reports)) for node in nodes]


def assert_everyone_once(tree: tuple[OrgNode, ...], contacts: list[ContactLine]) -> None:
    seen = list(walk(tree))
    assert sorted(seen) == sorted(contact.id for contact in contacts)
    assert sum(node.size() for node in tree) == len(contacts)


def test_a_normal_tree_nests_reports_under_their_manager_sorted_by_name() -> None:
    contacts = [
        person("zed"),
        person("cat", "zed"),
        person("bob", "zed"),
        person("ann"),
        person("dan", "bob"),
    ]
    tree = org_chart(contacts)
    assert shape(tree) == [("ann", []), ("zed", [("bob", [("dan", [])]), ("cat", [])])]
    assert_everyone_once(tree, contacts)


def test_names_sort_without_regard_to_case() -> None:
    tree = org_chart([person("b", name="bob"), person("a", name="Ann"), person("c", name="Cat")])
    assert [node.contact.name for node in tree] == ["Ann", "bob", "Cat"]


def test_a_manager_not_on_record_makes_a_root() -> None:
    contacts = [person("ann", "someone-else"), person("bob", "ann")]
    assert shape(org_chart(contacts)) == [("ann", [("bob", [])])]


def test_someone_reporting_to_themselves_is_a_root() -> None:
    contacts = [person("ann", "ann"), person("bob", "ann")]
    assert shape(org_chart(contacts)) == [("ann", [("bob", [])])]


def test_a_two_person_loop_shows_each_person_once_broken_at_the_first_name() -> None:
    contacts = [person("bob", "ann"), person("ann", "bob"), person("cat")]
    tree = org_chart(contacts)
    assert shape(tree) == [("cat", []), ("ann", [("bob", [])])]
    assert_everyone_once(tree, contacts)


def test_a_three_person_loop_shows_each_person_once() -> None:
    # ann reports to bob, bob to cat, cat to ann
    contacts = [
        person("cat", "ann"),
        person("bob", "cat"),
        person("ann", "bob"),
        person("dan", "cat"),
    ]
    tree = org_chart(contacts)
    assert_everyone_once(tree, contacts)
    assert [node.contact.id for node in tree] == ["ann"]  # the loop's first name is its root
    assert shape(tree) == [("ann", [("cat", [("bob", []), ("dan", [])])])]


def test_someone_reporting_into_a_loop_sits_under_their_manager() -> None:
    contacts = [person("ann", "bob"), person("bob", "cat"), person("cat", "bob")]
    tree = org_chart(contacts)
    assert_everyone_once(tree, contacts)  # this part holds
    assert shape(tree) == [("bob", [("ann", []), ("cat", [])])]


def test_someone_reporting_into_a_loop_still_appears_exactly_once() -> None:
    contacts = [
        person("ann", "bob"),
        person("bob", "cat"),
        person("cat", "bob"),
        person("dan", "ann"),
    ]
    assert_everyone_once(org_chart(contacts), contacts)


def test_people_who_left_sort_after_those_who_did_not() -> None:
    contacts = [
        person("ann", left=True),
        person("bob"),
        person("zed"),
        person("amy", "zed", left=True),
        person("yan", "zed"),
    ]
    tree = org_chart(contacts)
    assert shape(tree) == [("bob", []), ("zed", [("yan", []), ("amy", [])]), ("ann", [])]


def test_an_empty_list_gives_an_empty_chart() -> None:
    assert org_chart([]) == ()


def test_a_new_contact_never_closes_a_loop() -> None:
    assert not would_loop({"a": "b", "b": "a"}, None, "a")


def test_reporting_to_your_own_report_closes_a_loop() -> None:
    managers = {"a": None, "b": "a", "c": "b"}
    assert would_loop(managers, "a", "b")
    assert would_loop(managers, "a", "c")  # two levels down
    assert would_loop(managers, "a", "a")  # yourself


def test_reporting_into_an_unrelated_chain_does_not_close_a_loop() -> None:
    managers = {"a": None, "b": "a", "c": "b", "x": None, "y": "x"}
    assert not would_loop(managers, "y", "c")
    assert not would_loop(managers, "a", "y")
    assert not would_loop(managers, "b", "unknown")


def test_a_loop_already_elsewhere_does_not_hang_the_check() -> None:
    managers = {"a": None, "x": "y", "y": "z", "z": "x"}
    assert not would_loop(managers, "a", "x")


# --- timeline, success plan and escalation lines -----------------------------------------------


def touch(
    kind: TouchKind = TouchKind.CADENCE_CALL, sentiment: Sentiment | None = Sentiment.POSITIVE
) -> TouchLine:
    return TouchLine(id="t1", occurred_on=TODAY, kind=kind, summary="call", sentiment=sentiment)


@pytest.mark.parametrize(
    "chosen, shown, expected",
    [
        (TimelineFilter(), touch(), True),
        (TimelineFilter(), touch(sentiment=None), True),
        (TimelineFilter(kind=TouchKind.EBR), touch(), False),
        (TimelineFilter(kind=TouchKind.EBR), touch(TouchKind.EBR), True),
        (TimelineFilter(sentiment=Sentiment.NEGATIVE), touch(), False),
        (TimelineFilter(sentiment=Sentiment.NEGATIVE), touch(sentiment=None), False),
        (
            TimelineFilter(TouchKind.EBR, Sentiment.NEGATIVE),
            touch(TouchKind.EBR, Sentiment.NEGATIVE),
            True,
        ),
        (
            TimelineFilter(TouchKind.EBR, Sentiment.NEGATIVE),
            touch(TouchKind.EBR, Sentiment.POSITIVE),
            False,
        ),
    ],
    ids=[
        "no-filter",
        "no-filter-no-sentiment",
        "other-kind",
        "same-kind",
        "other-sentiment",
        "no-sentiment",
        "both-match",
        "kind-only-matches",
    ],
)
def test_the_timeline_filter_lets_through_what_matches_both(
    chosen: TimelineFilter, shown: TouchLine, expected: bool
) -> None:
    assert chosen.matches(shown) is expected


def milestone(
    title: str, due: int | None, status: MilestoneStatus = MilestoneStatus.PLANNED
) -> MilestoneLine:
    return MilestoneLine(
        uuid.uuid4(), uuid.uuid4(), title, None if due is None else day(due), "Maya", status
    )


def plan(
    title: str,
    *milestones: MilestoneLine,
    status: PlanStatus = PlanStatus.ACTIVE,
    reviewed: int | None = -3,
) -> PlanLine:
    objective = ObjectiveLine(
        uuid.uuid4(), "Adoption", "WAU", "100", "400", "250", milestones=milestones
    )
    return PlanLine(
        uuid.uuid4(),
        uuid.uuid4(),
        title,
        status,
        reviewed_on=None if reviewed is None else day(reviewed),
        objectives=(objective,),
        created_on=day(-90),
    )


def test_no_plan_says_so() -> None:
    assert plan_progress((), TODAY) == "no success plan yet"


def test_a_plan_without_milestones_says_so() -> None:
    assert plan_progress((plan("FY27 plan"),), TODAY) == "FY27 plan: no milestones yet"
    bare = PlanLine(uuid.uuid4(), uuid.uuid4(), "Bare plan")
    assert plan_progress((bare,), TODAY) == "Bare plan: no milestones yet"


def test_a_plan_counts_its_milestones_and_names_the_late_next_one() -> None:
    line = plan_progress(
        (
            plan(
                "FY27 plan",
                milestone("Kick-off", -60, MilestoneStatus.DONE),
                milestone("SSO live", -5, MilestoneStatus.SLIPPED),
                milestone("Data import", 10, MilestoneStatus.BLOCKED),
                milestone("Training", None),
            ),
        ),
        TODAY,
    )
    assert line == (
        "FY27 plan: 1 of 4 milestones done, 1 slipped, 1 blocked"
        " · next: SSO live 2026-11-18 (5d late)"
    )


def test_a_plan_names_the_upcoming_next_milestone() -> None:
    line = plan_progress(
        (
            plan(
                "FY27 plan",
                milestone("Go live", 14),
                milestone("Kick-off", 7, MilestoneStatus.IN_PROGRESS),
                milestone("Pilot", -1, MilestoneStatus.DONE),
            ),
        ),
        TODAY,
    )
    assert line == "FY27 plan: 1 of 3 milestones done · next: Kick-off 2026-11-30 (in 7d)"


def test_a_milestone_due_today_is_next_today() -> None:
    line = plan_progress((plan("FY27 plan", milestone("Go live", 0)),), TODAY)
    assert line == "FY27 plan: 0 of 1 milestones done · next: Go live 2026-11-23 (today)"


def test_a_plan_with_every_milestone_done_has_no_next() -> None:
    line = plan_progress(
        (
            plan(
                "FY27 plan",
                milestone("A", -9, MilestoneStatus.DONE),
                milestone("B", 9, MilestoneStatus.DONE),
            ),
        ),
        TODAY,
    )
    assert line == "FY27 plan: 2 of 2 milestones done"


def test_active_plans_hide_the_finished_ones() -> None:
    old = plan("FY26 plan", milestone("Old", -300, MilestoneStatus.SLIPPED), status=PlanStatus.DONE)
    new = plan("FY27 plan", milestone("New", 3))
    assert plan_progress((old, new), TODAY) == (
        "FY27 plan: 0 of 1 milestones done · next: New 2026-11-26 (in 3d)"
    )
    assert plan_progress((old,), TODAY) == (  # with no active plan, the others are shown
        "FY26 plan: 0 of 1 milestones done, 1 slipped · next: Old 2026-01-27 (300d late)"
    )


def test_two_active_plans_are_counted_together() -> None:
    line = plan_progress(
        (plan("A", milestone("One", 2, MilestoneStatus.DONE)), plan("B", milestone("Two", 4))),
        TODAY,
    )
    assert line == "2 plans: 1 of 2 milestones done · next: Two 2026-11-27 (in 4d)"


def test_a_milestone_past_its_due_date_counts_as_slipped_without_being_marked() -> None:
    line = plan_progress((plan("FY27 plan", milestone("SSO live", -2)),), TODAY)
    assert (
        line == "FY27 plan: 0 of 1 milestones done, 1 slipped · next: SSO live 2026-11-21 (2d late)"
    )


def test_the_success_risk_flag_says_what_raises_it_and_is_down_when_on_track() -> None:
    every = Duration.parse("1mo")
    on_track = plan("FY27 plan", milestone("Go live", 14))
    assert plan_risk((on_track,), TODAY, every) is None
    late = plan("FY27 plan", milestone("SSO live", -2), reviewed=-40)
    assert plan_risk((late,), TODAY, every) == (
        "1 milestone slipped: SSO live; not reviewed since 2026-10-14 (every 1mo)"
    )
    draft = plan("Next plan", milestone("SSO live", -2), status=PlanStatus.DRAFT)
    assert plan_risk((draft,), TODAY, every) is None, "a draft is not agreed yet"
    assert plan_risk((on_track, late), TODAY, every) == (
        "FY27 plan: 1 milestone slipped: SSO live; FY27 plan: not reviewed since 2026-10-14 "
        "(every 1mo)"
    )


def escalation(sla: int | None, level: int = 2) -> EscalationLine:
    return EscalationLine(
        id="e1",
        level=level,
        status=EscalationStatus.OPEN,
        reason="Sponsor left",
        risk_category=RiskCategory.COMPANY,
        opened_on=day(-10),
        sla_due_on=None if sla is None else day(sla),
    )


@pytest.mark.parametrize(
    "sla, line",
    [
        (-2, "L2 company: Sponsor left · SLA 2026-11-21 (breached 2d ago)"),
        (0, "L2 company: Sponsor left · SLA 2026-11-23 (today)"),
        (3, "L2 company: Sponsor left · SLA 2026-11-26 (in 3d)"),
        (None, "L2 company: Sponsor left"),
    ],
    ids=["breached", "today", "ahead", "no-sla"],
)
def test_the_escalation_line_says_how_its_sla_stands(sla: int | None, line: str) -> None:
    assert escalation_line(escalation(sla), TODAY) == line


def test_no_open_escalation_says_none_open() -> None:
    assert escalation_line(None, TODAY) == "none open"


def test_the_detail_picks_the_open_escalation_and_the_newest_touch() -> None:
    profile = Profile(
        id="a1",
        external_id=None,
        name="Acme",
        segment=Segment.ENTERPRISE,
        priority=Priority.PR2,
        arr_cents=0,
        owner_name=None,
        ae=None,
        lifecycle_stage=None,
        contract_start=None,
        renewal_date=day(10),
        go_live_date=None,
    )
    closed = replace(escalation(None, level=3), id="e0", status=EscalationStatus.CLOSED)
    detail = AccountDetail(
        profile=profile,
        health=health(None),
        touches=(replace(touch(), id="new"), replace(touch(), id="old")),
        escalations=(closed, escalation(1)),
    )
    assert detail.open_escalation is not None and detail.open_escalation.id == "e1"
    assert detail.last_touch is not None and detail.last_touch.id == "new"
    assert profile.days_to_renewal(TODAY) == 10
    empty = AccountDetail(profile=replace(profile, renewal_date=None), health=health(None))
    assert (empty.open_escalation, empty.last_touch, empty.profile.days_to_renewal(TODAY)) == (
        None,
        None,
        None,
    )


# --- the field parsers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["20261123", "2026-02-30", "2026-W48-1", "2026-11-23T10:00", "26-11-23", "2026-1-3", ""]
)
def test_parse_date_only_takes_real_iso_dates(text: str) -> None:
    with pytest.raises(ValueError, match="a date as YYYY-MM-DD, like 2026-11-23"):
        parse_date(text)


def test_parse_date_reads_an_iso_date() -> None:
    assert parse_date("2028-02-29") == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text, cents",
    [
        ("0", 0),
        ("1", 100),
        ("120000", 12_000_000),
        ("120,000", 12_000_000),
        ("120,000.50", 12_000_050),
        ("120000.5", 12_000_050),
        ("0.01", 1),
        ("1,234,567.89", 123_456_789),
    ],
)
def test_parse_amount_cents(text: str, cents: int) -> None:
    assert parse_amount_cents(text) == cents


@pytest.mark.parametrize("text", ["1.234", "1,23", "$100", "1e3", ".5", "1 000", "-0", "1,000,00"])
def test_parse_amount_cents_refuses_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount_cents(text)


def test_parse_amount_cents_refuses_absurd_amounts() -> None:
    with pytest.raises(ValueError, match="below 1,000,000,000,000,000"):
        parse_amount_cents("1000000000000000.01")


@pytest.mark.parametrize(
    "cents, text",
    [
        (12_000_050, "120000.50"),
        (100, "1"),
        (0, "0"),
        (1, "0.01"),
        (12_345, "123.45"),
        (1_000_000_00, "1000000"),
    ],
)
def test_amount_text_shows_cents_as_a_form_edits_them(cents: int, text: str) -> None:
    assert amount_text(cents) == text


@given(st.integers(min_value=0, max_value=MAX_ARR_CENTS))
def test_an_amount_shown_for_editing_reads_back_the_same(cents: int) -> None:
    assert parse_amount_cents(amount_text(cents)) == cents
