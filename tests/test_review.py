"""SME review without Streamlit: queues, percentiles, reasons in words, and own cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

import feedback_store
import model
from model.config import DEMO_DATA_FILE
from model.review import (
    PrototypeChanged,
    earlier_verdicts,
    explain_own_case,
    feature_percentiles,
    input_schema,
    reason_sentences,
    record_dispute,
    record_verdict,
    review_queue,
    reviewed_rows,
    shown_version,
)
from model.workspace import Prototype

SENSORS = ["Air temperature [K]", "Rotational speed [rpm]", "Torque [Nm]", "Tool wear [min]"]


def fake_proto(tmp_path, predictions, task="binary", features=None, name="p"):
    """A prototype folder holding only the given predictions (and features)."""
    folder = tmp_path / name
    folder.mkdir()
    frame = pd.DataFrame(predictions)
    frame.index = pd.Index([str(i) for i in frame.index], name="row_id")
    frame.to_parquet(folder / "predictions.parquet")
    if features is None:
        features = pd.DataFrame({"x": np.arange(len(frame), dtype=float)}, index=frame.index)
    features.to_parquet(folder / "features.parquet")
    meta = {"task": task, "classes": [] if task == "regression" else ["0", "1"],
            "features": list(features.columns), "categorical": {}}  # fmt: skip
    return Prototype("S", name, folder, meta)


def binary(tmp_path, confidence, predicted=None, name="p"):
    predicted = predicted or ["0"] * len(confidence)
    index = list("abcdefghij"[: len(confidence)])
    frame = pd.DataFrame({"predicted": predicted, "confidence": confidence}, index=index)
    return fake_proto(tmp_path, frame, name=name)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A workspace with a multiclass (S1) and a regression prototype (S2) on 40 demo rows."""
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    demo, train = data.iloc[:40], data.iloc[40:1040]
    ws = model.open_workspace(tmp_path_factory.mktemp("tiny") / "ws")
    classifier = LogisticRegression(max_iter=500).fit(train[SENSORS], train["Type"])
    ws.publish("S1", "type", classifier, demo[SENSORS], demo["Type"])
    regressor = LinearRegression().fit(train[SENSORS[:2]], train["Torque [Nm]"])
    ws.publish("S2", "torque", regressor, demo[SENSORS[:2]], demo["Torque [Nm]"])
    return ws


# -- queues -------------------------------------------------------------------------------------
def test_least_confident_puts_the_lowest_confidence_first_ties_in_row_order(tmp_path):
    proto = binary(tmp_path, [0.9, 0.55, 0.7, 0.55])
    assert review_queue(proto, "least confident") == ["b", "d", "c", "a"]


def test_every_queue_but_by_id_leaves_out_reviewed_rows(tmp_path):
    proto = binary(tmp_path, [0.9, 0.55, 0.7, 0.55], ["0", "1", "0", "1"])
    other = {"q": pd.DataFrame({"predicted": ["1", "1", "1", "1"]}, index=list("abcd"))}
    for kind in ("least confident", "disagreement", "stratified sample", "not yet reviewed by me"):
        queue = review_queue(proto, kind, reviewer="ana", reviewed={"a", "b"},
                             other_predictions=other)  # fmt: skip
        assert "a" not in queue and "b" not in queue, kind
    assert review_queue(proto, "by id", reviewed={"a"}, row_id="a") == ["a"]


def test_not_yet_reviewed_by_me_is_least_confident_first_and_needs_a_reviewer(tmp_path):
    proto = binary(tmp_path, [0.9, 0.55, 0.7, 0.6])
    queue = review_queue(proto, "not yet reviewed by me", reviewer="ana", reviewed={"b"})
    assert queue == ["d", "c", "a"]
    with pytest.raises(ValueError, match="needs reviewer"):
        review_queue(proto, "not yet reviewed by me", reviewed={"b"})


def test_disagreement_lists_rows_the_prototypes_predict_differently_most_split_first(tmp_path):
    proto = binary(tmp_path, [0.6, 0.9, 0.8, 0.7, 0.99], ["1", "1", "1", "0", "0"])
    others = {
        "q": pd.DataFrame({"predicted": ["0", "1", "0", "0", "1"]}, index=list("abcde")),
        "r": pd.DataFrame({"predicted": ["0", "1", "1", "1"]}, index=list("abcd")),
    }
    # e: 0/1 (r lacks it) splits half; a: 1/0/0, c: 1/0/1, d: 0/0/1 a third; b agrees.
    queue = review_queue(proto, "disagreement", other_predictions=others)
    assert queue == ["e", "a", "d", "c"]


def test_disagreement_needs_the_other_prototypes_predictions(tmp_path):
    proto = binary(tmp_path, [0.6, 0.9])
    with pytest.raises(ValueError, match="needs the other prototypes' predictions"):
        review_queue(proto, "disagreement")


def test_stratified_sample_takes_the_classes_in_turn_rarest_first(tmp_path):
    predicted = ["0"] * 8 + ["1"] * 2
    proto = binary(tmp_path, [0.8] * 10, predicted)
    queue = review_queue(proto, "stratified sample", seed=3)
    labels = proto.predictions().loc[queue, "predicted"].tolist()
    assert labels[:4] == ["1", "0", "1", "0"] and labels[4:] == ["0"] * 6
    assert sorted(queue) == sorted(proto.predictions().index)


