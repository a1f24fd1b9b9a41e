"""The overview's label and value rows: values in their own column, wrapped under themselves."""

from __future__ import annotations

from csm_tui.widgets.labelled_rows import LabelledRows


def test_labels_share_a_column_and_a_long_value_wraps_under_its_own_start():
    rows = LabelledRows()
    rows.show(
        [("ARR", "$1.73M"), ("Success plan", "faster month-end reporting: 0 of 5 milestones done")]
    )
    assert [line.plain for line in rows.lines(50)] == [
        "ARR           $1.73M",
        "Success plan  faster month-end reporting: 0 of 5",
        "              milestones done",
    ]
    assert [span.style for span in rows.lines(50)[0].spans][:1] == ["bold"]  # the label


def test_the_height_asked_by_the_layout_follows_the_width():
    rows = LabelledRows()
    rows.show([("Risks", "implementation sentiment support product company renewal")])
    assert rows.get_content_height(None, None, 80) == 1  # type: ignore[arg-type]
    assert rows.get_content_height(None, None, 40) == 2  # type: ignore[arg-type]
