"""A verdict's prediction shown is checked against what the prototype stores for the row:
trialH D3 stored label "7" at confidence 5.0 on a 0/1 model, and a "correct" verdict's
training label is that prediction."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import feedback_store
import model
from feedback_store import InvalidVerdict
from model.config import DEMO_DATA_FILE
from model.cutoff_decisions import Cutoff
from model.review import record_verdict, shown_version
from ui.sections import review_session

SPRINT, FOREST = "Sprint 2", "random forest"
CUTOFF = 0.062


@pytest.fixture
def forest(workspace_copy):
    """``(record, row)``: a call of ``record_verdict`` on the forest's row and that row."""
    ws = model.open_workspace(workspace_copy)
    store = feedback_store.open(workspace_copy)
    proto = ws.prototype(SPRINT, FOREST)
    version, content = shown_version(proto)
    predictions = proto.predictions()
    # a row the forest puts under 50% but over the cut-off: the two decisions differ
    row_id = str(predictions[(predictions["p:1"] >= CUTOFF) & (predictions["p:1"] < 0.5)].index[0])

    def record(prediction, verdict="correct"):
        return record_verdict(
            store, ws, sprint=SPRINT, prototype=FOREST, version=version, content_id=content,
            row_id=row_id, reviewer="d3", verdict=verdict, prediction=prediction,
        )  # fmt: skip

    return record, predictions.loc[row_id], store


def test_a_label_the_model_cannot_predict_or_a_confidence_over_1_is_refused(forest):
    record, row, store = forest
    with pytest.raises(InvalidVerdict, match=r"^the prediction shown '7' is not random forest's"):
        record({"label": "7", "confidence": 5.0})
    with pytest.raises(InvalidVerdict, match=r"^the confidence shown 5\.0 is not random forest's"):
        record({"label": "0", "confidence": 5.0})
    with pytest.raises(InvalidVerdict, match=r"decision: '0'$"):
        record({"label": "1", "confidence": float(row["p:1"])})  # the 50% class is "0"
    assert store.verdicts(reviewer="d3").empty


def test_a_decision_at_a_threshold_must_be_on_the_side_of_it_the_rows_chance_is(forest):
    record, row, store = forest
    chance = float(row["p:1"])
    with pytest.raises(InvalidVerdict, match=r"is not random forest's row .* cut-off: '1'$"):
        record({"label": "0", "confidence": 1 - chance, "threshold": CUTOFF})
    with pytest.raises(InvalidVerdict, match=r"^a threshold is a chance from 0 to 1"):
        record({"label": "1", "confidence": chance, "threshold": 1.5})
    with pytest.raises(InvalidVerdict, match=r"^the model's own class shown '1'"):
        record({"label": "1", "confidence": chance, "threshold": CUTOFF, "model_label": "1"})
    assert store.verdicts(reviewer="d3").empty
    # the page's own snapshots (review_session.snapshot), with and without the cut-off, pass
    ctx = SimpleNamespace(meta={"estimator": "RandomForestClassifier"})
    probabilities = {"0": float(row["p:0"]), "1": chance}
    args = (ctx, row["predicted"], float(row["confidence"]), probabilities)
    record(review_session.snapshot(*args), verdict="unsure")
    vid = record(review_session.snapshot(*args, Cutoff.of(["0", "1"], "1", CUTOFF)))
    assert store.history(vid).iloc[-1]["prediction"]["label"] == "1"
    assert len(store.verdicts(reviewer="d3")) == 1  # one thread: the second replaced the first


def test_a_card_at_a_cut_off_of_0_records_its_verdict(forest):
    """355d4be made 0 a cut-off (an "always no" model's cheapest flags every case), but the
    check refused any threshold not above 0: a reviewer of that card could record nothing."""
    record, row, store = forest
    ctx = SimpleNamespace(meta={"estimator": "RandomForestClassifier"})
    probabilities = {"0": float(row["p:0"]), "1": float(row["p:1"])}
    every = Cutoff.of(["0", "1"], "1", 0.0)
    snapshot = review_session.snapshot(
        ctx, row["predicted"], float(row["confidence"]), probabilities, every
    )
    vid = record(snapshot, verdict="unsure")
    assert store.history(vid).iloc[-1]["prediction"]["label"] == "1"


def test_a_regressions_value_must_be_its_stored_prediction(tmp_path):
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    readings = ["Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]"]
    demo, train = data.iloc[:20], data.iloc[20:220]
    ws = model.open_workspace(tmp_path / "ws")
    fitted = LinearRegression().fit(train[readings], train["Torque [Nm]"])
    ws.publish("S1", "torque", fitted, demo[readings], demo["Torque [Nm]"])
    proto = ws.prototype("S1", "torque")
    store = feedback_store.open(tmp_path / "ws")
    value = float(proto.prediction("1")["predicted"])

    def record(prediction):
        return record_verdict(
            store, ws, sprint="S1", prototype="torque", version=proto.version, row_id="1",
            reviewer="ana", verdict="correct", prediction=prediction,
        )  # fmt: skip

    with pytest.raises(InvalidVerdict, match=r"^the prediction shown '99' is not torque's row 1"):
        record({"label": "99"})
    with pytest.raises(InvalidVerdict, match=r"^a regression's prediction has no confidence"):
        record({"label": repr(value), "confidence": 0.9})
    vid = record({"label": str(value * (1 + 1e-7))})
    assert float(store.history(vid).iloc[-1]["prediction"]["label"]) == pytest.approx(value)
