"""Any estimator with the contract publishes: fit, predict, and predict_proba + classes_ for a
classifier, whether or not it subclasses scikit-learn; anything missing is one line naming it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.ensemble import (
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

import model
from model.demo import FEATURES, TARGET, load_demo_data

NUMERIC = FEATURES[1:]


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().sample(160, random_state=3)
    return data[NUMERIC], data[TARGET]


class ScoreClassifier:
    """A hand-written classifier: a logistic score of standardised readings, no base class."""

    def fit(self, X, y):
        values = np.asarray(X, dtype=float)
        self.mean_, self.scale_ = values.mean(axis=0), values.std(axis=0) + 1e-9
        self.classes_ = np.unique(np.asarray(y))
        return self

    def predict_proba(self, X):
        score = ((np.asarray(X, dtype=float) - self.mean_) / self.scale_).sum(axis=1) / 3
        positive = 1 / (1 + np.exp(-score))
        return np.column_stack([1 - positive, positive])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class MeanRegressor:
    """A hand-written regressor: the mean plus a slope on the first column."""

    def fit(self, X, y):
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return self.mean_ + 0.01 * np.asarray(X, dtype=float)[:, 0]


class WithoutClasses(ScoreClassifier):
    def fit(self, X, y):
        super().fit(X, y)
        del self.classes_
        return self


class WithoutProba(MeanRegressor):
    classes_ = np.array([0, 1])


class WithoutFit:
    classes_ = np.array([0, 1])

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def publish(tmp_path, estimator, machines, **options):
    X, y = machines
    return model.open_workspace(tmp_path).publish("S1", "hand-written", estimator, X, y, **options)


def test_a_hand_written_classifier_publishes_with_additive_explanations(tmp_path, machines):
    X, y = machines
    proto = publish(tmp_path, ScoreClassifier().fit(X, y), machines)
    assert proto.task == "binary" and proto.meta["estimator"] == "ScoreClassifier"
    predictions = proto.predictions()
    np.testing.assert_allclose(
        predictions["p:1"], ScoreClassifier().fit(X, y).predict_proba(X)[:, 1], atol=1e-12
    )
    total = proto.base_value() + proto.shap_values().astype(float).sum(axis=1)
    np.testing.assert_allclose(total, predictions.loc[total.index, "p:1"], atol=1e-6)


def test_a_model_fitted_on_an_array_is_said_once_not_at_every_prediction(tmp_path, machines):
    """scikit-learn's "X has feature names, but … was fitted without feature names" came 22
    times from one publish; what it means (columns taken in order, unchecked) was said by
    none of them."""
    import warnings

    X, y = machines
    forest = RandomForestClassifier(n_estimators=10, random_state=0).fit(X.to_numpy(), y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proto = publish(tmp_path, forest, machines)
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert not [m for m in said if m.startswith("X has feature names")], said
    ours = [m for m in said if "fitted without column names" in m]
    assert ours == [
        "RandomForestClassifier was fitted without column names (on an array): its columns "
        f"are taken to be the data's, in their order ({', '.join(X.columns[:6])}); fit it on "
        "a DataFrame to have them checked"
    ]
    np.testing.assert_allclose(
        proto.predictions()["p:1"], forest.predict_proba(X.to_numpy())[:, 1], atol=1e-12
    )


def test_a_hand_written_regressor_publishes(tmp_path, machines):
    X, y = machines
    proto = publish(tmp_path, MeanRegressor().fit(X, y), machines)
    assert proto.task == "regression"
    total = proto.base_value() + proto.shap_values().astype(float).sum(axis=1)
    np.testing.assert_allclose(total, proto.predictions().loc[total.index, "predicted"], atol=1e-6)


def test_task_given_wins_over_what_the_methods_suggest(tmp_path, machines):
    X, y = machines
    proto = publish(tmp_path, ScoreClassifier().fit(X, y), machines, task="regression")
    assert proto.task == "regression"


@pytest.mark.parametrize(
    ("estimator", "task", "message"),
    [
        (
            WithoutClasses(),
            None,
            "a classifier needs predict_proba and classes_; WithoutClasses has no classes_ "
            "attribute (set it in fit to the labels, in predict_proba's column order)",
        ),
        (
            WithoutProba(),
            None,
            "a classifier needs predict_proba and classes_; WithoutProba has no predict_proba "
            "method (publish with task='regression' if it predicts numbers)",
        ),
        (
            MeanRegressor(),
            "binary",
            "task 'binary' needs a classifier with predict_proba and classes_; MeanRegressor "
            "has no predict_proba method",
        ),
        (
            WithoutFit(),
            None,
            "WithoutFit has no fit method: a published model follows the estimator contract "
            "(fit, predict, and predict_proba with classes_ for a classifier)",
        ),
        (
            SVC(),  # a scikit-learn classifier without probability=True
            None,
            "a classifier needs predict_proba and classes_; SVC predicts classes without their "
            "chances (no predict_proba): fit it with probability=True",
        ),
        (
            Pipeline([("scale", StandardScaler()), ("svm", SVC())]),
            None,
            "a classifier needs predict_proba and classes_; Pipeline predicts classes without "
            "their chances (no predict_proba): fit it with svm__probability=True",
        ),
        (
            LinearSVC(),
            None,
            "a classifier needs predict_proba and classes_; LinearSVC predicts classes without "
            "their chances (no predict_proba): wrap it in "
            "sklearn.calibration.CalibratedClassifierCV and fit that",
        ),
        (
            VotingClassifier([("a", LogisticRegression()), ("b", GaussianNB())]),
            None,
            "a classifier needs predict_proba and classes_; VotingClassifier predicts classes "
            "without their chances (no predict_proba): fit it with voting='soft'",
        ),
        (
            IsolationForest(random_state=0),
            None,
            "IsolationForest is an outlier detector: its predict gives 1 for inliers and -1 for "
            "outliers, not an outcome to check against y; publish a classifier or regressor "
            "trained on the target",
        ),
        (
            Pipeline([("scale", StandardScaler()), ("groups", KMeans(3, n_init=2))]),
            None,
            "Pipeline is a clustering model: its predict gives cluster numbers, not an outcome "
            "to check against y; publish a classifier or regressor trained on the target",
        ),
        (
            GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, refit=False, cv=2),
            None,
            "GridSearchCV was fitted with refit=False, so it holds no model: fit it with "
            "refit=True, or fit a model with its best_params_ and publish that",
        ),
    ],
)
def test_what_is_missing_is_one_line_naming_it(tmp_path, machines, estimator, task, message):
    X, y = machines
    if not isinstance(estimator, WithoutFit):
        estimator.fit(X, y)
    with pytest.raises(model.PublishError) as raised:
        publish(tmp_path, estimator, machines, task=task)
    assert str(raised.value) == message
    assert not (tmp_path / "sprints" / "S1" / "prototypes" / "hand-written").exists()


def test_a_pipeline_step_that_is_not_scikit_learn_is_one_line(tmp_path, machines):
    X, y = machines
    pipeline = Pipeline([("scale", StandardScaler()), ("model", ScoreClassifier())]).fit(X, y)
    with pytest.raises(model.PublishError, match="step ScoreClassifier is not a scikit-learn"):
        publish(tmp_path, pipeline, machines)


def test_an_unfitted_scikit_learn_classifier_is_one_line_saying_so(tmp_path, machines):
    from sklearn.linear_model import LogisticRegression

    unfitted = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())])
    for estimator in (LogisticRegression(), unfitted):
        with pytest.raises(model.PublishError) as raised:
            publish(tmp_path, estimator, machines)
        name = type(estimator).__name__
        assert str(raised.value) == f"{name} is not fitted: call its fit(X, y) before publishing"


def test_column_names_used_twice_are_one_line_naming_them(tmp_path, machines):
    X, y = machines
    twice = X.set_axis([X.columns[0], *X.columns[:-1]], axis=1)
    estimator = ScoreClassifier().fit(X, y)
    with pytest.raises(model.PublishError) as raised:
        publish(tmp_path, estimator, (twice, y))
    assert str(raised.value) == (
        f"the data has columns of the same name ({X.columns[0]}); give every column its own name"
    )


def _two_targets(machines):
    X, y = machines
    both = pd.DataFrame({"failure": y, "hot": (X["Air temperature [K]"] > 300).astype(int)})
    return X, both


@pytest.mark.parametrize(
    "fit",
    [
        lambda X, Y: RandomForestClassifier(5, random_state=0).fit(X, Y),
        lambda X, Y: MultiOutputClassifier(RandomForestClassifier(5, random_state=0)).fit(X, Y),
        lambda X, Y: RandomForestRegressor(5, random_state=0).fit(X, Y),
        lambda X, Y: LinearRegression().fit(X, Y),
    ],
)
def test_a_model_of_two_targets_at_once_is_one_line(tmp_path, machines, fit):
    """Before: an AttributeError about lstrip, or 'the model failed to predict … Expected a 1D
    array'."""
    X, both = _two_targets(machines)
    estimator = fit(X, both)
    with pytest.raises(model.PublishError) as raised:
        publish(tmp_path, estimator, (X, both["failure"]))
    assert str(raised.value) == (
        f"{type(estimator).__name__} predicts 2 targets at once; a prototype predicts one: "
        "fit and publish one model per target"
    )
    assert not (tmp_path / "sprints").exists() or not any((tmp_path / "sprints").rglob("*.json"))


def test_a_target_of_two_columns_is_one_line_and_of_one_column_publishes(tmp_path, machines):
    X, both = _two_targets(machines)
    estimator = ScoreClassifier().fit(X, both["failure"])
    with pytest.raises(model.PublishError) as raised:
        publish(tmp_path, estimator, (X, both))
    assert str(raised.value) == (
        "y has 2 columns (failure, hot); give the one column the model predicts"
    )  # before: "y has 160 values but X has 160 rows"
    proto = publish(tmp_path, estimator, (X, both[["failure"]]))
    assert proto.predictions()["actual"].tolist() == [str(v) for v in both["failure"]]
    assert proto.meta["target"] == "failure"  # the column's name, as a Series' name is
    proto = model.open_workspace(tmp_path).publish(
        "S2", "array", estimator, X, both[["failure"]].to_numpy()
    )
    assert proto.metrics == publish(tmp_path, estimator, (X, both["failure"])).metrics