def test_stratified_sample_is_the_same_for_the_same_seed_and_differs_for_another(tmp_path):
    proto = binary(tmp_path, [0.8] * 10, ["0", "1"] * 5)
    first = review_queue(proto, "stratified sample", seed=1)
    assert review_queue(proto, "stratified sample", seed=1) == first
    assert review_queue(proto, "stratified sample", seed=2) != first


def test_size_keeps_the_first_rows_of_the_queue(tmp_path):
    proto = binary(tmp_path, [0.9, 0.55, 0.7])
    assert review_queue(proto, "least confident", size=2) == ["b", "c"]


def test_by_id_returns_the_row_and_refuses_an_unknown_one(tmp_path):
    proto = binary(tmp_path, [0.9, 0.55])
    assert review_queue(proto, "by id", row_id=" b ") == ["b"]
    with pytest.raises(ValueError, match="row 'zz' is not among the 2 demo rows of p"):
        review_queue(proto, "by id", row_id="zz")
    with pytest.raises(ValueError, match="needs row_id"):
        review_queue(proto, "by id")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "random"}, "unknown review queue 'random'; choose one of least confident"),
        ({"kind": "least confident", "size": 0}, "size must be a whole number"),
        ({"kind": "least confident", "reviewed": "a"}, "reviewed must be a set of row ids"),
    ],
)
def test_bad_queue_requests_are_refused_with_a_clear_message(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        review_queue(binary(tmp_path, [0.9]), **kwargs)


def test_regression_least_confident_means_largest_error_first(tmp_path):
    frame = pd.DataFrame({"predicted": [1.0, 2.0, 3.0], "actual": [1.5, 0.0, 3.1]})
    frame["error"] = frame["predicted"] - frame["actual"]
    proto = fake_proto(tmp_path, frame, task="regression")
    assert review_queue(proto, "least confident") == ["1", "0", "2"]


def test_regression_without_labels_is_a_seeded_random_order(tmp_path):
    proto = fake_proto(tmp_path, {"predicted": np.arange(8.0)}, task="regression")
    queue = review_queue(proto, "least confident", seed=5)
    assert sorted(queue) == [str(i) for i in range(8)]
    assert review_queue(proto, "least confident", seed=5) == queue


def test_regression_disagreement_orders_rows_by_the_spread_of_predictions(tmp_path):
    proto = fake_proto(tmp_path, {"predicted": [1.0, 2.0, 3.0]}, task="regression")
    other = {"q": pd.DataFrame({"predicted": [1.5, 2.0, 9.0]}, index=["0", "1", "2"])}
    assert review_queue(proto, "disagreement", other_predictions=other) == ["2", "0", "1"]


def test_queues_work_on_a_published_prototype(small_workspace):
    ws = model.open_workspace(small_workspace)
    proto = ws.prototype("Sprint 2", "random forest")
    others = {n: ws.prototype("Sprint 2", n).predictions() for n in ("physics rules",)}
    queue = review_queue(proto, "disagreement", other_predictions=others, size=5)
    table = pd.DataFrame({"rf": proto.predictions()["predicted"], **{
        n: f["predicted"] for n, f in others.items()}}).loc[queue]  # fmt: skip
    assert len(queue) == 5 and (table["rf"] != table["physics rules"]).all()
    predicted = proto.predictions()["predicted"]
    rare = predicted.value_counts().idxmin()
    sample = review_queue(proto, "stratified sample", size=6)
    assert (predicted[sample] == rare).sum() == min(3, (predicted == rare).sum())


def no_reading(monkeypatch, *names: str) -> None:
    """Make reading these Prototype tables fail: the caller said it has them."""
    for name in names:

        def refuse(self, _name=name):
            raise AssertionError(f"Prototype.{_name} was read")

        monkeypatch.setattr(Prototype, name, refuse)


@pytest.mark.parametrize(
    "kind", ["least confident", "stratified sample", "not yet reviewed by me", "disagreement"]
)
def test_a_queue_on_predictions_given_is_the_queue_read_and_changes_them_not(
    small_workspace, monkeypatch, kind
):
    ws = model.open_workspace(small_workspace)
    proto = ws.prototype("Sprint 2", "random forest")
    others = {"physics rules": ws.prototype("Sprint 2", "physics rules").predictions()}
    options = dict(reviewer="ana", reviewed={"1", "2"}, other_predictions=others, seed=4)
    expected = review_queue(proto, kind, **options)
    given = proto.predictions()
    before = given.copy()
    no_reading(monkeypatch, "predictions")
    assert review_queue(proto, kind, **options, predictions=given) == expected
    assert review_queue(proto, kind, **options, predictions=given, size=7) == expected[:7]
    assert given.equals(before) and given.index.equals(before.index)


def test_a_stratified_sample_takes_the_classes_in_turn_in_a_seeded_shuffle(tmp_path):
    """Every class's rows in a shuffle of their own; turn by turn, the rarest class first."""
    predicted = ["0"] * 5 + ["1"] * 3 + ["2"] * 2
    proto = binary(tmp_path, [0.8] * 10, predicted)
    queue = review_queue(proto, "stratified sample", seed=11)
    labels = proto.predictions().loc[queue, "predicted"].tolist()
    assert labels == ["2", "1", "0", "2", "1", "0", "1", "0", "0", "0"]
    rng = np.random.default_rng(11)
    rows = {label: [r for r, p in zip("abcdefghij", predicted, strict=True) if p == label]
            for label in ("2", "1", "0")}  # fmt: skip
    shuffled = {label: [ids[i] for i in rng.permutation(len(ids))] for label, ids in rows.items()}
    for ids in shuffled.values():
        assert [r for r in queue if r in ids] == ids


# -- percentiles and reasons --------------------------------------------------------------------
def test_feature_percentiles_are_the_shares_strictly_below_or_above_so_the_words_hold():
    """Counting half the ties said "higher than 92%" where 89.3% were lower (5.5% equal)."""
    frame = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0], "kind": list("abab")}, index=list("wxyz"))
    assert feature_percentiles(frame, {"x": 2.0, "kind": "a"}) == {"x": 50.0}
    assert feature_percentiles(frame, {"x": 3.5}) == {"x": 100.0}
    assert feature_percentiles(frame, "w") == {"x": 25.0}  # 3 of 4 are higher: not 87.5%
    tied = pd.DataFrame({"x": [1.0] * 893 + [2.0] * 55 + [3.0] * 52})
    (share,) = feature_percentiles(tied, {"x": 2.0}).values()
    assert share == pytest.approx(89.3)  # "higher than 89%", as 893 of 1,000 are


