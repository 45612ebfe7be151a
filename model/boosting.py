"""Gradient-boosting libraries (XGBoost, LightGBM, CatBoost): optional, and their own files.

The libraries are extras (``requirements-extras.txt``): the app runs without them, and a model
that needs one that is missing is refused with one line naming it. Their own model formats
hold no Python objects, so the CLI reads them without any trust question: XGBoost JSON or
UBJSON (``.json``/``.ubj``) into ``XGBClassifier``/``XGBRegressor``, CatBoost ``.cbm`` into
``CatBoostClassifier``/``CatBoostRegressor``, and LightGBM's model text (``.txt``), which loads
as a bare ``lightgbm.Booster``, into :class:`LightGBMTextClassifier` or
:class:`LightGBMTextRegressor`, which give it the scikit-learn estimator contract.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

__all__ = [
    "EXTRAS_HINT",
    "NATIVE_SUFFIXES",
    "LightGBMTextClassifier",
    "LightGBMTextRegressor",
    "MissingLibraryError",
    "load_native_model",
    "require",
]

#: What to run to install the optional libraries.
EXTRAS_HINT = "pip install -r requirements-extras.txt"
#: The optional libraries, by the top-level module their types live in.
OPTIONAL_LIBRARIES = ("xgboost", "lightgbm", "catboost")
#: File suffixes of the libraries' own model formats, and the library that reads each.
NATIVE_SUFFIXES = {".json": "xgboost", ".ubj": "xgboost", ".txt": "lightgbm", ".cbm": "catboost"}


class MissingLibraryError(ValueError):
    """A model needs an optional library that is not installed."""


def require(library: str, what: str):
    """Import the optional ``library``, or raise :class:`MissingLibraryError` naming it."""
    try:
        return importlib.import_module(library)
    except ImportError:
        raise MissingLibraryError(
            f"{what} needs {library}, which is not installed: run {EXTRAS_HINT}"
        ) from None


def load_native_model(path: Path):
    """A fitted scikit-learn-style estimator from a library's own model file at ``path``."""
    library = NATIVE_SUFFIXES[path.suffix.lower()]
    module = require(library, f"{path.name} (a {library} model)")
    if library == "xgboost":
        return _xgboost_model(module, path)
    if library == "lightgbm":
        booster = module.Booster(model_file=str(path))
        objective = str(booster.dump_model().get("objective", "")).split()[0]
        if objective in ("binary", "multiclass", "multiclassova", "cross_entropy"):
            return LightGBMTextClassifier.from_booster(booster)
        if objective.startswith(("regression", "huber", "fair", "poisson", "quantile", "mape")):
            return LightGBMTextRegressor.from_booster(booster)
        if objective in ("gamma", "tweedie"):
            return LightGBMTextRegressor.from_booster(booster)
        raise ValueError(
            f"{path.name}: LightGBM objective {objective!r} is neither a classification nor a "
            "regression; publish a classifier or a regressor"
        )
    return _catboost_model(module, path)


def _xgboost_model(xgboost, path: Path):
    booster = xgboost.Booster()
    booster.load_model(str(path))
    objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
    if objective.startswith(("binary:", "multi:")):
        estimator = xgboost.XGBClassifier()
    elif objective.startswith(("reg:", "count:", "survival:")):
        estimator = xgboost.XGBRegressor()
    else:
        raise ValueError(
            f"{path.name}: XGBoost objective {objective!r} is neither a classification nor a "
            "regression; publish a classifier or a regressor"
        )
    estimator.load_model(str(path))
    return estimator


def _catboost_model(catboost, path: Path):
    generic = catboost.CatBoost()
    generic.load_model(str(path))
    loss = str(generic.get_all_params().get("loss_function", ""))
    if loss in ("Logloss", "CrossEntropy", "MultiClass", "MultiClassOneVsAll"):
        estimator = catboost.CatBoostClassifier()
    else:
        estimator = catboost.CatBoostRegressor()
    estimator.load_model(str(path))
    return estimator


class _LightGBMText(BaseEstimator):
    """A LightGBM model read from its text file: the booster, with the estimator contract.

    ``fit`` trains a new booster with the loaded one's parameters and number of iterations.
    """

    def __init__(self, params: dict | None = None, num_boost_round: int = 100):
        self.params = params
        self.num_boost_round = num_boost_round

    @classmethod
    def from_booster(cls, booster):
        """Wrap a fitted ``lightgbm.Booster``."""
        params = {
            key: value
            for key, value in booster._get_loaded_param().items()  # the file's parameters
            if key in ("objective", "num_class", "learning_rate", "num_leaves", "max_depth")
        }
        estimator = cls(params=params, num_boost_round=booster.current_iteration())
        estimator._adopt(booster)
        return estimator

    def fit(self, X, y):
        """Train a new booster on ``X``, ``y`` with this model's parameters."""
        import lightgbm

        params = {"verbosity": -1, **(self.params or {})}
        booster = lightgbm.train(params, lightgbm.Dataset(X, np.asarray(y)), self.num_boost_round)
        self._adopt(booster)
        return self

    def _adopt(self, booster) -> None:
        self.booster_ = booster
        self.n_features_in_ = booster.num_feature()

    def _raw_predict(self, X):
        return self.booster_.predict(X)


class LightGBMTextClassifier(ClassifierMixin, _LightGBMText):
    """A LightGBM classifier from its model text. The file stores no class labels, so the
    classes are LightGBM's codes ``0 … K-1`` (your labels in sorted order)."""

    def _adopt(self, booster) -> None:
        super()._adopt(booster)
        self.classes_ = np.arange(max(2, booster.dump_model().get("num_class", 1)))

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per class in ``classes_``."""
        raw = np.asarray(self._raw_predict(X), dtype=float)
        if raw.ndim == 1:
            return np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, X) -> np.ndarray:
        """The most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class LightGBMTextRegressor(RegressorMixin, _LightGBMText):
    """A LightGBM regressor from its model text."""

    def predict(self, X) -> np.ndarray:
        """The predicted values."""
        return np.asarray(self._raw_predict(X), dtype=float)
