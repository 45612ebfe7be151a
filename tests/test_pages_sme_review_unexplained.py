"""A row a hand-written model's publish left unexplained (beyond the cap on rows explained up
front): the card still shows the prediction, the readings and the verdict form, and says in one
plain line why there is no explanation and what the data scientist can do."""

from __future__ import annotations

import shutil

import pytest
from conftest import open_link
from sklearn.linear_model import LogisticRegression
from test_pages_sme_review import card, fill, plain, submit
from test_publish_contract import NUMERIC, ScoreClassifier

import feedback_store
import model
from model import deck, on_demand
from model.demo import TARGET, load_demo_data
from ui import case_cutoff

SPRINT, NAME = "S1", "hand-written"
CAP, ROWS = 60, 200
NOTE = (
    f"There is no explanation for this row: publishing explained {CAP} of {ROWS} rows, and "
    f"{NAME}'s model cannot be loaded back to explain the others. To explain every row, the "
    "data scientist can publish it again with every row explained (deck_size=None, or "
    "--deck-size all), or publish a scikit-learn, XGBoost, LightGBM or CatBoost model, or a "
    "scikit-learn Pipeline of them (a FunctionTransformer with a NumPy function such as "
    "np.log1p, not one of your own)."
)


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().sample(ROWS, random_state=7)
    return data[NUMERIC], data[TARGET]


@pytest.fixture(scope="module")
def published(tmp_path_factory, machines):
    """The hand-written classifier, published asking for a 20-row deck: 60 of its 200 rows are
    explained (every row up to the cap)."""
    X, y = machines
    path = tmp_path_factory.mktemp("unexplained") / "ws"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deck, "UNLOADABLE_DECK_ROWS", CAP)
        model.open_workspace(path).publish(
            SPRINT, NAME, ScoreClassifier().fit(X, y), X, y, deck_size=20
        )
    return path


def proto_of(path):
    return model.open_workspace(path).prototype(SPRINT, NAME)


def beyond_the_cap(proto) -> str:
    precomputed = proto.precomputed()
    return str(precomputed.index[~precomputed.to_numpy()][0])


# -- the model's answer -------------------------------------------------------------------------
def test_a_row_beyond_the_cap_says_why_it_has_no_explanation(published):
    proto = proto_of(published)
    assert on_demand.unexplained_reason(proto, beyond_the_cap(proto)) == NOTE
    assert on_demand.unexplained_reason(proto, beyond_the_cap(proto), precomputed=False) == NOTE


def test_a_row_explained_when_publishing_has_no_reason(published):
    proto = proto_of(published)
    explained = str(proto.precomputed().index[proto.precomputed().to_numpy()][0])
    assert on_demand.unexplained_reason(proto, explained) is None


def test_a_loadable_model_s_rows_can_all_be_explained(tmp_path, machines):
    X, y = machines
    proto = model.open_workspace(tmp_path).publish(
        SPRINT, "logistic", LogisticRegression(max_iter=500).fit(X, y), X, y, deck_size=20
    )
    later = beyond_the_cap(proto)
    assert on_demand.unexplained_reason(proto, later) is None


def test_a_row_s_feature_values_are_read_without_an_explanation(published, machines):
    proto = proto_of(published)
    row_id = beyond_the_cap(proto)
    values = on_demand.feature_values(proto, row_id)
    X, _ = machines
    expected = X[X.index.astype(str) == row_id].iloc[0]
    assert values == pytest.approx(expected.to_dict())
    assert all(type(v) in (int, float) for v in values.values())  # storable as JSON


# -- the pages ----------------------------------------------------------------------------------
def open_card(monkeypatch, path, row_id):
    at = open_link(monkeypatch, path, "sme_review", sprint=SPRINT, reviewer="zoe", row=row_id)
    assert not at.exception, at.exception[0].message
    return at


def test_the_card_of_an_unexplained_row_shows_the_prediction_and_the_plain_note(
    published, monkeypatch
):
    proto = proto_of(published)
    row_id = beyond_the_cap(proto)
    at = open_card(monkeypatch, published, row_id)
    assert not at.error
    assert card(at)["row_id"] == row_id
    # the card's headline is the counts' decision at the cheapest cut-off (8e905cc)
    row = proto.predictions().loc[row_id]
    words = case_cutoff.case_headline(model.open_workspace(published), proto, row)
    assert words.startswith(("Flagged", "Not flagged"))
    assert plain(at.subheader[0].value) == words
    assert f"Row {row_id} · {NAME} · version 1" in [plain(c.value) for c in at.caption]
    assert NOTE in [plain(i.value) for i in at.info]
    assert not at.get("vega_lite_chart")  # no waterfall
    labels = [e.label for e in at.expander]
    assert not [label for label in labels if label.startswith("Right answer, wrong reason?")]
    assert "Technical details" in labels
    readings = at.dataframe[0].value
    assert len(readings) == len(NUMERIC)


def test_a_verdict_on_an_unexplained_row_is_stored_with_its_features(
    published, monkeypatch, tmp_path
):
    path = tmp_path / "ws"
    shutil.copytree(published, path)
    proto = proto_of(path)
    row_id = beyond_the_cap(proto)
    at = open_card(monkeypatch, path, row_id)
    submit(fill(at, "wrong", label="1", comment="worn, surely"))
    assert not at.exception and not at.error
    assert at.success[0].value.startswith(f"Saved “wrong” for row {row_id}.")
    (verdict,) = feedback_store.open(path).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["prototype"], verdict["row_id"], verdict["source"]) == (NAME, row_id, "demo")
    assert verdict["features"] == on_demand.feature_values(proto, row_id)
    assert verdict["prototype_version"] == proto.version == 1
    assert verdict["prototype_content"] == proto.content_id
    assert verdict["prediction"]["label"] == str(proto.prediction(row_id)["predicted"])


def test_an_explained_row_keeps_its_reasons_and_waterfall(published, monkeypatch):
    proto = proto_of(published)
    explained = str(proto.precomputed().index[proto.precomputed().to_numpy()][0])
    at = open_card(monkeypatch, published, explained)
    assert not at.error
    assert not [i for i in at.info if plain(i.value).startswith("There is no explanation")]
    assert len(at.get("vega_lite_chart")) == 1
    assert any(e.label.startswith("Right answer, wrong reason?") for e in at.expander)


def test_the_sprint_demo_says_the_same_for_an_unexplained_row(published, monkeypatch):
    proto = proto_of(published)
    row_id = beyond_the_cap(proto)
    at = open_link(monkeypatch, published, "sprint_demo", sprint=SPRINT, row=row_id)
    assert not at.exception, at.exception[0].message
    assert not at.error
    assert any(s.value.startswith(f"Row {row_id}: ") for s in at.subheader)
    assert NOTE in [plain(i.value) for i in at.info]
    assert "Feature values" in [e.label for e in at.expander]