def test_feature_percentiles_refuse_an_unknown_row_id():
    with pytest.raises(ValueError, match="row 'nope' is not in the demo data"):
        feature_percentiles(pd.DataFrame({"x": [1.0]}, index=["a"]), "nope")


EXPLANATION = {
    "output": 0.45,
    "base_value": 0.05,
    "contributions": {"Torque [Nm]": 0.31, "Tool wear [min]": -0.04, "Type": 0.08,
                      "Air temperature [K]": 0.004},
    "explained_class": "1",
    "unit": "probability",
    "feature_values": {"Torque [Nm]": 65.2, "Tool wear [min]": 12, "Type": "L",
                       "Air temperature [K]": 300.0},
    "predicted": "0",
}  # fmt: skip
PERCENTILES = {"Torque [Nm]": 95.4, "Tool wear [min]": 9.6, "Air temperature [K]": 50.0}


def test_reasons_name_the_biggest_contributions_in_plain_words():
    sentences = reason_sentences(EXPLANATION, PERCENTILES, "binary", "1", outcome="Failure risk",
                                 noun="machines")  # fmt: skip
    assert sentences == [
        "Failure risk is higher mainly because Torque [Nm] is 65.2, higher than 95% of"
        " machines (+31.0%).",
        "Failure risk is also higher because Type is L (+8.0%).",
        "Failure risk is lower because Tool wear [min] is 12, lower than 90% of machines (-4.0%).",
    ]


def test_a_free_text_reading_is_named_by_its_largest_words_not_its_whole_text():
    note = "the pump was leaking and noisy again after the seal was changed"
    explanation = {
        "contributions": {"note": -0.3, "hours": 0.01},
        "feature_values": {"note": note, "hours": 2.0},
        "explained_class": "1",
        "words": [
            {"column": "note", "word": "seal", "contribution": 0.02},
            {"column": "note", "word": "leaking", "contribution": -0.2},
            {"column": "note", "word": "noisy", "contribution": -0.12},
            {"column": "note", "word": "again", "contribution": -0.05},
        ],
    }
    (sentence, *_) = reason_sentences(explanation, {}, "binary", "1")
    assert sentence == (
        'The chance of "1" is lower mainly because note has the words “leaking”, “noisy” and '
        "“again” (-30.0%)."
    )
    without = reason_sentences({**explanation, "words": None}, {}, "binary", "1")
    assert note in without[0]  # no words given: the reading's value, as before


def test_a_word_that_pushed_the_other_way_is_never_given_as_the_reason():
    """'higher mainly because message has the words “card”, “damaged” and “late”', where
    “damaged” and “late” pushed the chance of Billing down."""
    explanation = {
        "contributions": {"message": 0.214},
        "feature_values": {"message": "thanks card urgent please late damaged card"},
        "explained_class": "Billing",
        "words": [
            {"column": "message", "word": "card", "contribution": 0.585},
            {"column": "message", "word": "damaged", "contribution": -0.169},
            {"column": "message", "word": "late", "contribution": -0.161},
            {"column": "message", "word": "please", "contribution": -0.042},
        ],
    }
    (sentence,) = reason_sentences(explanation, {}, "multiclass", None)
    assert sentence == (
        'The chance of "Billing" is higher mainly because message has the word “card”, despite '
        "“damaged” and “late” (+21.4%)."
    )
    # The other way round: the words that push it down, and the one against.
    lower = {**explanation, "contributions": {"message": -0.05}}
    (sentence,) = reason_sentences(lower, {}, "multiclass", None)
    assert "message has the words “damaged” and “late”, despite “card” (-5.0%)" in sentence
    only_up = {**explanation, "words": explanation["words"][:1]}
    (sentence,) = reason_sentences({**only_up, "contributions": {"message": -0.05}}, {},
                                   "multiclass", None)  # fmt: skip
    assert "lower mainly because of the text in message as a whole (-5.0%)" in sentence


def test_reasons_skip_contributions_under_half_a_point_and_stop_at_max_reasons():
    small = EXPLANATION | {"contributions": {"Torque [Nm]": 0.31, "Air temperature [K]": 0.004}}
    assert len(reason_sentences(small, PERCENTILES, "binary", "1")) == 1
    assert len(reason_sentences(EXPLANATION, PERCENTILES, "binary", "1", max_reasons=2)) == 2


