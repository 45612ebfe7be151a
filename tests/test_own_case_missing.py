"""A case of one's own may leave a reading missing where some demo rows lack it.

A model trained on a messy frame takes missing readings (an imputer, or trees that route
them); an SME trying a case from the shop floor often has one reading not measured. The
form offers "missing" for exactly those readings, the model gets the column's own missing
value (NaN for a number, None in an object column), and nothing is filled in silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import open_link
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import model
from model import own_case

SPRINT, NAME = "S1", "forest"


def messy_rows(n: int = 400) -> tuple[pd.DataFrame, pd.Series]:
    """Readings with gaps: ``torque`` missing in some rows, ``shift`` None in some."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "speed": rng.normal(1500, 150, n).round(),
            "torque": rng.normal(40, 10, n).round(1),
        },
        index=[f"r{i}" for i in range(n)],
    )
    # an object column holding None (pandas would read text with gaps as strings with NaN)
    X["shift"] = pd.Series(rng.choice(["day", "night", None], n), index=X.index, dtype=object)
    X.loc[X.index[::7], "torque"] = np.nan
    failure = (X["torque"].fillna(60) > 50) | (X["shift"].isna() & (X["speed"] < 1450))
    return X, failure.astype(int)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    X, y = messy_rows()
    prep = make_column_transformer(
        (SimpleImputer(), ["speed", "torque"]),
        (
            make_pipeline(
                SimpleImputer(strategy="constant", fill_value="unknown"),
                OneHotEncoder(handle_unknown="ignore"),
            ),
            ["shift"],
        ),
    )
    estimator = make_pipeline(prep, RandomForestClassifier(n_estimators=20, random_state=0))
    path = tmp_path_factory.mktemp("missing") / "ws"
    model.open_workspace(path).publish(SPRINT, NAME, estimator.fit(X, y), X, y, deck_size=50)
    return path, estimator


def proto_of(path):
    return model.open_workspace(path).prototype(SPRINT, NAME)


def test_the_form_offers_missing_only_for_readings_some_demo_rows_lack(published):
    schema = own_case.input_schema(proto_of(published[0]))
    assert {f["name"]: f["missing"] for f in schema} == {
        "speed": False,
        "torque": True,
        "shift": True,
    }


def test_whole_numbers_stored_as_floats_start_and_read_as_whole_numbers(published):
    """A column of whole numbers read as floats (an integer column with a gap, from a CSV)
    offered "12.0–2,979.0 days" starting at 1526.5."""
    from ui.sections.review_own_case import range_text

    schema = {f["name"]: f for f in own_case.input_schema(proto_of(published[0]))}
    speed, torque = schema["speed"], schema["torque"]
    assert float(speed["default"]).is_integer()
    assert range_text(speed, {"display_units": {"speed": "rpm"}}) == (
        f"{speed['min']:,.0f}–{speed['max']:,.0f} rpm"
    )
    assert range_text(torque, {"display_units": {"torque": "Nm"}}) == (  # tenths stay
        f"{torque['min']:,.1f}–{torque['max']:,.1f} Nm"
    )


def test_a_case_with_missing_readings_is_what_the_model_says_of_them(published):
    path, estimator = published
    case = {"speed": 1400, "torque": None, "shift": None}
    explained = own_case.explain_own_case(proto_of(path), case)
    # the model's own answer on the training frame's missing values: NaN and None
    frame = pd.DataFrame({"speed": [1400.0], "torque": [np.nan]})
    frame["shift"] = pd.Series([None], dtype=object)
    expected = estimator.predict_proba(frame)[0, 1]
    nan_instead = frame.assign(shift=pd.Series([np.nan], dtype=object))
    assert estimator.predict_proba(nan_instead)[0, 1] != expected  # None is not NaN to it
    assert explained["probabilities"]["1"] == pytest.approx(expected, abs=1e-12)
    assert explained["output"] == pytest.approx(expected, abs=1e-9)
    total = explained["base_value"] + sum(explained["contributions"].values())
    assert total == pytest.approx(explained["output"], abs=1e-9)
    assert explained["feature_values"] == case


def test_a_missing_reading_the_demo_rows_always_have_is_refused(published):
    proto = proto_of(published[0])
    for empty in (None, float("nan")):
        with pytest.raises(ValueError, match="^enter a value for speed$"):
            own_case.explain_own_case(proto, {"speed": empty, "torque": 40.0, "shift": "day"})


def test_what_if_moves_a_reading_left_missing_and_marks_no_point(published):
    proto = proto_of(published[0])
    case = {"speed": 1400, "torque": None, "shift": "night"}
    curve = own_case.what_if(proto, case, "torque")
    assert len(curve) >= 2 and not curve["entered"].any()
    across = own_case.what_if(proto, case, "speed")  # torque stays missing meanwhile
    assert across["entered"].sum() == 1


def test_the_page_takes_a_case_with_missing_readings(published, monkeypatch):
    path, _ = published
    at = open_link(monkeypatch, path, "sme_review", sprint=SPRINT, reviewer="zoe")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    assert not at.exception
    shift = at.selectbox(key=f"own_field_{NAME}_shift")
    assert shift.options[-1] == "missing"
    shift.select_index(len(shift.options) - 1)
    at.number_input(key=f"own_field_{NAME}_torque").set_value(None)
    at.number_input(key=f"own_field_{NAME}_speed").set_value(1400)
    at.button(key=f"FormSubmitter:own_case_form_{NAME}-Explain this case").click().run()
    assert not at.exception and not at.error
    entered = at.session_state["review_own_case"]["features"]
    assert entered == {"speed": 1400, "torque": None, "shift": None}
    assert "torque (" in at.number_input(key=f"own_field_{NAME}_torque").label
    assert at.number_input(key=f"own_field_{NAME}_torque").label.endswith(
        ", or empty if not measured)"
    )


def test_cases_of_ones_own_load_the_model_once_while_its_file_is_unchanged(published, monkeypatch):
    """A trial: each own case of a 100-tree forest re-read its 37 MB file, 0.7 s of 0.9 s."""
    from model import on_demand, persistence

    on_demand._loaded_estimator.cache_clear()
    loads, original = [], persistence.load_skops_file
    monkeypatch.setattr(
        persistence, "load_skops_file", lambda *a, **k: loads.append(a) or original(*a, **k)
    )
    proto = proto_of(published[0])
    for speed in (1400, 1500, 1600):
        own_case.explain_own_case(proto, {"speed": speed, "torque": 45.0, "shift": "day"})
    assert len(loads) == 1
