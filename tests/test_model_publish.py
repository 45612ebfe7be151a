"""Publishing: every task, every explainer path, additivity, atomicity, re-publishing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import model
from model.demo import FEATURES, TARGET, load_demo_data

NUMERIC = FEATURES[1:]


@pytest.fixture(scope="module")
def machines():
    """400 training and 150 demo rows of the real AI4I data, stratified by failure."""
    data = load_demo_data()
    failures = data[data[TARGET] == 1].sample(40, random_state=0)
    normal = data[data[TARGET] == 0].sample(510, random_state=0)
    rows = pd.concat([failures, normal]).sample(frac=1, random_state=1)
    train, demo = rows.iloc[:400], rows.iloc[400:]
    return train[FEATURES], train[TARGET], demo[FEATURES], demo[TARGET]


def one_hot_pipeline(final) -> Pipeline:
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), ["Type"]), ("num", "passthrough", NUMERIC)]
    )
    return Pipeline([("prep", prep), ("model", final)])


def assert_additive(proto: model.Prototype):
    predictions = proto.predictions()
    for label in proto.meta["explained_classes"]:
        shap_values = proto.shap_values(label)
        assert (shap_values.dtypes == np.float64).all()
        total = proto.base_value(label) + shap_values.astype(float).sum(axis=1)
        expected = predictions[f"p:{label}"] if label is not None else predictions["predicted"]
        # Checked within 1e-6 in float64 when publishing, and stored as float64.
        np.testing.assert_allclose(
            total.to_numpy(), expected.loc[total.index].to_numpy(), atol=1e-6, rtol=1e-6
        )


def test_random_forest_pipeline_uses_tree_explainer_and_sums_one_hot_back(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    rf = one_hot_pipeline(RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0))
    proto = model.open_workspace(tmp_path).publish("S1", "rf", rf.fit(X, y), X_demo, y_demo)
    assert proto.meta["explainer"] == "tree (path-dependent)"
    assert list(proto.shap_values().columns) == FEATURES  # "Type", never "cat__Type_L"
    assert proto.task == "binary" and proto.meta["explained_classes"] == ["1"]
    assert_additive(proto)


def test_gradient_boosting_gets_exact_probability_values_with_six_features_log_odds_beyond(
    machines,
):
    from model.tree_shap import _tree_or_linear

    X, y, X_demo, _ = machines
    gb = one_hot_pipeline(GradientBoostingClassifier(n_estimators=20, random_state=0)).fit(X, y)
    # six readings: no tree explainer, so the exact explainer gives probability values
    assert _tree_or_linear(gb, X_demo.iloc[:20], X_demo.iloc[:30], "binary", 2) is None
    wide = X.drop(columns="Type").assign(spare=X["Torque [Nm]"] * 2, other=1.0)
    gb = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(wide, y)
    rows = X_demo.drop(columns="Type").assign(spare=X_demo["Torque [Nm]"] * 2, other=1.0)
    _, _, name = _tree_or_linear(gb, rows.iloc[:20], rows.iloc[:30], "binary", 2)
    assert name == "tree (interventional, log-odds)"


def test_gradient_boosting_publishes_additive_values(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    gb = one_hot_pipeline(GradientBoostingClassifier(n_estimators=20, random_state=0))
    proto = model.open_workspace(tmp_path).publish("S1", "gb", gb.fit(X, y), X_demo, y_demo)
    assert proto.meta["max_additivity_error"] <= 1e-6
    assert_additive(proto)


def test_hist_gradient_boosting_with_six_features_gets_exact_probability_values(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    hgb = one_hot_pipeline(HistGradientBoostingClassifier(max_iter=20, random_state=0))
    proto = model.open_workspace(tmp_path).publish("S1", "hgb", hgb.fit(X, y), X_demo, y_demo)
    assert proto.meta["explainer_methods"] == {"exact (independent background)": len(X_demo)}
    assert proto.meta["unit"] == "probability"
    assert_additive(proto)


def test_native_categorical_hist_gradient_boosting_is_explained_exactly(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    X_cat = X.assign(Type=X["Type"].astype("category"))
    demo_cat = X_demo.assign(Type=pd.Categorical(X_demo["Type"], X_cat["Type"].cat.categories))
    hgb = HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype")
    proto = model.open_workspace(tmp_path).publish("S1", "hgb", hgb.fit(X_cat, y), demo_cat, y_demo)
    assert proto.meta["explainer"] == "exact (independent background)"
    assert_additive(proto)


def test_logistic_regression_is_explained_in_probability_units(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    lr = Pipeline(
        [
            (
                "prep",
                ColumnTransformer(
                    [("cat", OneHotEncoder(), ["Type"]), ("num", StandardScaler(), NUMERIC)]
                ),
            ),
            ("model", LogisticRegression(max_iter=500)),
        ]
    )
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S1", "lr", lr.fit(X, y), X_demo, y_demo)
    assert_additive(proto)
    explanation = ws.explain("S1", "lr", X_demo.index[0])
    assert explanation["unit"] == "probability"
    assert set(explanation) >= {"output", "base_value", "contributions", "explained_class", "unit"}
    assert explanation["output"] == pytest.approx(lr.predict_proba(X_demo.iloc[[0]])[0, 1])


def test_rule_model_follows_the_estimator_contract_and_publishes(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    rule = model.ToolWearRule(threshold=200).fit(X, y)
    assert rule.predict(X_demo).tolist() == (X_demo["Tool wear [min]"] >= 200).astype(int).tolist()
    proto = model.open_workspace(tmp_path).publish("S1", "rule", rule, X_demo, y_demo)
    assert_additive(proto)
    assert proto.shap_values()["Tool wear [min]"].abs().sum() > 0
    other = proto.shap_values().drop(columns="Tool wear [min]")
    assert np.allclose(other.to_numpy(), 0)  # the rule only looks at tool wear


def test_multiclass_stores_explanations_for_every_class(tmp_path):
    iris = load_iris(as_frame=True)
    X, y = iris.data, iris.target.map(dict(enumerate(iris.target_names)))
    lr = LogisticRegression(max_iter=500).fit(X, y)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S1", "iris", lr, X, y)
    assert proto.task == "multiclass"
    assert proto.meta["explained_classes"] == ["setosa", "versicolor", "virginica"]
    assert_additive(proto)
    assert "macro_f1" in proto.metrics and proto.headline[0] == "macro_f1"
    explanation = ws.explain("S1", "iris", "0")
    assert explanation["explained_class"] == "setosa"  # the predicted class by default


def test_regression_with_linear_and_tree_explainers(tmp_path):
    diabetes = load_diabetes(as_frame=True)
    X, y = diabetes.data.iloc[:300], diabetes.target.iloc[:300]
    ws = model.open_workspace(tmp_path)
    linear = ws.publish(
        "S1",
        "linear",
        Pipeline([("scale", StandardScaler()), ("model", LinearRegression())]).fit(X, y),
        X,
        y,
    )
    forest = ws.publish(
        "S1", "forest", RandomForestRegressor(n_estimators=10, random_state=0).fit(X, y), X, y
    )
    assert linear.meta["explainer"] == "linear"
    assert forest.meta["explainer"] == "tree (path-dependent)"
    for proto in (linear, forest):
        assert proto.task == "regression"
        assert {"rmse", "mae", "r2"} <= set(proto.metrics)
        assert_additive(proto)
    assert ws.explain("S1", "linear", "5")["unit"] == "value"


def test_task_override_to_regression_is_honoured(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    rf = one_hot_pipeline(RandomForestClassifier(n_estimators=5, random_state=0)).fit(X, y)
    with pytest.raises(model.PublishError, match="needs a classifier"):
        model.open_workspace(tmp_path).publish(
            "S1",
            "x",
            RandomForestRegressor(n_estimators=2).fit(X[NUMERIC], y),
            X_demo[NUMERIC],
            y_demo,
            task="binary",
        )
    proto = model.open_workspace(tmp_path).publish("S1", "rf", rf, X_demo, y_demo, task="binary")
    assert proto.task == "binary"


def test_publish_measures_costs(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    rule = model.ToolWearRule().fit(X, y)
    proto = model.open_workspace(tmp_path).publish(
        "S1", "rule", rule, X_demo, y_demo, train_seconds=1.5, effort_days=2
    )
    meta = proto.meta
    assert 0 < meta["latency_ms_per_1000_p50"] <= meta["latency_ms_per_1000_p95"]
    assert meta["model_size_bytes"] == (proto.path / "model.skops").stat().st_size
    assert meta["peak_memory_bytes"] > 0
    assert meta["train_seconds"] == 1.5 and meta["effort_days"] == 2


def test_republishing_replaces_the_prototype_as_a_new_version(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S1", "rule", model.ToolWearRule(threshold=200).fit(X, y), X_demo, y_demo)
    second = ws.publish("S1", "rule", model.ToolWearRule(threshold=150).fit(X, y), X_demo, y_demo)
    assert second.version == 2
    assert ws.prototypes("S1") == ["rule"]
    assert second.estimator().threshold == 150


def test_a_name_republished_for_another_question_is_refused(tmp_path, machines):
    """Its verdicts were given on what it predicted before: export-training credited a failure
    model's verdicts to the tool-wear regression re-published under its name."""
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    rule = model.ToolWearRule().fit(X, y)
    ws.publish("S1", "m", rule, X_demo, y_demo)
    wear = LinearRegression().fit(X[NUMERIC[:-1]], X["Tool wear [min]"])
    with pytest.raises(
        model.PublishError,
        match=r"^'m' in 'S1' predicts Machine failure \(two classes\) and this model Tool wear "
        r"\[min\] \(numbers\); its verdicts were given on the first: publish this model under "
        r"another name$",
    ):
        ws.publish("S1", "m", wear, X_demo[NUMERIC[:-1]], X_demo["Tool wear [min]"])
    hot = X_demo["Process temperature [K]"] > X_demo["Process temperature [K]"].median()
    with pytest.raises(model.PublishError, match=r"predicts Machine failure \(two classes\) "):
        ws.publish("S1", "m", rule, X_demo, hot.astype(int).rename("Overheating"))
    assert ws.prototype("S1", "m").version == 1
    # the same labels under another name are the same question
    assert ws.publish("S1", "m", rule, X_demo, y_demo.rename("failure")).version == 2


