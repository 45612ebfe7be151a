"""Two MVPs are compared on the demo rows both were shown only when those rows can compare them.

Trial L, Sprint 12 against Sprint 11: 53 shared rows without a failure. The Sprint demo showed
F1, precision and recall "+0.000" in green (0/0 on both), and Present's step 2 priced both
models, without an error there, at $27,200 and $17,330 a month (their allowance for choosing
a threshold carried onto the shared rows). Now those rows must hold every class and at least
``MIN_SHARED_ROWS`` rows; otherwise one line says why no change is measured.
"""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import split_data
from test_shared_rows_outcomes import BINARY_META, A, binary_frame, lines_of, present_step_2

import model
from model.shared_rows import (
    MIN_SHARED_ROWS,
    TooFewToCompare,
    counted_on_shared_rows,
    too_few_to_compare,
)
from ui import sprint_summary
from ui.comparison_words import too_few_words
from ui.sections.present_steps import BIG_SIZES, LINE_HEIGHT, fitting_size, slide_lines

NAMED = {**BINARY_META, "class_names": {"0": "No failure", "1": "Failure"}}


def labels(*counts: tuple[str, int]) -> pd.Series:
    return pd.Series([label for label, n in counts for _ in range(n)], dtype=object)


def test_binary_rows_need_a_positive_a_negative_and_enough_rows():
    assert too_few_to_compare(labels(("0", 53)), BINARY_META) == TooFewToCompare(53, "positive")
    assert too_few_to_compare(labels(("1", 40)), BINARY_META).lacking == "negative"
    small = too_few_to_compare(labels(("0", 10), ("1", 2)), BINARY_META)
    assert (small.lacking, small.rows, small.minimum) == ("rows", 12, MIN_SHARED_ROWS)
    assert too_few_to_compare(labels(("0", 28), ("1", 2)), BINARY_META) is None


def test_multiclass_rows_need_two_classes_and_regression_enough_rows():
    meta = {"task": "multiclass", "classes": ["a", "b", "c"]}
    one = too_few_to_compare(labels(("b", 40)), meta)
    assert (one.lacking, one.only) == ("classes", "b")
    assert too_few_to_compare(labels(("a", 20), ("c", 20)), meta) is None
    numbers = {"task": "regression"}
    assert too_few_to_compare(pd.Series([1.0] * 29), numbers).lacking == "rows"
    assert too_few_to_compare(pd.Series([1.0] * 30), numbers) is None


def test_shared_rows_without_a_failure_are_not_counted_together():
    before = binary_frame(range(100), ["0"] * 60 + ["1"] * 40, [0.9] * 100)
    after = binary_frame(range(47, 130), ["0"] * 13 + ["1"] * 70, [0.2] * 83)
    # rows 47-99 in both: before calls them 0 for 47-59 and 1 after; after's labels rule
    after.loc[[str(i) for i in range(47, 100)], "actual"] = "0"
    shared = counted_on_shared_rows(before, BINARY_META, after, BINARY_META, (None, None), A)
    assert shared == TooFewToCompare(53, "positive")


def test_why_in_words_and_in_the_notes():
    why = too_few_words(TooFewToCompare(53, "positive"), "rows in the demo set", NAMED)
    assert why == "the 53 demo rows both were shown hold no failure, too few to compare the two"
    assert too_few_words(TooFewToCompare(12, "rows"), "machines", NAMED) == (
        "only 12 demo machines were shown to both, too few to compare the two (at least 30 "
        "are needed)"
    )
    assert sprint_summary.changes_caption(("S11", "rf"), ({}, {}, 53), "machines", why) == (
        "Changes against S11's MVP, rf: not measured, as " + why + " (each figure is on its "
        "own sprint's demo rows)."
    )
    assert sprint_summary.different_rows_note(300, 300, 53, "machines", why) == (
        "Each is counted on its own sprint's demo machines (300 and 300), so the two are not "
        "one set of machines, and the metrics' changes are not measured: " + why + "."
    )


def publish_without_shared_failures(workspace) -> int:
    """Sprint 3's MVP shown 60 of Sprint 2's demo rows, none a failure, and 60 others with
    failures among them; the number of rows shared."""
    X, y, X_demo, y_demo = split_data()
    shared = y_demo[y_demo == 0].index[:60]
    others = list(y[y == 1].index[:20]) + list(y[y == 0].index[:40])
    rows = list(shared) + others
    demo_X = pd.concat([X_demo.loc[shared], X.loc[others]]).loc[rows]
    demo_y = pd.concat([y_demo.loc[shared], y.loc[others]]).loc[rows]
    ws = model.open_workspace(workspace)
    ws.publish(
        "Sprint 3", "rule", model.ToolWearRule(180).fit(X, y), demo_X, demo_y, mvp=True,
        train_seconds=0.01,
    )  # fmt: skip
    return len(shared)


def test_sprint_demo_measures_no_change_on_shared_rows_without_a_failure(workspace_copy, open_app):
    shared = publish_without_shared_failures(workspace_copy)
    at = open_app(workspace_copy, page="sprint_demo")
    assert not at.exception
    assert [m.label for m in at.metric if m.proto.delta] == []  # no "+0.000" in green
    said = [c.value.replace("\\", "") for c in at.caption]
    assert any(
        f": not measured, as the {shared} demo machines both were shown hold no positive case, "
        "too few to compare the two" in c
        for c in said
    ), [c for c in said if c.startswith("Changes")]


def test_present_counts_each_on_its_own_rows_and_says_why(workspace_copy, monkeypatch):
    shared = publish_without_shared_failures(workspace_copy)
    at = present_step_2(monkeypatch, workspace_copy, "Sprint 3")
    assert not at.exception
    lines = lines_of(at)
    assert len(lines) == 2 and "Caught 0 of 0" not in " ".join(lines.values())
    said = [c.value.replace("\\", "") for c in at.caption]
    assert any(
        f"not measured: the {shared} demo machines both were shown hold no positive case" in c
        for c in said
    ), said
    assert not [c for c in said if c.startswith("Both are counted")]


@pytest.mark.parametrize("characters", [200, 590, 1_000])
def test_the_recommendation_takes_no_more_than_its_room(characters):
    text = " ".join(["costs"] * (characters // 6))
    size = fitting_size(text, 245)
    if size != BIG_SIZES[-1]:
        assert slide_lines(text, size) * 16 * size * LINE_HEIGHT <= 245
    assert (size == BIG_SIZES[0]) == (characters == 200)  # short: the large type as before