def test_reasons_default_to_the_probability_of_the_explained_class():
    multiclass = EXPLANATION | {"explained_class": "M"}
    first = reason_sentences(multiclass, PERCENTILES, "multiclass", None, max_reasons=1)[0]
    assert first.startswith('The chance of "M" is higher mainly because Torque [Nm]')


def test_a_contribution_is_given_in_percent_as_the_waterfall_shows_it():
    from ui.explanations import contribution_text

    explanation = EXPLANATION | {"contributions": {"Type": -0.011}}
    assert reason_sentences(explanation, {}, "binary", "1")[0].endswith("(-1.1%).")
    for value in (-0.016, 0.314, 0.0449):  # the bar's own label beside the sentence
        shown = contribution_text(value, "probability")
        one = EXPLANATION | {"contributions": {"Type": value}}
        assert reason_sentences(one, {}, "binary", "1")[0].endswith(f"({shown}).")
    small = EXPLANATION | {"contributions": {"Type": 0.006}}
    assert reason_sentences(small, {}, "binary", "1")[0].endswith("(+0.6%).")


def test_a_middling_value_is_called_typical():
    explanation = EXPLANATION | {"contributions": {"Air temperature [K]": 0.02}}
    (sentence,) = reason_sentences(explanation, PERCENTILES, "binary", "1", noun="machines")
    assert "Air temperature [K] is 300, a typical value among machines (+2.0%)" in sentence


def test_regression_reasons_say_by_how_much_in_the_target_units():
    explanation = {"output": 50.0, "base_value": 40.0, "unit": "value", "explained_class": None,
                   "contributions": {"Rotational speed [rpm]": -4.2, "Air temperature [K]": 0.1},
                   "feature_values": {"Rotational speed [rpm]": 1900,
                                      "Air temperature [K]": 300.0}}  # fmt: skip
    sentences = reason_sentences(explanation, {"Rotational speed [rpm]": 97.0}, "regression",
                                 None, noun="machines", output_range=60.0)  # fmt: skip
    assert sentences == [
        "The prediction is lower by 4.2 mainly because Rotational speed [rpm] is 1900, higher"
        " than 97% of machines."
    ]


def test_reasons_refuse_an_unknown_task():
    with pytest.raises(ValueError, match="task must be one of binary, multiclass, regression"):
        reason_sentences(EXPLANATION, PERCENTILES, "ranking", "1")


def test_reasons_for_a_stored_explanation_are_in_the_order_of_its_contributions(small_workspace):
    ws = model.open_workspace(small_workspace)
    proto = ws.prototype("Sprint 2", "random forest")
    row_id = review_queue(proto, "least confident")[0]
    explanation = ws.explain("Sprint 2", "random forest", row_id)
    sentences = reason_sentences(explanation, feature_percentiles(proto.features(), row_id),
                                 proto.task, proto.meta["positive_class"])  # fmt: skip
    biggest = max(explanation["contributions"].items(), key=lambda item: abs(item[1]))[0]
    assert sentences and f"because {biggest} is" in sentences[0]


# -- own cases ----------------------------------------------------------------------------------
def test_input_schema_describes_each_feature_from_the_demo_data(small_workspace):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    schema = {field["name"]: field for field in input_schema(proto)}
    data = proto.features()
    assert list(schema) == proto.meta["features"]
    assert schema["Type"]["kind"] == "categorical"
    assert schema["Type"]["categories"] == ["H", "L", "M"]
    torque = schema["Torque [Nm]"]
    assert (torque["kind"], torque["min"], torque["max"]) == (
        "numeric", data["Torque [Nm]"].min(), data["Torque [Nm]"].max(),
    )  # fmt: skip
    assert torque["median"] == data["Torque [Nm]"].median() and not torque["integer"]
    assert schema["Tool wear [min]"]["integer"]


def test_input_schema_of_the_features_given_is_the_schema_read(small_workspace, monkeypatch):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    expected, given = input_schema(proto), proto.features()
    no_reading(monkeypatch, "features")
    assert input_schema(proto, features=given) == expected


def test_an_own_case_with_a_demo_rows_values_gets_the_published_explanation(small_workspace):
    ws = model.open_workspace(small_workspace)
    proto = ws.prototype("Sprint 2", "logistic regression")
    row_id = proto.features().index[3]
    stored = ws.explain("Sprint 2", "logistic regression", row_id)
    own = explain_own_case(proto, stored["feature_values"])
    assert own["predicted"] == stored["predicted"]
    assert own["base_value"] == pytest.approx(stored["base_value"], abs=1e-9)
    for feature, value in stored["contributions"].items():
        # Stored values are float32 (about 7 significant digits); own cases are computed anew.
        assert own["contributions"][feature] == pytest.approx(value, rel=1e-6, abs=1e-7)
    assert own["row_id"] == feedback_store.own_case_id(stored["feature_values"])


def test_an_own_case_explanation_adds_up_to_the_models_probability(small_workspace):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    case = {field["name"]: field["default"] for field in input_schema(proto)}
    case["Tool wear [min]"] = 230
    own = explain_own_case(proto, case)
    total = own["base_value"] + sum(own["contributions"].values())
    assert total == pytest.approx(own["output"], abs=1e-6)
    assert own["output"] == pytest.approx(own["probabilities"]["1"], abs=1e-6)
    assert own["confidence"] == own["probabilities"][own["predicted"]]
    assert (own["unit"], own["explained_class"]) == ("probability", "1")
    json.dumps(own)  # plain values, ready for a prediction snapshot


