"""The estimator contract a published model follows, and the error publishing raises.

Any object with ``fit`` and ``predict`` (plus ``predict_proba`` and ``classes_`` for a
classifier) publishes, scikit-learn subclass or not; what is missing is one line naming it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import numpy as np

from model.metrics import BINARY, MULTICLASS, REGRESSION, TASKS

__all__ = [
    "PublishError",
    "UnnamedColumnsWarning",
    "best_of_search",
    "columns_taken_in_order",
    "describe_estimator",
    "detect_task",
]


class PublishError(ValueError):
    """The prototype cannot be published; the message says what is wrong and what to do."""


class UnnamedColumnsWarning(UserWarning):
    """The model was fitted without column names: its columns are taken in order, unchecked."""


def detect_task(estimator, task: str | None = None) -> str:
    """The task of ``estimator``: binary or multiclass classification, or regression.

    Any object with the estimator contract publishes, scikit-learn subclass or not: ``fit``
    and ``predict``, plus ``predict_proba`` and ``classes_`` for a classifier. An explicit
    ``task`` wins; otherwise a model with ``predict_proba`` and ``classes_``, or one that
    scikit-learn calls a classifier, is a classifier. Anything missing is a ``PublishError``
    naming it.
    """
    name = type(estimator).__name__
    _check_pipeline_steps(estimator)
    if getattr(estimator, "refit", None) is False and hasattr(estimator, "cv_results_"):
        raise PublishError(
            f"{name} was fitted with refit=False, so it holds no model: fit it with "
            "refit=True, or fit a model with its best_params_ and publish that"
        )
    if not callable(getattr(estimator, "predict", None)):
        raise PublishError(f"{name} has no predict method: publish a fitted model")
    kind = _unsupervised_kind(estimator)
    if kind:
        raise PublishError(
            f"{name} is {kind}, not an outcome to check against y; publish a classifier or "
            "regressor trained on the target"
        )
    if not callable(getattr(estimator, "fit", None)):
        raise PublishError(
            f"{name} has no fit method: a published model follows the estimator contract "
            "(fit, predict, and predict_proba with classes_ for a classifier)"
        )
    if task is not None and task not in TASKS:
        raise PublishError(f"unknown task {task!r}; use one of {', '.join(TASKS)}")
    has_proba = callable(getattr(estimator, "predict_proba", None))
    has_classes = getattr(estimator, "classes_", None) is not None
    if task == REGRESSION:
        return task
    # CatBoostRegressor has a classes_ attribute: an empty array.
    has_labels = has_classes and np.size(estimator.classes_) > 0
    if task is None and not (has_proba or has_labels or _declares_classifier(estimator)):
        return REGRESSION
    why = f"task {task!r} needs a classifier" if task else "a classifier needs"
    why += " with predict_proba and classes_" if task else " predict_proba and classes_"
    if not has_proba:
        if _declares_classifier(estimator):  # SVC, LinearSVC, RidgeClassifier, a hard vote
            raise PublishError(
                f"{why}; {name} predicts classes without their chances (no predict_proba): "
                f"{_how_to_get_chances(estimator)}"
            )
        raise PublishError(
            f"{why}; {name} has no predict_proba method"
            + ("" if task else " (publish with task='regression' if it predicts numbers)")
        )
    if not has_classes:
        if _not_fitted(estimator):
            raise PublishError(f"{name} is not fitted: call its fit(X, y) before publishing")
        raise PublishError(
            f"{why}; {name} has no classes_ attribute (set it in fit to the labels, in "
            "predict_proba's column order)"
        )
    try:
        n_classes = len(estimator.classes_)
    except TypeError:
        raise PublishError(f"{name}.classes_ is not a list of class labels") from None
    if any(np.ndim(labels) > 0 for labels in estimator.classes_):  # one array per output
        raise PublishError(one_target_only(name, n_classes))
    if n_classes < 2:
        raise PublishError(f"{name}.classes_ holds {n_classes} class; a classifier needs two")
    return task or (BINARY if n_classes == 2 else MULTICLASS)


def one_target_only(name: str, n_targets: int) -> str:
    """The refusal of a model that predicts ``n_targets`` targets at once."""
    return (
        f"{name} predicts {n_targets} targets at once; a prototype predicts one: fit and "
        "publish one model per target"
    )


def _check_pipeline_steps(estimator) -> None:
    """scikit-learn's ``Pipeline`` reads every step's tags when it predicts: a step that is
    not a scikit-learn estimator fails there with an error about ``__sklearn_tags__``."""
    from sklearn.pipeline import Pipeline

    if not isinstance(estimator, Pipeline):
        return
    for _, step in estimator.steps:
        if (
            step is not None
            and not isinstance(step, str)
            and not callable(getattr(step, "__sklearn_tags__", None))
        ):
            raise PublishError(
                f"the pipeline's step {type(step).__name__} is not a scikit-learn estimator, "
                "which scikit-learn's Pipeline requires; subclass sklearn.base.BaseEstimator "
                "in it, or publish it alone"
            )


def _not_fitted(estimator) -> bool:
    """Whether scikit-learn says ``estimator`` (or a pipeline's last step) is not fitted;
    False for objects it cannot judge (no scikit-learn tags)."""
    if not callable(getattr(estimator, "__sklearn_tags__", None)):
        return False
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return True
    except Exception:  # noqa: BLE001 - a third-party estimator's checks say nothing
        return False
    return False


def _how_to_get_chances(estimator) -> str:
    """How a scikit-learn classifier without ``predict_proba`` gets one: its own parameter
    where it has one (SVC's ``probability``, a vote's ``voting``), else calibration."""
    try:
        params = estimator.get_params()
    except Exception:  # noqa: BLE001 - a third-party estimator's broken params say nothing
        params = {}
    for key in params:
        if key == "probability" or key.endswith("__probability"):
            return f"fit it with {key}=True"
        if (key == "voting" or key.endswith("__voting")) and params[key] == "hard":
            return f"fit it with {key}='soft'"
    return "wrap it in sklearn.calibration.CalibratedClassifierCV and fit that"


def _unsupervised_kind(estimator) -> str | None:
    """ "an outlier detector" or "a clustering model" where scikit-learn's tags say so: their
    ``predict`` gives labels of their own, which publishing would score as a regression."""
    if not callable(getattr(estimator, "__sklearn_tags__", None)):
        return None
    from sklearn.base import is_clusterer, is_outlier_detector

    try:
        if is_outlier_detector(estimator):
            return "an outlier detector: its predict gives 1 for inliers and -1 for outliers"
        if is_clusterer(estimator):
            return "a clustering model: its predict gives cluster numbers"
    except Exception:  # noqa: BLE001 - a third-party estimator's broken tags say nothing
        return None
    return None


def _declares_classifier(estimator) -> bool:
    """Whether scikit-learn's tags call ``estimator`` a classifier; False for objects that
    have no tags (they are judged by their methods)."""
    if getattr(estimator, "_estimator_type", None) == "classifier":
        return True
    if not callable(getattr(estimator, "__sklearn_tags__", None)):
        return False
    from sklearn.base import is_classifier

    try:
        return bool(is_classifier(estimator))
    except Exception:  # noqa: BLE001 - a third-party estimator's broken tags say nothing
        return False


def describe_estimator(estimator) -> str:
    """A short human name: ``Pipeline(ColumnTransformer → RandomForestClassifier)``."""
    steps = getattr(estimator, "steps", None)
    if steps:
        return f"Pipeline({' → '.join(type(step).__name__ for _, step in steps)})"
    return type(estimator).__name__


def best_of_search(estimator) -> tuple[object, str | None]:
    """``(the model that predicts, how it was chosen)``: for a fitted scikit-learn
    hyperparameter search (``GridSearchCV``, ``RandomizedSearchCV``, the halving searches)
    refitted on its best candidate, that candidate, whose predictions the search's are, and
    "best of 12 candidates (GridSearchCV)"; for a pipeline ending in such a search, the
    pipeline ending in that candidate; anything else, itself and None.

    Publishing the search itself gave the sampled estimate instead of a forest's tree values
    (the explainers look for the model inside) and a file the app would not load back (its
    CV splitter and scorer are saved along).
    """
    try:  # the searches' common base: not public, so a scikit-learn that moves it is no harm
        from sklearn.model_selection._search import BaseSearchCV
    except ImportError:
        return estimator, None
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline) and estimator.steps:  # a search as the last step
        name, last = estimator.steps[-1]
        best, chosen_by = best_of_search(last)
        if chosen_by is None:
            return estimator, None
        return Pipeline([*estimator.steps[:-1], (name, best)]), chosen_by
    best = getattr(estimator, "best_estimator_", None)
    if not isinstance(estimator, BaseSearchCV) or best is None:
        return estimator, None
    candidates = len(getattr(estimator, "cv_results_", {}).get("params", ()))
    return best, f"best of {candidates:,} candidates ({type(estimator).__name__})"


@contextlib.contextmanager
def columns_taken_in_order(estimator, columns) -> Iterator[None]:
    """For a model fitted on an array (no ``feature_names_in_``) and given a frame: say once
    that its columns are taken to be ``columns`` in that order, which nothing can check, and
    keep scikit-learn's "X has feature names, but … was fitted without feature names" quiet
    meanwhile (a publish printed it 22 times)."""
    columns = list(getattr(columns, "tolist", lambda: columns)())
    named = _has_column_names(estimator)
    if named or not columns or not hasattr(estimator, "n_features_in_"):
        yield
        return
    shown = ", ".join(map(str, list(columns)[:6])) + (", …" if len(columns) > 6 else "")
    warnings.warn(
        f"{type(estimator).__name__} was fitted without column names (on an array): its "
        f"columns are taken to be the data's, in their order ({shown}); fit it on a "
        "DataFrame to have them checked",
        UnnamedColumnsWarning,
        stacklevel=4,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="X has feature names, but")
        yield


def _has_column_names(estimator) -> bool:
    """True when the model knows its columns by name: scikit-learn's ``feature_names_in_``,
    or a boosting library's own (a LightGBM text file or a CatBoost file names them)."""
    for attribute in ("feature_names_in_", "feature_name_", "feature_names_"):
        with contextlib.suppress(Exception):  # a property that needs a fitted model
            if getattr(estimator, attribute, None) is not None:
                return True
    booster = getattr(estimator, "booster_", None) or getattr(estimator, "_booster", None)
    with contextlib.suppress(Exception):
        names = booster.feature_name() if hasattr(booster, "feature_name") else None
        return bool(names)
    return False
