"""A hand-written model (the estimator contract, no scikit-learn base class) end to end.

Its saved file cannot be loaded back: its class is not on the exact-name allow-list, as it must
not be (loading a file from outside must run no code). So publishing explains every row, up to
a cap, and records that the model is not loadable; every row the pages show is then read from
stored values, and "Try your own case" says in one line why it is not available.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest
from conftest import open_link
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from test_publish_contract import NUMERIC, ScoreClassifier

import model
from model import deck as deck_module
from model import own_case, persistence
from model.deck import plan_deck
from model.demo import TARGET, load_demo_data
from ui import explanations, predictions_table

SPRINT, NAME = "S1", "hand-written"
DECK = 40  # smaller than the data: a loadable model would leave most rows for later
REFUSAL = (
    "Try your own case is not available for hand-written: it needs the model, and its class "
    "ScoreClassifier is not one the app may load from a file (a file from outside must not run "
    "code). To enable it, publish a scikit-learn, XGBoost, LightGBM or CatBoost model, or a "
    "scikit-learn Pipeline of them (a FunctionTransformer with a NumPy function such as "
    "np.log1p, not one of your own)."
)


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().sample(240, random_state=5)
    return data[NUMERIC], data[TARGET]


@pytest.fixture(scope="module")
def published(tmp_path_factory, machines):
    """A workspace holding the hand-written classifier, published with a 40-row deck."""
    X, y = machines
    path = tmp_path_factory.mktemp("duck")
    model.open_workspace(path).publish(
        SPRINT, NAME, ScoreClassifier().fit(X, y), X, y, deck_size=DECK
    )
    return path


def off_deck_row(proto) -> str:
    """A row a 40-row deck leaves out: a loadable model would explain it only on demand."""
    predictions = proto.predictions().drop(columns="precomputed")
    deck = plan_deck(predictions, DECK)
    return str(predictions.index[~predictions.index.isin(deck.rows)][0])


def test_every_row_is_explained_when_the_model_cannot_be_loaded_back(published):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    assert [name.rsplit(".", 1)[-1] for name in proto.meta["model_untrusted_types"]] == [
        "ScoreClassifier"
    ]
    assert proto.precomputed().all() and proto.meta["deck"]["precomputed"] == 240
    assert proto.meta["deck"]["rule"].endswith(
        "Every row was explained now because the model cannot be loaded back to explain a row "
        "later: its class ScoreClassifier is not one the app may load from a file (a file from "
        "outside must not run code)."
    )
    with pytest.raises(persistence.ModelFileError, match="cannot be loaded back"):
        proto.estimator()  # refused by what publishing recorded: the file is never read


def test_an_off_deck_row_is_explained_after_a_fresh_open(published, machines):
    ws = model.open_workspace(published)  # nothing cached: a new process would do the same
    proto = ws.prototype(SPRINT, NAME)
    row_id = off_deck_row(proto)
    explanation = ws.explain(SPRINT, NAME, row_id)
    assert explanation["precomputed"] is True
    assert explanation["explainer"] == proto.meta["explainer"]
    total = explanation["base_value"] + sum(explanation["contributions"].values())
    X, y = machines
    row = X[X.index.astype(str) == row_id]
    expected = ScoreClassifier().fit(X, y).predict_proba(row)[0, 1]
    assert total == pytest.approx(expected, abs=1e-6)
    assert explanation["output"] == pytest.approx(expected, abs=1e-6)
    assert not (proto.path / "shap-ondemand.parquet").exists()  # read, not computed


def test_a_loadable_model_keeps_its_deck_and_records_nothing_untrusted(tmp_path, machines):
    X, y = machines
    proto = model.open_workspace(tmp_path).publish(
        SPRINT, "logistic", LogisticRegression(max_iter=500).fit(X, y), X, y, deck_size=DECK
    )
    assert proto.meta["model_untrusted_types"] == []
    assert int(proto.precomputed().sum()) == DECK
    assert own_case.own_case_refusal(proto) is None


def test_a_function_the_quick_look_misses_still_explains_every_row(tmp_path, machines):
    # operator.methodcaller is not a class nor a plain function: only the saved file shows it.
    X, y = machines
    rounded = FunctionTransformer(operator.methodcaller("round", 1))
    pipeline = Pipeline([("round", rounded), ("model", LogisticRegression(max_iter=500))])
    assert persistence.untrusted_parts(pipeline.fit(X, y)) == []
    proto = model.open_workspace(tmp_path).publish(
        SPRINT, "methodcaller", pipeline, X, y, deck_size=DECK
    )
    assert proto.meta["model_untrusted_types"] == ["operator.methodcaller"]
    assert proto.precomputed().all()
    shap = proto.shap_values()
    total = proto.base_value() + shap.sum(axis=1)
    np.testing.assert_allclose(total, proto.predictions().loc[shap.index, "p:1"], atol=1e-6)


def test_rows_beyond_the_cap_are_refused_in_one_line(tmp_path, machines, monkeypatch):
    monkeypatch.setattr(deck_module, "UNLOADABLE_DECK_ROWS", 100)
    X, y = machines
    ws = model.open_workspace(tmp_path)
    proto = ws.publish(SPRINT, NAME, ScoreClassifier().fit(X, y), X, y, deck_size=DECK)
    assert proto.meta["deck"]["precomputed"] == 100 and int(proto.precomputed().sum()) == 100
    assert (
        "No other row can be explained: the model cannot be loaded back"
        in (proto.meta["deck"]["rule"])
    )
    beyond = str(proto.precomputed().index[~proto.precomputed().to_numpy()][0])
    with pytest.raises(model.WorkspaceError) as raised:
        ws.explain(SPRINT, NAME, beyond)
    assert str(raised.value) == (
        f"row {beyond!r} is not among the 100 of 240 rows explained when publishing, and "
        "hand-written's model cannot be loaded back to explain it: its class ScoreClassifier is "
        "not one the app may load from a file (a file from outside must not run code); publish "
        "it again with deck_size=None (--deck-size all) to explain every row, or publish a "
        "scikit-learn, XGBoost, LightGBM or CatBoost model, or a scikit-learn Pipeline of them"
        " (a FunctionTransformer with a NumPy function such as np.log1p, not one of your own)"
    )
    assert not (proto.path / "shap-ondemand.parquet").exists()
    assert proto.meta["deck"]["later"] is False
    assert predictions_table.precomputed_caption(100, 240, proto.meta["deck"]) == (
        "100 of 240 rows were explained when publishing (ticked under Ready). No other row can "
        "be explained: the model cannot be loaded back from its file."
    )


def test_a_deck_size_of_every_row_is_kept_beyond_the_cap(tmp_path, machines, monkeypatch):
    monkeypatch.setattr(deck_module, "UNLOADABLE_DECK_ROWS", 100)
    X, y = machines
    proto = model.open_workspace(tmp_path).publish(
        SPRINT, NAME, ScoreClassifier().fit(X, y), X, y, deck_size=None
    )
    assert proto.precomputed().all()


def test_the_own_case_is_refused_in_one_line_naming_the_class_and_what_to_do(published):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    assert own_case.own_case_refusal(proto) == REFUSAL
    case = {f["name"]: f["default"] for f in own_case.input_schema(proto)}
    with pytest.raises(ValueError) as raised:
        own_case.explain_own_case(proto, case)
    assert str(raised.value) == REFUSAL
    with pytest.raises(ValueError, match="^Try your own case is not available"):
        own_case.what_if(proto, case, NUMERIC[0])


# -- the pages ----------------------------------------------------------------------------------
def test_the_sprint_demo_shows_an_off_deck_row_from_stored_values(published, monkeypatch):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    row_id = off_deck_row(proto)
    at = open_link(monkeypatch, published, "sprint_demo", sprint=SPRINT, row=row_id)
    assert not at.exception, at.exception[0].message
    assert not at.error
    assert any(s.value.startswith(f"Row {row_id}: ") for s in at.subheader)
    assert len(at.get("vega_lite_chart")) >= 2  # the importance and the row's waterfall


def test_the_sme_review_shows_the_row_and_the_own_case_line(published, monkeypatch):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    row_id = off_deck_row(proto)
    at = open_link(monkeypatch, published, "sme_review", sprint=SPRINT, reviewer="zoe", row=row_id)
    assert not at.exception, at.exception[0].message
    assert not at.error
    assert at.session_state["review_card"]["row_id"] == row_id
    assert len(at.get("vega_lite_chart")) == 1  # the card's waterfall
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    assert not at.exception and not at.error
    assert REFUSAL in [i.value.replace("\\", "") for i in at.info]  # markdown escapes off
    assert not [w for w in at.number_input if str(w.key).startswith("own_field_")]


def test_the_technical_details_say_the_model_cannot_be_loaded_back(published):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    (line,) = [line for line in explanations.technical_details(proto.meta) if "loaded back" in line]
    assert line.startswith("The model cannot be loaded back from its file (")
    assert "ScoreClassifier is not among the types the app may load" in line
    loadable = {**proto.meta, "model_untrusted_types": []}
    assert not [line for line in explanations.technical_details(loadable) if "loaded" in line]


def test_the_saved_file_names_exactly_the_types_loading_refuses(machines):
    X, y = machines
    duck = persistence.dumps(ScoreClassifier().fit(X, y))
    assert [n.rsplit(".", 1)[-1] for n in persistence.untrusted_types(duck)] == ["ScoreClassifier"]
    with pytest.raises(persistence.ModelFileError, match="not trusted: .*ScoreClassifier"):
        persistence.loads(duck)
    linear = persistence.dumps(LogisticRegression(max_iter=500).fit(X, y))
    assert persistence.untrusted_types(linear) == []
    persistence.loads(linear)  # what the list says loads, loads