def test_an_own_case_can_be_recorded_as_a_verdict(small_workspace, tmp_path):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    own = explain_own_case(proto, {f["name"]: f["default"] for f in input_schema(proto)})
    store = feedback_store.open(tmp_path)
    store.record(sprint="Sprint 2", prototype="random forest", row_id=own["row_id"],
                 reviewer="ana", verdict="correct", features=own["feature_values"],
                 prediction={"label": own["predicted"], "confidence": own["confidence"]},
                 source="own", task=proto.task)  # fmt: skip
    assert store.verdicts()["source"].tolist() == ["own"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # beyond the demo data's range is explained (6b2d924); beyond what a model reads is not
        ({"Torque [Nm]": 1e39}, r"Torque \[Nm\] must be a number between -3.4e\+38 and 3.4e\+38"),
        ({"Torque [Nm]": float("inf")}, r"Torque \[Nm\] must be a finite number"),
        ({"Torque [Nm]": "lots"}, r"Torque \[Nm\] must be a number, got 'lots'"),
        ({"Type": "X"}, "Type must be one of H, L, M; got 'X'"),
        ({"Colour": "red"}, "unknown feature 'Colour'"),
        ({"Type": None}, "enter a value for Type"),
    ],
)
def test_own_case_values_are_checked_against_the_demo_data(small_workspace, change, message):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    case = {field["name"]: field["default"] for field in input_schema(proto)}
    with pytest.raises(ValueError, match=message):
        explain_own_case(proto, case | change)


def test_a_fraction_in_a_whole_number_column_reaches_the_model_as_typed(small_workspace):
    proto = model.open_workspace(small_workspace).prototype("Sprint 1", "tool-wear rule")
    case = {field["name"]: field["default"] for field in input_schema(proto)}
    below = explain_own_case(proto, case | {"Tool wear [min]": 199.5})
    at = explain_own_case(proto, case | {"Tool wear [min]": 200.0})
    assert (below["predicted"], at["predicted"]) == ("0", "1")
    assert at["feature_values"]["Tool wear [min]"] == 200
    assert isinstance(at["feature_values"]["Tool wear [min]"], int)


def test_a_multiclass_own_case_explains_the_predicted_class(tiny):
    proto = tiny.prototype("S1", "type")
    row_id = proto.features().index[0]
    stored = tiny.explain("S1", "type", row_id)
    own = explain_own_case(proto, stored["feature_values"])
    assert own["explained_class"] == own["predicted"] == stored["predicted"]
    assert own["output"] == pytest.approx(own["probabilities"][own["predicted"]], abs=1e-6)
    assert own["output"] == pytest.approx(stored["output"], abs=1e-6)
    other = next(c for c in proto.meta["classes"] if c != own["predicted"])
    assert explain_own_case(proto, stored["feature_values"], other)["explained_class"] == other


def test_a_regression_own_case_is_explained_in_the_targets_units(tiny):
    proto = tiny.prototype("S2", "torque")
    case = {field["name"]: field["median"] for field in input_schema(proto)}
    own = explain_own_case(proto, case)
    assert own["unit"] == "value" and own["confidence"] is None
    assert own["base_value"] + sum(own["contributions"].values()) == pytest.approx(
        own["predicted"], abs=1e-6
    )


# -- verdicts bound to the version shown ---------------------------------------------------------


@pytest.fixture
def republishing(tmp_path):
    """A workspace with one prototype, and a way to publish it again."""
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    demo, train = data.iloc[:30], data.iloc[30:530]
    ws = model.open_workspace(tmp_path / "ws")

    def publish(max_iter: int = 500):
        classifier = LogisticRegression(max_iter=max_iter).fit(train[SENSORS], train["Type"])
        ws.publish("S1", "type", classifier, demo[SENSORS], demo["Type"])
        return ws.prototype("S1", "type")

    return ws, feedback_store.open(tmp_path / "ws"), publish


def other_class(proto, row_id="1") -> str:
    """A class of ``proto`` that is not what it predicts for ``row_id``: a right label."""
    predicted = str(proto.prediction(row_id)["predicted"])
    return next(c for c in proto.meta["classes"] if c != predicted)


def judge(store, ws, proto, shown, row_id="1", **extra):
    version, content = shown
    arguments = {"verdict": "wrong", "corrected_label": other_class(proto, row_id)}
    return record_verdict(
        store, ws, sprint="S1", prototype="type", version=version, content_id=content,
        row_id=row_id, reviewer="ana",
        prediction={"label": str(proto.prediction(row_id)["predicted"])}, **{**arguments, **extra},
    )  # fmt: skip


def test_a_verdict_is_checked_against_the_version_it_is_given_on(republishing):
    """Through the API a verdict took any label ("yes" for a model of H/L/M) and any row id,
    and one recorded without its prediction borrowed another version's as its label."""
    from feedback_store import InvalidVerdict

    ws, store, publish = republishing
    proto = publish()
    version = shown_version(proto)
    with pytest.raises(InvalidVerdict, match=r"^the corrected label 'yes' is not one of type's "):
        judge(store, ws, proto, version, corrected_label="yes")
    with pytest.raises(InvalidVerdict, match=r"^row 'NO-SUCH-ROW' is not among type's demo rows: "):
        record_verdict(store, ws, sprint="S1", prototype="type", version=version[0],
                       row_id="NO-SUCH-ROW", reviewer="ana", verdict="correct")  # fmt: skip
    assert store.verdicts().empty
    vid = record_verdict(store, ws, sprint="S1", prototype="type", version=version[0],
                         row_id="1", reviewer="ana", verdict="correct")  # fmt: skip
    shown = store.history(vid).iloc[-1]["prediction"]
    assert shown["label"] == str(proto.prediction("1")["predicted"])


