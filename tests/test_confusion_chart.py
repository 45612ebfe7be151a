"""A confusion matrix of more classes than a table can show beside the sidebar is a grid of
counts (``ui.confusion``)."""

from __future__ import annotations

import altair as alt

from model.outcomes import confusion_table
from ui import confusion

CLASSES = ["bearing wear", "belt slip", "cavitation"]
ACTUAL = ["bearing wear"] * 4 + ["belt slip"] * 2 + ["cavitation"] * 3
DECIDED = ["bearing wear"] * 3 + ["cavitation"] + ["belt slip"] * 2 + ["cavitation", "belt slip",
           "bearing wear"]  # fmt: skip


def test_each_cell_has_its_count_and_its_share_of_the_actual_class():
    table = confusion_table(ACTUAL, DECIDED, CLASSES)
    data = confusion.confusion_data(table).set_index(["actual", "predicted"])
    assert len(data) == 9 and data["count"].sum() == len(ACTUAL)
    assert data.loc[("bearing wear", "bearing wear"), "count"] == 3
    assert data.loc[("bearing wear", "bearing wear"), "share"] == 0.75
    assert data.loc[("bearing wear", "cavitation"), "text"] == (
        "1 of 4 bearing wear predicted as cavitation (25%)"
    )
    assert data.loc[("belt slip", "belt slip"), "text"] == "2 of 2 belt slip recognised (100%)"
    assert data.loc[("cavitation", "cavitation"), "share"] == 1 / 3


def test_a_class_no_demo_row_has_gets_shares_of_zero():
    table = confusion_table(["a", "a"], ["a", "b"], ["a", "b"])
    data = confusion.confusion_data(table).set_index(["actual", "predicted"])
    assert data.loc[("b", "b"), "share"] == 0.0 and data.loc[("b", "b"), "count"] == 0


def test_the_grid_is_a_valid_vega_lite_chart_in_the_classes_order():
    table = confusion_table(ACTUAL, DECIDED, CLASSES)
    spec = confusion.confusion_spec(table)
    alt.LayerChart.from_dict(spec, validate=True)  # raises on a spec Vega-Lite would reject
    cells, counts = spec["layer"]
    assert cells["encoding"]["y"]["sort"] == CLASSES
    assert cells["encoding"]["x"]["sort"] == CLASSES
    assert counts["encoding"]["text"]["field"] == "count"
    (values,) = spec["datasets"].values()
    assert sum(v["count"] for v in values) == len(ACTUAL)
    # room for every row and for the slanted names above them
    assert spec["height"] >= confusion.ROW_HEIGHT * len(CLASSES) + len("bearing wear") * 5


def test_up_to_five_classes_are_a_table_and_more_a_grid():
    five = confusion_table([], [], list("abcde"))
    six = confusion_table([], [], list("abcdef"))
    assert confusion.shown_as_table(five)
    assert not confusion.shown_as_table(six)
