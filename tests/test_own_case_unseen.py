"""Try your own case takes a reading outside the demo data's range as typed (a EUR 60,000
claim, a EUR 14.99 product) and says in one line that the model has not seen such values."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pandas as pd
import pytest

import feedback_store
import model
from model import own_case
from ui.sections import review_own_case

SPRINT, MVP = "Sprint 2", "random forest"
TORQUE = "Torque [Nm]"
FORM = f"FormSubmitter:own_case_form_{MVP}-Explain this case"


@pytest.fixture(scope="module")
def proto(small_workspace):
    return model.open_workspace(small_workspace).prototype(SPRINT, MVP)


@pytest.fixture(scope="module")
def schema(proto):
    return own_case.input_schema(proto)


def defaults(schema) -> dict:
    return {field["name"]: field["default"] for field in schema}


def torque(schema) -> dict:
    return next(field for field in schema if field["name"] == TORQUE)


def test_a_reading_beyond_the_demo_range_is_taken_exactly_as_typed(schema):
    high = torque(schema)["max"] + 100.25
    checked = own_case.check_case(schema, defaults(schema) | {TORQUE: high})
    assert checked[TORQUE] == high


def test_a_reading_below_the_demo_range_is_taken_too(schema):
    low = torque(schema)["min"] - 1.5
    assert own_case.check_case(schema, defaults(schema) | {TORQUE: low})[TORQUE] == low


def test_a_number_beyond_what_a_model_reads_is_refused(schema):
    limit = r"-3\.4e\+38 and 3\.4e\+38, the largest a model reads; got 1e\+39"
    with pytest.raises(ValueError, match=rf"Torque \[Nm\] must be a number between {limit}"):
        own_case.check_case(schema, defaults(schema) | {TORQUE: 1e39})


def test_a_whole_number_beyond_what_a_float_holds_exactly_is_refused(schema):
    whole = next(field for field in schema if field["integer"])
    limit = "-9,007,199,254,740,991 and 9,007,199,254,740,991"
    with pytest.raises(
        ValueError, match=re.escape(f"{whole['name']} must be a number between {limit}")
    ):
        own_case.check_case(schema, defaults(schema) | {whole["name"]: 2**53})


def test_unseen_readings_lists_only_those_outside_the_range(schema):
    field = torque(schema)
    values = defaults(schema) | {TORQUE: field["max"] + 1}
    assert own_case.unseen_readings(schema, values) == [
        {"name": TORQUE, "value": field["max"] + 1, "min": field["min"], "max": field["max"],
         "side": "above"}
    ]  # fmt: skip
    assert own_case.unseen_readings(schema, defaults(schema)) == []
    below = own_case.unseen_readings(schema, values | {TORQUE: field["min"] - 1})
    assert [reading["side"] for reading in below] == ["below"]


def test_a_case_beyond_the_range_is_explained_and_adds_up(proto, schema):
    high = torque(schema)["max"] + 100.25
    explained = own_case.explain_own_case(proto, defaults(schema) | {TORQUE: high})
    assert explained["feature_values"][TORQUE] == high
    total = explained["base_value"] + sum(explained["contributions"].values())
    assert total == pytest.approx(explained["output"])


def test_the_note_names_the_reading_by_its_description_and_the_range_in_its_unit(schema):
    field = torque(schema)
    meta = {"display_units": {TORQUE: "Nm"}, "feature_descriptions": {TORQUE: "tool torque"}}
    values = defaults(schema) | {TORQUE: 500.25}
    (note,) = review_own_case.unseen_notes(schema, values, meta)
    shown = f"{field['min']:.1f}–{field['max']:.1f} Nm"
    assert note == (
        f"Your tool torque of 500.25 Nm is above the demo data's range ({shown}): "
        "the model has not seen such values, so its answer there is less certain."
    )


def test_a_note_gives_a_large_number_with_its_thousands(schema):
    (note,) = review_own_case.unseen_notes(schema, defaults(schema) | {TORQUE: 60000.0}, {})
    assert note.startswith(f"Your {TORQUE} of 60,000 is above the demo data's range (")


def test_a_field_s_help_gives_the_range_as_guidance(proto, schema):
    shown = review_own_case.range_text(torque(schema), proto.meta)
    assert f"In the demo data: {shown}. A value outside this range is accepted" in (
        review_own_case.field_help(torque(schema), proto.meta)
    )


# -- the page ---------------------------------------------------------------------------------


def explain(at, values: dict):
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    for name, value in values.items():
        at.number_input(key=f"own_field_{MVP}_{name}").set_value(value)
    at.button(key=FORM).click().run()
    assert not at.exception
    return at


def test_the_page_explains_a_case_beyond_the_range_with_one_line_saying_so(
    small_workspace, open_app, proto, schema
):
    at = explain(open_app(small_workspace, page="sme_review", reviewer="ana"), {TORQUE: 500.25})
    assert [e.value for e in at.error] == []
    assert len(at.get("vega_lite_chart")) == 2  # the queue card's waterfall and the case's
    (warning,) = [w.value.replace("\\", "") for w in at.warning]
    shown = review_own_case.range_text(torque(schema), proto.meta)
    assert warning.startswith(f"Your {TORQUE} of 500.25 is above the demo data's range ({shown})")
    assert at.number_input(key=f"own_field_{MVP}_{TORQUE}").value == 500.25
    assert at.session_state["review_own_case"]["features"][TORQUE] == 500.25
    # within the range again: no note
    at.number_input(key=f"own_field_{MVP}_{TORQUE}").set_value(40.0)
    at.button(key=FORM).click().run()
    assert at.session_state["review_own_case"]["features"][TORQUE] == 40.0
    assert [w.value for w in at.warning] == []


def test_a_field_shows_every_decimal_typed_and_the_range_in_its_help(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="ana")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    field = at.number_input(key=f"own_field_{MVP}_{TORQUE}")
    assert field.proto.format == "%g"  # sprintf.js: 14.99 as "14.99", not "%.1f"'s "15.0"
    assert "In the demo data: " in field.help and "is accepted" in field.help


def test_the_stored_verdict_keeps_the_value_entered(workspace_copy, open_app, schema):
    at = explain(open_app(workspace_copy, page="sme_review", reviewer="zoe"), {TORQUE: 500.25})
    row_id = feedback_store.own_case_id(defaults(schema) | {TORQUE: 500.25})
    key = at.session_state["review_keys"][json.dumps([SPRINT, MVP, row_id, "zoe"])]["verdict"]
    at.segmented_control(key=f"own_verdict_{key}").set_value("unsure")
    at.button(key=f"FormSubmitter:own_form_{key}-Submit verdict").click().run()
    assert not at.exception
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["source"], verdict["row_id"]) == ("own", row_id)
    assert verdict["features"][TORQUE] == 500.25


def test_a_field_starts_at_the_median_to_a_readable_number_of_decimals():
    """The field shows every decimal of its value: its start is not 12.259000712788817."""
    frame = pd.DataFrame({"temp": [2.0, 12.259000712788817, 30.0], "share": [0.0, 0.0486904, 0.1]})
    proto = SimpleNamespace(meta={"features": ["temp", "share"]})
    temp, share = own_case.input_schema(proto, frame)
    assert (temp["default"], temp["median"]) == (12.26, 12.259000712788817)
    assert share["default"] == 0.0487