def test_a_publish_while_a_verdict_reads_its_prediction_stores_nothing(republishing, monkeypatch):
    """A verdict without its prediction read it from the prototype's folder after the version
    check: a re-publish in between (7 of 33,643 verdicts in a two-process trial) stored the new
    version's prediction under the old version."""
    from model.prototype import Prototype

    ws, store, publish = republishing
    proto = publish()
    shown = shown_version(proto)
    read = Prototype.prediction

    def republished_meanwhile(self, row_id):
        monkeypatch.setattr(Prototype, "prediction", read)
        publish(max_iter=400)  # lands between the check and the read
        return read(ws.prototype("S1", "type"), row_id)

    monkeypatch.setattr(Prototype, "prediction", republished_meanwhile)
    with pytest.raises(PrototypeChanged, match=rf"you saw version {shown[0]}, it is now"):
        record_verdict(store, ws, sprint="S1", prototype="type", version=shown[0],
                       content_id=shown[1], row_id="1", reviewer="ana",
                       verdict="correct")  # fmt: skip
    assert store.verdicts(include_withdrawn=True).empty


def test_a_version_number_that_comes_back_does_not_carry_the_verdicts_of_the_one_lost(
    republishing,
):
    """The workspace's files restored from a backup (feedback.db kept, the SMEs' work) bring
    back an earlier version high-water mark, so a re-publish reuses number 2: the verdict
    given on the lost version 2 counted as given on the new one, whose model differs."""
    import shutil
    import warnings

    ws, store, publish = republishing
    publish()
    backup = ws.path.parent / "sprints-backup"
    shutil.copytree(ws.path / "sprints", backup)
    lost = publish(max_iter=400)
    judge(store, ws, lost, shown_version(lost))
    assert reviewed_rows(store, lost, "ana") == {"1"}
    shutil.rmtree(ws.path / "sprints")
    shutil.copytree(backup, ws.path / "sprints")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a model stopped early: another model, another content
        again = publish(max_iter=3)
    assert again.version == lost.version and again.content_id != lost.content_id
    assert reviewed_rows(store, again, "ana") == set()
    (earlier,) = earlier_verdicts(store, again, "1", "ana")
    assert earlier["text"].startswith(f"on an earlier publication of version {lost.version}: wrong")


def test_a_verdict_is_stored_with_the_version_the_form_showed(republishing):
    ws, store, publish = republishing
    proto = publish()
    vid = judge(store, ws, proto, shown_version(proto))
    stored = store.history(vid).iloc[-1]
    assert stored["prototype_version"] == proto.version
    assert stored["prototype_content"] == shown_version(proto)[1]


def test_a_submit_after_a_republish_is_refused_in_one_line_and_nothing_is_stored(republishing):
    ws, store, publish = republishing
    shown = shown_version(publish())
    proto = publish(max_iter=400)  # the scientist re-publishes while the SME types
    with pytest.raises(PrototypeChanged) as error:
        judge(store, ws, proto, shown)
    message = str(error.value)
    assert "re-published while you were reviewing" in message
    assert "your text is kept" in message and "submit again" in message
    assert f"you saw version {shown[0]}, it is now version {proto.version}" in message
    assert "\n" not in message
    with pytest.raises(PrototypeChanged):
        record_dispute(store, ws, sprint="S1", prototype="type", version=shown[0],
                       content_id=shown[1], row_id="1", reviewer="ana", feature="Torque [Nm]",
                       kind="too strong", shap_value=0.1)  # fmt: skip
    assert store.verdicts(include_withdrawn=True).empty and store.disputes().empty


def test_a_submit_on_a_prototype_removed_meanwhile_is_refused(republishing):
    ws, store, publish = republishing
    shown = shown_version(publish())
    ws.delete_prototype("S1", "type")
    with pytest.raises(PrototypeChanged, match="was removed while you were reviewing"):
        record_verdict(store, ws, sprint="S1", prototype="type", version=shown[0], row_id="1",
                       reviewer="ana", verdict="correct")  # fmt: skip
    assert store.verdicts().empty


def test_a_row_judged_on_version_one_is_not_yet_reviewed_on_version_two(republishing):
    ws, store, publish = republishing
    first = publish()
    judge(store, ws, first, shown_version(first))
    assert reviewed_rows(store, first, "ana") == {"1"}
    assert "1" not in review_queue(first, "not yet reviewed by me", "ana",
                                   reviewed=reviewed_rows(store, first, "ana"))  # fmt: skip
    second = publish(max_iter=400)
    assert reviewed_rows(store, second, "ana") == set()
    assert "1" in review_queue(second, "not yet reviewed by me", "ana",
                               reviewed=reviewed_rows(store, second, "ana"))  # fmt: skip


