"""A stored explanation edited after publishing is refused where it is read, in one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import model
from model.demo import FEATURES, TARGET, load_demo_data
from model.prototype import ON_DEMAND_FILE
from model.stored_additivity import check_adds_up

EDITED = "the stored explanation of row '{}' does not add up to its prediction"


@pytest.fixture
def ws(tmp_path):
    data = load_demo_data().iloc[:300]
    X, y = data[FEATURES], data[TARGET]
    workspace = model.open_workspace(tmp_path)
    workspace.publish("S1", "rule", model.ToolWearRule().fit(X, y), X, y, deck_size=50)
    return workspace


def scale_row(path, row_id, factor=10.0):
    frame = pd.read_parquet(path)
    frame.loc[frame.index.get_level_values("row_id") == row_id] *= factor
    frame.to_parquet(path)


def deck_row(proto) -> str:
    """A deck row whose contributions are not all zero (scaling them changes the sum)."""
    values = proto.shap_values()
    return str(values.index[values.abs().sum(axis=1) > 0.01][0])


def test_a_deck_row_scaled_by_ten_is_refused_by_explain_and_the_pages_reads(ws):
    proto = ws.prototype("S1", "rule")
    row_id = deck_row(proto)
    other = next(r for r in proto.shap_values().index if r != row_id)
    scale_row(proto.path / "shap-1.parquet", row_id)
    with pytest.raises(model.WorkspaceError, match=r"rule: " + EDITED.format(row_id) + r" \(.*%"):
        ws.explain("S1", "rule", row_id)
    with pytest.raises(model.WorkspaceError, match=EDITED.format(row_id)):
        proto.stored_explanation(row_id)
    with pytest.raises(model.WorkspaceError, match=EDITED.format(row_id)):
        proto.shap_values()  # the Sprint demo's importance and the Bake-off read these
    assert ws.explain("S1", "rule", other)["output"] == pytest.approx(
        proto.prediction(other)["p:1"], abs=1e-9
    )


def test_a_row_explained_on_demand_then_edited_is_refused(ws):
    proto = ws.prototype("S1", "rule")
    outside = proto.precomputed().index[~proto.precomputed()]
    explained = ws.explain("S1", "rule", outside[0])  # computed now and stored
    row_id = next(
        r
        for r in outside
        if sum(abs(v) for v in ws.explain("S1", "rule", r)["contributions"].values()) > 0.01
    )
    assert explained["output"] == pytest.approx(proto.prediction(outside[0])["p:1"], abs=1e-9)
    scale_row(proto.path / ON_DEMAND_FILE, row_id)
    with pytest.raises(model.WorkspaceError, match=EDITED.format(row_id)):
        ws.explain("S1", "rule", row_id)


def _one_row(output_gap: float, unit: str = "probability", **meta):
    meta = {"task": "binary", "unit": unit, "name": "m", "max_additivity_error": 1e-12, **meta}
    values = pd.DataFrame({"a": [0.1], "b": [0.2]}, index=pd.Index(["7"], name="row_id"))
    if unit == "log-odds":
        expected = 1 / (1 + np.exp(-(0.5 + 0.3))) + output_gap
    else:
        expected = 0.5 + 0.3 + output_gap
    predictions = pd.DataFrame({"p:1": [expected]}, index=values.index)
    explainers = pd.Series([meta.get("explainer", "tree")], index=values.index)
    check_adds_up(meta, "1", values, 0.5, predictions, explainers)


def test_log_odds_are_compared_as_probabilities_within_the_recorded_tolerance():
    _one_row(1e-7, "log-odds")
    with pytest.raises(model.WorkspaceError, match=EDITED.format("7")):
        _one_row(1e-3, "log-odds")


def test_an_estimated_row_is_held_to_its_stated_error_an_exact_one_is_not():
    estimated = {"explainer": "sampled Shapley (permutation)", "estimate_error": 0.01}
    _one_row(0.005, **estimated)
    with pytest.raises(model.WorkspaceError):
        _one_row(0.005, estimate_error=0.01)  # an exact row of the same prototype
    with pytest.raises(model.WorkspaceError):
        _one_row(0.05, **estimated)
