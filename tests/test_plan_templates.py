"""Success-plan templates: the shipped ones read cleanly and follow the seeds' phases, a user's
file is laid over them by name, every problem names the file, the line and the fix, and a
template becomes a draft plan dated from go-live (or from today)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from csm_tui.domain.calendar import WorkCalendar
from csm_tui.domain.enums import ObjectiveKind
from csm_tui.domain.plan_template import (
    PlanTemplate,
    TemplateError,
    TemplateText,
    instantiate,
    parse_template,
    template_lines,
)
from csm_tui.domain.success_plan import PlanStatus
from csm_tui.plan_templates import (
    TemplateFileError,
    UnknownTemplate,
    check_templates,
    load_template,
    names,
    shipped,
    shipped_text,
)

GOOD = """\
title = "Pilot plan"

[[objectives]]
outcome = "Release weekly"
metric = "deployments per month"
baseline = 1
target = "4"

[[objectives.milestones]]
title = "Kickoff"
due = "-30d"
dri = "CSM"

[[objectives.milestones]]
title = "Go-live"
due = "0d"

[[objectives]]
outcome = "Developers trust it"
kind = "qualitative"

[[objectives.milestones]]
title = "Survey"
due = "+3mo"
dri = "customer champion"
"""


def template(text: str, *, over: str | None = None) -> PlanTemplate:
    layers = [shipped_text(over)] if over else []
    return parse_template(*layers, TemplateText(text, "mine.toml"), name="mine")


def problems(text: str, *, over: str | None = None) -> list[str]:
    with pytest.raises(TemplateError) as caught:
        template(text, over=over)
    return [str(problem) for problem in caught.value.problems]


def write(config: Path, name: str, text: str) -> Path:
    folder = config / "plan_templates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_templates_follow_the_seeds(tmp_path: Path) -> None:
    assert shipped() == ["commercial", "enterprise"]
    assert check_templates(tmp_path) == ()
    for name in shipped():
        loaded = load_template(name, tmp_path)
        assert loaded.name == name and loaded.title and loaded.description
        assert len(loaded.objectives) == 4  # onboarding, adoption, value, engagement evaluation
        assert all(o.milestones and o.metric for o in loaded.objectives)
        assert loaded.objectives[-1].kind is ObjectiveKind.QUALITATIVE
        dris = {m.dri for o in loaded.objectives for m in o.milestones}
        assert "CSM" in dris and "customer champion" in dris
        offsets = [m.due.text for o in loaded.objectives for m in o.milestones]
        assert any(o.startswith("-") for o in offsets) and "0d" in offsets


def test_a_good_file_reads() -> None:
    read = template(GOOD)
    assert read.title == "Pilot plan"
    first, second = read.objectives
    assert (first.outcome, first.baseline, first.target) == ("Release weekly", "1", "4")
    assert [(m.title, m.due.text, m.dri) for m in first.milestones] == [
        ("Kickoff", "-30d", "CSM"),
        ("Go-live", "0d", None),
    ]
    assert second.kind is ObjectiveKind.QUALITATIVE and second.milestones[0].due.text == "+3mo"


def test_milestone_lines_are_counted_per_objective() -> None:
    lines = template_lines(GOOD)
    assert lines[("objectives", 0, "milestones", 1, "due")] == 16
    assert lines[("objectives", 1, "milestones", 0, "title")] == 23
    assert lines[("objectives", 1, "kind")] == 20


def test_unknown_keys_name_the_line_and_the_fix() -> None:
    text = GOOD.replace('metric = "deployments', 'metrc = "deployments').replace(
        'dri = "CSM"', 'owner = "CSM"'
    )
    text = "titel = 'x'\n" + text
    assert problems(text) == [
        "mine.toml:1: titel: unknown key 'titel'; did you mean 'title'?",
        "mine.toml:6: objective 1: metrc: unknown key 'metrc'; did you mean 'metric'?",
        "mine.toml:13: objective 1, milestone 1: owner: unknown key 'owner'; expected one of "
        "title, due, dri, note",
    ]


def test_bad_offsets_say_what_to_write() -> None:
    text = GOOD.replace('due = "-30d"', 'due = "30 days"').replace('due = "+3mo"', 'due = "+3m"')
    text = text.replace('due = "0d"', 'due = "+48h"')
    assert problems(text) == [
        'mine.toml:11: objective 1, milestone 1: due: bad duration "30 days": expected a whole '
        "number and a unit, like 24h, 3d, 5bd, 2w, 1mo or 1y (a leading - counts back); write an "
        'offset from go-live, like due = "+14d" (after go-live) or due = "-30d" (before it)',
        'mine.toml:16: objective 1, milestone 2: due: "+48h": a plan is dated in days: use d, '
        "bd, w, mo, y",
        'mine.toml:24: objective 2, milestone 1: due: ambiguous unit "m" in "+3m": write "mo" '
        'for months; write an offset from go-live, like due = "+14d" (after go-live) or due = '
        '"-30d" (before it)',
    ]
    assert problems(GOOD.replace('due = "0d"', "due = 14")) == [
        "mine.toml:16: objective 1, milestone 2: due: bad duration 14: write it as a string, "
        'like "3d"; write an offset from go-live, like due = "+14d" (after go-live) or due = '
        '"-30d" (before it)'
    ]
    assert problems(GOOD.replace('due = "0d"', 'due = "+11y"')) == [
        'mine.toml:16: objective 1, milestone 2: due: "+11y" is too long: at most 10 years '
        "(10y, 120mo, 521w, 3650d, 2600bd or 87600h); a longer one overflows the calendar"
    ]


def test_missing_title_or_due_names_the_milestone() -> None:
    text = GOOD.replace('title = "Kickoff"\n', "").replace('due = "+3mo"\n', "")
    assert problems(text) == [
        "mine.toml:9: objective 1, milestone 1: add a title, like title = "
        '"Kickoff with the project team"',
        'mine.toml:21: objective 2, milestone 1: add when it falls due, like due = "+14d" '
        '(after go-live) or due = "-30d" (before it)',
    ]
    assert problems(GOOD.replace('title = "Kickoff"', 'title = "  "')) == [
        "mine.toml:10: objective 1, milestone 1: title: add a title, like title = "
        '"Kickoff with the project team"'
    ]


def test_other_problems() -> None:
    assert problems(GOOD.replace('title = "Pilot plan"\n', "")) == [
        'mine.toml: add a title, like title = "Success plan"'
    ]
    assert problems(GOOD.replace('outcome = "Release weekly"', 'outcome = ""')) == [
        'mine.toml:4: objective 1: outcome: add the outcome, like outcome = "Release weekly"'
    ]
    assert problems(GOOD.replace('"qualitative"', '"soft"')) == [
        "mine.toml:20: objective 2: kind: must be one of quantitative, qualitative"
    ]
    assert problems('title = "x"\nobjectives = "all of them"\n') == [
        "mine.toml:2: objectives: must be tables written [[objectives]], not 'all of them'"
    ]
    assert problems('title = "x"\n[[objectives]]\noutcome = "y"\nmetric = ["a"]\n') == [
        "mine.toml:4: objective 1: metric: must be a string, not an array"
    ]
    assert problems("title = \n") == ["mine.toml:1: not valid TOML: Invalid value; fix the syntax"]


def test_a_user_file_is_laid_over_the_shipped_one_by_name(tmp_path: Path) -> None:
    write(tmp_path, "enterprise", 'title = "Strategic account plan"\n')
    loaded = load_template("enterprise", tmp_path)
    assert loaded.title == "Strategic account plan"
    assert len(loaded.objectives) == 4  # the shipped objectives stay
    write(tmp_path, "commercial", GOOD.replace('title = "Pilot plan"\n', ""))
    loaded = load_template("commercial", tmp_path)
    assert loaded.title == "Commercial success plan"  # the shipped title stays
    assert [o.outcome for o in loaded.objectives] == ["Release weekly", "Developers trust it"]


def test_a_user_template_of_its_own_or_extending_one(tmp_path: Path) -> None:
    write(tmp_path, "pilot", GOOD)
    write(tmp_path, "healthcare", 'extends = "enterprise"\ntitle = "Healthcare plan"\n')
    assert names(tmp_path) == ["commercial", "enterprise", "healthcare", "pilot"]
    assert load_template("pilot", tmp_path).title == "Pilot plan"
    healthcare = load_template("healthcare", tmp_path)
    assert healthcare.title == "Healthcare plan" and len(healthcare.objectives) == 4


def test_user_file_problems_name_the_user_file(tmp_path: Path) -> None:
    path = write(tmp_path, "enterprise", '[[objectives]]\noutcome = "x"\nphase = "one"\n')
    with pytest.raises(TemplateFileError) as caught:
        load_template("enterprise", tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3: objective 1: phase: unknown key 'phase'; expected one of outcome, metric, "
        "kind, baseline, target, milestones"
    ]
    assert str(caught.value).startswith("the success-plan template cannot be used:\n  ")
    assert check_templates(tmp_path) == caught.value.problems
    bad = write(tmp_path, "mine", 'extends = "enterprize"\ntitle = "x"\n')
    with pytest.raises(TemplateFileError) as caught:
        load_template("mine", tmp_path)
    assert str(caught.value.problems[0]) == (
        f"{bad}:1: extends: no shipped template 'enterprize'; did you mean 'enterprise'?"
    )


def test_an_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(UnknownTemplate, match="no success-plan template 'enterprice' \\(did you"):
        load_template("enterprice", tmp_path)


def test_instantiate_dates_milestones_from_go_live() -> None:
    draft = instantiate(template(GOOD), date(2026, 9, 1), date(2026, 6, 1))
    assert draft.status is PlanStatus.DRAFT and draft.title == "Pilot plan"
    assert draft.go_live == date(2026, 9, 1)
    first, second = draft.objectives
    assert (first.outcome, first.metric, first.baseline, first.target) == (
        "Release weekly",
        "deployments per month",
        "1",
        "4",
    )
    # Sun 2 Aug rolls to Mon 3 Aug; go-live Tue 1 Sep; +3mo is Tue 1 Dec
    assert [(m.title, m.due_on, m.dri) for m in first.milestones] == [
        ("Kickoff", date(2026, 8, 3), "CSM"),
        ("Go-live", date(2026, 9, 1), None),
    ]
    assert second.milestones[0].due_on == date(2026, 12, 1)


def test_instantiate_rolls_past_the_calendars_holidays() -> None:
    calendar = WorkCalendar(holidays=frozenset({date(2026, 9, 1)}))
    draft = instantiate(template(GOOD), date(2026, 9, 1), date(2026, 6, 1), calendar)
    assert draft.objectives[0].milestones[1].due_on == date(2026, 9, 2)


def test_instantiate_without_go_live_starts_today() -> None:
    today = date(2026, 6, 10)  # a Wednesday
    draft = instantiate(template(GOOD), None, today)
    assert draft.go_live == date(2026, 7, 10)  # the earliest milestone (-30d) falls due today
    dues = [m.due_on for o in draft.objectives for m in o.milestones]
    assert dues == [today, date(2026, 7, 10), date(2026, 10, 12)]  # Sat 10 Oct rolls to Mon
    late = instantiate(template(GOOD.replace('"-30d"', '"+1d"')), None, today)
    assert late.go_live == today
    assert [m.due_on for m in late.objectives[0].milestones] == [date(2026, 6, 11), today]


def test_a_template_of_months_before_go_live_never_starts_in_the_past() -> None:
    text = GOOD.replace('"-30d"', '"-1mo"')
    for day in range(1, 32):
        today = date(2026, 3, day)
        dues = [
            m.due_on
            for o in instantiate(template(text), None, today).objectives
            for m in o.milestones
        ]
        assert min(dues) >= today