def test_earlier_verdicts_tell_what_the_reviewer_said_on_other_versions(republishing):
    ws, store, publish = republishing
    first = publish()
    judge(store, ws, first, shown_version(first))
    second = publish(max_iter=400)
    assert [v["text"] for v in earlier_verdicts(store, second, "1", "ana")] == [
        f"on version {first.version}: wrong (should be {other_class(first)})"
    ]
    judge(store, ws, second, shown_version(second), verdict="correct", corrected_label=None)
    assert earlier_verdicts(store, second, "1", "ana")[0]["prototype_version"] == first.version
    assert earlier_verdicts(store, second, "2", "ana") == []
    assert [v["verdict"] for v in earlier_verdicts(store, first, "1", "ana")] == ["correct"]


def test_estimated_reasons_whose_first_two_are_within_the_error_do_not_name_a_main_one():
    contributions = {"Torque [Nm]": 0.31, "Type": 0.29, "Tool wear [min]": -0.04}
    close = EXPLANATION | {"contributions": contributions}
    sentences = reason_sentences(close, PERCENTILES, "binary", "1", outcome="Failure risk",
                                 noun="machines", uncertainty=0.011)  # fmt: skip
    assert sentences[0] == (
        "Failure risk is higher because Torque [Nm] is 65.2, higher than 95% of machines (+31.0%)."
    )
    assert not any("mainly" in sentence for sentence in sentences)
    assert sentences[-1] == (
        "Which of the first two matters more is not known: they are within the error of these "
        "estimated values (± 1.1% each)."
    )
    assert len(sentences) == 4  # the three reasons, then the tie
    (one,) = reason_sentences(close, {}, "binary", "1", max_reasons=1, uncertainty=0.011)
    assert "mainly" not in one and "Torque [Nm]" in one  # one reason asked for: no claim either


def test_estimated_reasons_further_apart_than_the_error_keep_the_main_one():
    sentences = reason_sentences(EXPLANATION, PERCENTILES, "binary", "1", uncertainty=0.011)
    assert "mainly because Torque [Nm]" in sentences[0]
    assert sentences == reason_sentences(EXPLANATION, PERCENTILES, "binary", "1")
    close = EXPLANATION | {"contributions": {"Torque [Nm]": 0.31, "Type": 0.29}}
    assert "mainly" in reason_sentences(close, PERCENTILES, "binary", "1")[0]  # exact values


def test_a_tie_is_said_in_the_units_of_the_values():
    regression = {"output": 50.0, "base_value": 40.0, "unit": "value", "explained_class": None,
                  "contributions": {"a": 4.0, "b": -3.9},
                  "feature_values": {"a": 1, "b": 2}}  # fmt: skip
    sentences = reason_sentences(regression, {}, "regression", None, output_range=60.0,
                                 uncertainty=0.2)  # fmt: skip
    assert sentences[-1].endswith("(± 0.2 each).")
    contributions = {"Torque [Nm]": 1.2, "Type": 1.1}
    log_odds = EXPLANATION | {"unit": "log-odds", "contributions": contributions}
    sentences = reason_sentences(log_odds, {}, "binary", "1", uncertainty=0.08)
    assert sentences[-1].endswith("(± 0.08 on the model's score each).")


def test_a_tag_in_other_capitals_is_recorded_and_edited_in_the_spelling_already_used(
    republishing,
):
    """Through the API too, "Roulement" beside a stored "roulement" was a second tag."""
    from model.review_versions import edit_verdict

    ws, store, publish = republishing
    version, content = shown_version(publish())
    where = {"sprint": "S1", "prototype": "type", "version": version, "content_id": content}
    record_verdict(store, ws, **where, row_id="1", reviewer="ana", verdict="unsure",
                   tags=["roulement"])  # fmt: skip
    vid = record_verdict(store, ws, **where, row_id="2", reviewer="bo", verdict="unsure",
                         tags=[" Roulement", "ROULEMENT", "bruit", "Bruit"])  # fmt: skip
    assert store.history(vid).iloc[-1]["tags"] == ["roulement", "bruit"]
    edit_verdict(store, ws, vid, **where, reviewer="bo", tags=["BRUIT", "Roulement"])
    assert store.history(vid).iloc[-1]["tags"] == ["bruit", "roulement"]
    assert store.tags() == ["bruit", "roulement"]


def test_a_value_shown_with_its_unit_does_not_say_the_unit_twice():
    explanation = EXPLANATION | {
        "contributions": {"Torque [Nm]": 0.31, "Air temperature [K]": 0.02}
    }
    units = {
        "Torque [Nm]": "Nm",
        "Air temperature [K]": {"unit": "K", "also": "°C", "offset": -273.15},
    }
    sentence = " ".join(reason_sentences(explanation, PERCENTILES, "binary", "1", units=units))
    assert "Torque is 65.2 Nm, higher than 95% of" in sentence
    assert "Air temperature is 300.0 K (26.9 °C)" in sentence
    assert "[Nm]" not in sentence and "[K]" not in sentence