def test_a_model_in_other_labels_than_the_sprint_s_is_told_to_use_the_same(tmp_path, machines):
    """It was told to publish with positive_class='1', which its classes 'no', 'yes' refuse."""
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S1", "codes", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    words = {0: "no", 1: "yes"}
    with pytest.raises(
        model.PublishError,
        match=r"^'codes' in 'S1' predicts the labels '0', '1' and this model 'no', 'yes': the "
        r"Bake-off compares them on one; train it on y in the same labels, or publish it in "
        r"another sprint$",
    ):
        ws.publish("S1", "words", model.ToolWearRule().fit(X, y.map(words)), X_demo,
                   y_demo.map(words))  # fmt: skip


def test_failed_publish_leaves_nothing_behind(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S1", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    broken = model.ToolWearRule().fit(X, y)
    with pytest.raises(model.PublishError, match="expects columns"):
        ws.publish("S1", "rule", broken, X_demo.drop(columns="Tool wear [min]"), y_demo)
    with pytest.raises(model.PublishError):
        ws.publish("S1", "new one", broken, X_demo.drop(columns="Tool wear [min]"), y_demo)
    prototypes_dir = tmp_path / "sprints" / "S1" / "prototypes"
    assert sorted(p.name for p in prototypes_dir.iterdir()) == ["rule"]
    assert ws.prototype("S1", "rule").version == 1


def _ids(data, position: int, replacement):
    """``data`` with the row id at ``position`` replaced (a missing or blank id)."""
    ids = data.index.astype(object).tolist()
    ids[position] = replacement
    return data.set_axis(ids)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda X, y: (X.iloc[:0], y.iloc[:0]), "empty"),
        (
            lambda X, y: (pd.concat([X, X.iloc[:2]]), pd.concat([y, y.iloc[:2]])),
            "duplicate row ids",
        ),
        (lambda X, y: (X, y.where(y.index != y.index[0])), "missing values"),
        (
            lambda X, y: (_ids(X, 3, np.nan), _ids(y, 3, np.nan)),
            r"^row 4 of the data has no id in X's index; verdicts are stored by row id",
        ),
        (lambda X, y: (_ids(X, 0, " "), _ids(y, 0, " ")), r"^row 1 of the data has no id"),
        (
            lambda X, y: (
                X.set_axis(pd.MultiIndex.from_arrays([X["Type"], X.index], names=["type", None])),
                y,
            ),
            r"^the rows are indexed by 2 levels \(type\); a prototype needs one id per row",
        ),
        (lambda X, y: (X, y * 0), r"single value \(0\)"),
        (lambda X, y: (X.assign(**{"Torque [Nm]": np.inf}), y), "infinite"),
        (
            lambda X, y: (X.set_axis(range(X.shape[1]), axis=1), y),
            r"columns are named by numbers \(0, 1, 2 …\), as a frame made from an array is",
        ),
        (
            lambda X, y: (X.set_axis(pd.MultiIndex.from_product([X.columns, ["v"]]), axis=1), y),
            r"columns are not all named by text \(\('Type', 'v'\), .*\); give them names",
        ),
        (
            lambda X, y: (X, y.map({0: "ok", 1: "failure"})),
            r"labels the model does not predict: 'ok' \([\d,]+ rows\), 'failure' .*'0', '1': "
            r"give y in the labels the model was trained on \(and their names as class_names",
        ),
        (
            lambda X, y: (X, y.where(y.index != y.index[0], 2)),
            r"does not predict: '2' \(1 row\); its classes are '0', '1': give y in the labels "
            r"the model was trained on$",
        ),
    ],
)
def test_bad_data_is_refused_with_a_clear_message(tmp_path, machines, change, message):
    X, y, X_demo, y_demo = machines
    bad_X, bad_y = change(X_demo, y_demo)
    with pytest.raises(model.PublishError, match=message):
        model.open_workspace(tmp_path).publish(
            "S1", "rule", model.ToolWearRule().fit(X, y), bad_X, bad_y
        )
    assert not (tmp_path / "sprints" / "S1" / "prototypes" / "rule").exists()


