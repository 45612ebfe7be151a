"""The class a binary model counts, flags and explains can be named at publishing.

By default it is the model's second class, which for text labels is alphabetical order: a
model of "failure" / "no failure" was counted as "Caught 3,859 of 3,859 machines labelled no
failure; 0 false alarms among the 141 machines labelled failure", its alarms priced on the
wrong class. ``publish(positive_class="failure")`` (``--positive-class``) makes "failure" the
positive class everywhere: metrics, outcomes, explanations (the deck's, a row's on demand, an
own case's), which add up to the chance of a failure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import run_cli
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score

import model
from model.demo import FEATURES, TARGET, load_demo_data
from model.outcomes import outcome_sentence, prototype_outcome
from model.own_case import explain_own_case
from model.publishing import PublishError

NUMERIC = [f for f in FEATURES if f != "Type"]


@pytest.fixture(scope="module")
def machines() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    data = load_demo_data().sample(2400, random_state=3)
    X = data[NUMERIC].copy()
    y = data[TARGET].map({1: "failure", 0: "no failure"})
    return X.iloc[:1600], y.iloc[:1600], X.iloc[1600:], y.iloc[1600:]


def adds_up(explained: dict, probability: float, unit: str = "probability") -> None:
    total = explained["base_value"] + sum(explained["contributions"].values())
    expected = probability if unit == "probability" else np.log(probability / (1 - probability))
    assert total == pytest.approx(expected, abs=1e-6)
    assert explained["output"] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("kind", ["forest", "boosting in log-odds"])
def test_a_named_positive_class_is_counted_and_explained_everywhere(tmp_path, machines, kind):
    X, y, X_demo, y_demo = machines
    if kind == "forest":
        estimator = RandomForestClassifier(30, max_depth=6, random_state=0)
        demo = X_demo
    else:  # seven readings: explained exactly in log-odds by its trees

        def derived(frame):
            torque = frame["Torque [Nm]"]
            return frame.assign(
                power=torque * frame["Rotational speed [rpm]"],
                strain=torque * frame["Tool wear [min]"],
            )

        X, demo = derived(X), derived(X_demo)
        estimator = HistGradientBoostingClassifier(max_iter=30, random_state=0)
    estimator.fit(X, y)
    assert list(estimator.classes_) == ["failure", "no failure"]  # "failure" comes first
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S1", "m", estimator, demo, y_demo, deck_size=100, positive_class="failure")
    meta = proto.meta
    assert meta["positive_class"] == "failure" and meta["explained_classes"] == ["failure"]
    unit = meta["unit"]
    assert unit == ("probability" if kind == "forest" else "log-odds")
    predictions = proto.predictions()
    # the headline metric scores the chance of a failure
    truth = (y_demo == "failure").to_numpy()
    expected = average_precision_score(truth, predictions.loc[y_demo.index, "p:failure"])
    assert meta["metrics"]["pr_auc"] == pytest.approx(expected)
    # the outcome counts failures caught
    sentence = outcome_sentence(prototype_outcome(proto))
    caught = (truth & (predictions.loc[y_demo.index, "predicted"] == "failure").to_numpy()).sum()
    assert sentence.startswith(f"Caught {caught} of {truth.sum()} ")
    assert "false alarm" in sentence and "labelled no failure" in sentence
    # a row of the deck, a row explained on demand and an own case add up to p(failure)
    deck = predictions.index[predictions["precomputed"]][0]
    other = predictions.index[~predictions["precomputed"]][0]
    for row_id in (deck, other):
        explained = ws.explain("S1", "m", row_id)
        assert explained["explained_class"] == "failure"
        adds_up(explained, predictions.loc[row_id, "p:failure"], unit)
    case = explain_own_case(proto, dict(proto.feature_row(str(other))))
    assert case["explained_class"] == "failure"
    adds_up(case, case["probabilities"]["failure"], unit)


def test_without_it_the_second_class_stays_positive(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    forest = RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, y)
    proto = model.open_workspace(tmp_path / "ws").publish("S1", "m", forest, X_demo, y_demo)
    assert proto.meta["positive_class"] == "no failure"


def test_a_wrong_positive_class_is_one_line_and_nothing_is_written(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    forest = RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, y)
    ws = model.open_workspace(tmp_path / "ws")
    with pytest.raises(PublishError, match="'broken' is not one of the model's classes"):
        ws.publish("S1", "m", forest, X_demo, y_demo, positive_class="broken")
    assert ws.prototypes("S1") == []
    ws.publish("S1", "a", forest, X_demo, y_demo, positive_class="failure")
    with pytest.raises(PublishError, match="counts 'failure' as the positive class"):
        ws.publish("S1", "b", forest, X_demo, y_demo)  # the sprint's other: "no failure"
    assert ws.prototypes("S1") == ["a"]


def test_the_cli_takes_a_positive_class(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    forest = RandomForestClassifier(10, max_depth=4, random_state=0).fit(X, y)
    sio.dump(forest, tmp_path / "forest.skops")
    X_demo.assign(state=y_demo).rename_axis("UDI").reset_index().to_csv(
        tmp_path / "rows.csv", index=False
    )
    common = ["--workspace", str(tmp_path / "ws"), "--sprint", "S1", "--model",
              str(tmp_path / "forest.skops"), "--data", str(tmp_path / "rows.csv"),
              "--target", "state", "--id-column", "UDI"]  # fmt: skip
    done = run_cli("model", "publish", *common, "--name", "m", "--positive-class", "failure")
    assert done.returncode == 0, done.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("S1", "m")
    assert proto.meta["positive_class"] == "failure"
    bad = run_cli("model", "publish", *common, "--name", "n", "--positive-class", "fail")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "'fail' is not one of the model's classes" in bad.stderr


def test_the_words_of_free_text_are_those_of_the_named_class(tmp_path):
    # labels 0 (a faulty pump) and 1 (a sound one): the faults are what the team flags
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from test_explain_text import notes_frame

    from model.explain_text import word_contributions

    X, y = notes_frame(160)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(), "note"), ("num", StandardScaler(), ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S1", "notes", pipeline, X, y, deck_size=40, positive_class=0)
    assert proto.meta["positive_class"] == "0"
    predictions = proto.predictions()
    for row_id in (predictions.index[predictions["precomputed"]][0],
                   predictions.index[~predictions["precomputed"]][0]):  # fmt: skip
        explained = ws.explain("S1", "notes", row_id)
        adds_up(explained, predictions.loc[row_id, "p:0"])
        words = word_contributions(proto, row_id)
        assert words["contribution"].sum() == pytest.approx(explained["contributions"]["note"])
    # a faulty pump's note: its fault words raise the chance of a fault (class 0)
    faulty = next(r for r in predictions.index[~predictions["precomputed"]] if y[r] == 0)
    words = word_contributions(proto, faulty).set_index("word")["contribution"]
    faults = [w for w in ("broken", "slow", "noisy", "leaking", "cracked", "faulty", "late")
              if w in words.index]  # fmt: skip
    assert faults and (words[faults] > 0).all()