def test_a_right_value_far_outside_the_demo_set_is_refused_through_the_api(tmp_path):
    """The page refused "-20 min" as a regression's right value; record_verdict and
    edit_verdict took it, and it became the next model's training label."""
    from feedback_store import InvalidVerdict
    from model.review_versions import edit_verdict

    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    sensors = SENSORS[:3]
    demo, train = data.iloc[:40], data.iloc[40:540]
    ws = model.open_workspace(tmp_path / "ws")
    fitted = LinearRegression().fit(train[sensors], train["Tool wear [min]"])
    proto = ws.publish("S1", "wear", fitted, demo[sensors], demo["Tool wear [min]"])
    store = feedback_store.open(tmp_path / "ws")
    version, content = shown_version(proto)
    where = {"sprint": "S1", "prototype": "wear", "version": version, "content_id": content}
    seen = proto.predictions()[["actual", "predicted"]].stack()
    for typed in (-20, "9999999"):
        with pytest.raises(
            InvalidVerdict, match=r" min is far outside the values in the demo set \("
        ):
            record_verdict(store, ws, **where, row_id="1", reviewer="ana", verdict="wrong",
                           corrected_label=typed)  # fmt: skip
    assert store.verdicts().empty
    right = float(seen.max()) + 10  # above every value: stored once confirmed
    vid = record_verdict(store, ws, **where, row_id="1", reviewer="ana", verdict="wrong",
                         corrected_label=right, value_confirmed=True)  # fmt: skip
    with pytest.raises(InvalidVerdict, match=r"^-20 min is far outside"):
        edit_verdict(store, ws, vid, **where, reviewer="ana", corrected_label="-20")
    (stored,) = store.verdicts()["corrected_label"]
    assert float(stored) == pytest.approx(right)


def test_a_right_value_that_looks_like_a_slip_asks_to_be_confirmed(tmp_path):
    """'45360' typed for a house predicted at 625,655 (a digit dropped) was stored: the bounds
    of far_value_reason reach 0 whenever the values' spread exceeds the lowest. A value
    outside the demo set's values, or further from the prediction than any miss of the model,
    is now stored only once confirmed."""
    from model.review import UnusualValue, edit_verdict

    rng = np.random.default_rng(0)
    n = 80
    X = pd.DataFrame({"area": rng.uniform(500, 3000, n)}, index=[f"h{i}" for i in range(n)])
    y = pd.Series(X["area"] * 200 + 78_000 + rng.normal(0, 20_000, n), name="Price [USD]")
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S1", "ridge", LinearRegression().fit(X, y), X, y)
    store = feedback_store.open(tmp_path / "ws")
    version, content = shown_version(proto)
    where = {"sprint": "S1", "prototype": "ridge", "version": version, "content_id": content}
    predictions = proto.predictions()
    row = (predictions["predicted"] - predictions["predicted"].median()).abs().idxmin()
    predicted = float(predictions.loc[row, "predicted"])
    largest_miss = float((predictions["actual"] - predictions["predicted"]).abs().max())
    slip = round(predicted / 10)  # a digit dropped: inside [0, far bound], far from the rest
    with pytest.raises(UnusualValue) as caught:
        record_verdict(store, ws, **where, row_id=row, reviewer="ana", verdict="wrong",
                       corrected_label=slip)  # fmt: skip
    assert caught.value.reason.startswith(f"{slip:,} USD is below every value in the demo set")
    assert f"more than the model missed any demo row by (at most {largest_miss:,.0f} USD)" in (
        caught.value.reason
    )
    assert str(caught.value).endswith("; if it is right, record it with value_confirmed=True")
    assert store.verdicts().empty
    near = predicted + largest_miss / 2  # a correction within the model's misses: as it is
    vid = record_verdict(store, ws, **where, row_id=row, reviewer="ana", verdict="wrong",
                         corrected_label=near)  # fmt: skip
    with pytest.raises(UnusualValue):
        edit_verdict(store, ws, vid, **where, reviewer="ana", corrected_label=str(slip))
    edit_verdict(store, ws, vid, **where, reviewer="ana", corrected_label=str(slip),
                 value_confirmed=True)  # fmt: skip
    (stored,) = store.verdicts()["corrected_label"]
    assert float(stored) == slip


def test_a_regression_reason_says_its_unit_after_the_figure():
    """'The predicted Sale price [USD] is lower by 75,595 because …': the unit in the name,
    none after the figure."""
    from ui.review_card import reason_wording

    meta = {"task": "regression", "target": "Sale price [USD]"}
    outcome, noun = reason_wording(meta)
    assert outcome == "The predicted sale price"
    explanation = {"output": 500_000.0, "base_value": 575_595.0, "unit": "value",
                   "explained_class": None, "contributions": {"Area [m²]": -75_595.0},
                   "feature_values": {"Area [m²]": 61.0}}  # fmt: skip
    (sentence,) = reason_sentences(explanation, {}, "regression", None, outcome=outcome,
                                   noun=noun, target_unit="USD")  # fmt: skip
    assert (
        sentence
        == "The predicted sale price is lower by 75,595 USD mainly because Area [m²] is 61."
    )


def test_the_why_of_a_named_positive_class_says_its_name_not_the_target_column():
    """'The probability of churned is higher …' under 'churns predicted with 50% probability':
    the target column's name where the class was published with a name."""
    from ui.review_card import reason_wording

    meta = {"task": "binary", "target": "churned", "positive_class": "1",
            "class_names": {"1": "churns"}}  # fmt: skip
    outcome, noun = reason_wording(meta)
    assert outcome is None
    (sentence,) = reason_sentences(EXPLANATION | {"contributions": {"Type": 0.273}}, {},
                                   "binary", "1", outcome=outcome, noun=noun,
                                   class_names=meta["class_names"])  # fmt: skip
    assert sentence.startswith('The chance of "churns" is higher mainly because Type is ')
    unnamed = {**meta, "class_names": {}}
    assert reason_wording(unnamed)[0] == "The probability of churned"