@pytest.mark.parametrize("name", ["../escape", "a/b", "bad\x00name", "..", ".hidden", "", "x" * 65])
def test_unsafe_names_are_refused(tmp_path, machines, name):
    X, y, X_demo, y_demo = machines
    with pytest.raises(model.PublishError):
        model.open_workspace(tmp_path).publish(
            name, "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo
        )
    assert not (tmp_path.parent / "escape").exists()


def test_a_name_typed_in_two_unicode_forms_is_one_prototype(tmp_path, machines):
    """The name "café" with a composed é and with e + a combining accent looked the same in every
    selector, yet were two prototypes, and a verdict went to whichever the widget held."""
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    rule = model.ToolWearRule().fit(X, y)
    ws.publish("Sprint 1", composed, rule, X_demo, y_demo)
    second = ws.publish("Sprint 1", decomposed, rule, X_demo, y_demo)
    assert ws.prototypes("Sprint 1") == [composed]
    assert second.name == composed and second.meta["version"] == 2
    assert ws.prototype("Sprint 1", decomposed).path == ws.prototype("Sprint 1", composed).path


def test_sprints_keep_their_creation_order_and_mvp(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    rule = model.ToolWearRule().fit(X, y)
    for sprint in ["Sprint 9", "Sprint 10", "Sprint 11"]:
        ws.publish(sprint, "rule", rule, X_demo, y_demo, mvp=True)
    assert ws.sprints() == ["Sprint 9", "Sprint 10", "Sprint 11"]
    assert ws.mvp("Sprint 10") == "rule"


def test_decision_keeps_a_snapshot_and_sets_the_mvp(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S2", "wear", model.ToolWearRule().fit(X, y), X_demo, y_demo, mvp=True)
    ws.publish("S2", "physics", model.PhysicsRules().fit(X, y), X_demo, y_demo)
    decision = ws.record_decision("S2", "physics", "best recall", "ana, bo", recorded_by="dana")
    assert ws.mvp("S2") == "physics"
    assert decision["attendees"] == ["ana", "bo"]
    snapshot_before = {row["prototype"]: row["pr_auc"] for row in decision["snapshot"]}
    ws.publish("S2", "physics", model.PhysicsRules(max_heat_speed=1).fit(X, y), X_demo, y_demo)
    stored = ws.decisions("S2")[0]
    assert {row["prototype"]: row["pr_auc"] for row in stored["snapshot"]} == snapshot_before
    with pytest.raises(model.WorkspaceError, match="rationale"):
        ws.record_decision("S2", "physics", "  ", [])


def test_deleting_a_prototype_never_touches_verdicts(tmp_path, machines):
    import feedback_store

    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S1", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo, mvp=True)
    store = feedback_store.open(tmp_path)
    store.record(
        sprint="S1", prototype="rule", row_id=X_demo.index[0], reviewer="ana", verdict="correct"
    )
    ws.delete_prototype("S1", "rule")
    assert ws.prototypes("S1") == [] and ws.mvp("S1") is None
    assert len(feedback_store.open(tmp_path).verdicts()) == 1


def test_the_target_name_is_kept_for_the_pages(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    proto = model.open_workspace(tmp_path).publish(
        "S1", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo
    )
    assert proto.meta["target"] == "Machine failure"


def test_rows_sent_to_review_are_kept_per_sprint(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)
    ws.publish("S2", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    ws.send_to_review("S2", "bake-off disagreements", ["1", "2"], sent_by="dana")
    ws.send_to_review("S2", "bake-off disagreements", ["3"], sent_by="dana")
    queues = ws.review_queues("S2")
    assert queues["bake-off disagreements"]["rows"] == ["3"]
    with pytest.raises(model.WorkspaceError):
        ws.send_to_review("no such sprint", "q", ["1"])


def test_nan_the_model_cannot_handle_is_one_line(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    lr = Pipeline(
        [("prep", ColumnTransformer(
            [("cat", OneHotEncoder(), ["Type"]), ("num", StandardScaler(), NUMERIC)])),
         ("model", LogisticRegression(max_iter=300))]
    ).fit(X, y)  # fmt: skip
    with_nan = X_demo.copy()
    with_nan.iloc[0, 1] = np.nan
    with pytest.raises(model.PublishError, match="failed to predict") as caught:
        model.open_workspace(tmp_path).publish("S1", "lr", lr, with_nan, y_demo)
    assert "\n" not in str(caught.value)


def test_a_category_never_seen_in_training(tmp_path, machines):
    X, y, X_demo, y_demo = machines
    unseen = X_demo.assign(Type=["X"] + list(X_demo["Type"].iloc[1:]))
    strict = one_hot_pipeline(RandomForestClassifier(n_estimators=5, random_state=0))
    strict.set_params(prep__cat__handle_unknown="error").fit(X, y)
    with pytest.raises(model.PublishError, match="failed to predict"):
        model.open_workspace(tmp_path).publish("S1", "strict", strict, unseen, y_demo)
    tolerant = one_hot_pipeline(RandomForestClassifier(n_estimators=5, random_state=0)).fit(X, y)
    proto = model.open_workspace(tmp_path).publish("S1", "tolerant", tolerant, unseen, y_demo)
    assert_additive(proto)


def test_a_full_disk_during_publish_leaves_nothing_behind(tmp_path, machines, monkeypatch):
    import errno

    X, y, X_demo, y_demo = machines
    ws = model.open_workspace(tmp_path)

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(model.Workspace, "_write_artifacts", staticmethod(disk_full))
    with pytest.raises(model.PublishError, match="No space left on device"):
        ws.publish("S1", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    leftovers = list((tmp_path / "sprints" / "S1" / "prototypes").iterdir())
    assert leftovers == []


def test_a_workspace_path_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    with pytest.raises(model.WorkspaceError, match="is a file"):
        model.open_workspace(path)


# -- with SHAP worker processes, the model is serialised meanwhile --------------------------------
@pytest.fixture
def workers_for_small_sets(monkeypatch):
    """600 rows go to two SHAP workers, and their publish stores bootstrap replicates."""
    from model import publishing, tree_shap

    monkeypatch.setenv("SPRINT_REVIEW_SHAP_JOBS", "2")
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(publishing, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(publishing, "BOOTSTRAP_STORE_MIN_ROWS", 10)


def test_with_workers_the_model_is_saved_alongside_and_nothing_changes(
    workers_for_small_sets, monkeypatch
):
    import threading

    from model import persistence, publishing

    data = load_demo_data().iloc[:600]
    X, y = data[FEATURES], data[TARGET]
    forest = one_hot_pipeline(RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0))
    forest.fit(X, y)
    saved_on, original = [], persistence.dumps

    def spy(estimator):
        saved_on.append(threading.current_thread().name)
        return original(estimator)

    monkeypatch.setattr(persistence, "dumps", spy)
    alongside = publishing.compute_artifacts(forest, X, y, deck_size=None)
    monkeypatch.setenv("SPRINT_REVIEW_SHAP_JOBS", "1")
    in_turn = publishing.compute_artifacts(forest, X, y, deck_size=None)
    assert saved_on[0].startswith("sprint-review-publish") and saved_on[1] == "MainThread"
    # skops files carry the time they were written: compare what they hold instead.
    for artifacts in (alongside, in_turn):
        loaded = persistence.loads(artifacts.model_bytes, "forest")
        np.testing.assert_array_equal(loaded.predict_proba(X), forest.predict_proba(X))
    np.testing.assert_array_equal(alongside.explanation.values, in_turn.explanation.values)
    np.testing.assert_array_equal(alongside.replicates, in_turn.replicates)
    assert alongside.meta["bootstrap"] == in_turn.meta["bootstrap"]


def test_with_workers_a_model_skops_cannot_save_is_one_line(workers_for_small_sets, monkeypatch):
    from model import persistence, publishing

    data = load_demo_data().iloc[:600]
    forest = one_hot_pipeline(RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0))
    forest.fit(data[FEATURES], data[TARGET])

    def refuse(estimator):
        raise TypeError("cannot serialise this object")

    monkeypatch.setattr(persistence, "dumps", refuse)
    with pytest.raises(model.PublishError, match="^the model cannot be saved with skops: cannot"):
        publishing.compute_artifacts(forest, data[FEATURES], data[TARGET], deck_size=None)


def test_reading_a_prototype_while_it_is_re_published_gets_one_whole_version(tmp_path):
    """A reader thread (the pages' background warm-up, another session) may read a
    prototype's files while a re-publish swaps its folder. Each read must give one version's
    rows whole, or find the folder away for that instant; never mix two files or crash."""
    import threading

    data = load_demo_data().iloc[:400]
    X, y = data[FEATURES], data[TARGET]
    rule = model.ToolWearRule().fit(X, y)
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S", "rule", rule, X, y)
    stop, seen, failures = threading.Event(), [], []

    def read() -> None:
        while not stop.is_set():
            try:
                proto = ws.prototype("S", "rule")
                predictions, features = proto.predictions(), proto.features()
                shap = proto.shap_values()
            except (FileNotFoundError, model.WorkspaceError):
                continue  # between the two renames of a re-publish: tried again
            except Exception as error:  # noqa: BLE001 - anything else is the failure
                failures.append(repr(error))
                return
            seen.append((len(predictions), len(features), len(shap)))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for threshold in (150, 180, 200, 220, 240, 150, 180, 200):
            ws.publish("S", "rule", model.ToolWearRule(threshold).fit(X, y), X, y)
    finally:
        stop.set()
        reader.join()
    assert failures == []
    assert seen and set(seen) == {(400, 400, 400)}
