"""Gradient-boosting libraries (XGBoost, LightGBM, CatBoost): optional, and their own files.

The libraries are extras (``requirements-extras.txt``): the app runs without them, and a model
that needs one that is missing is refused with one line naming it. Their own model formats
hold no Python objects, so no code in them runs; the CLI reads XGBoost JSON or
UBJSON (``.json``/``.ubj``) into ``XGBClassifier``/``XGBRegressor``, CatBoost ``.cbm`` into
``CatBoostClassifier``/``CatBoostRegressor``, and LightGBM's model text (``.txt``), which loads
as a bare ``lightgbm.Booster``, into :class:`LightGBMTextClassifier` or
:class:`LightGBMTextRegressor`, which give it the scikit-learn estimator contract.

The libraries trust their files' structure, though, and crash on a damaged or edited one (or
predict from memory outside the model), so each file is checked first (``model.native_checks``)
and the library then reads the bytes that were checked, not the file again.

XGBoost and LightGBM read a category they were not trained on as missing, silently: a
LightGBM model of store ids ``"001"`` … ``"040"`` given a CSV written back by pandas with
``30`` for ``030`` read every row's store as missing, and 959 of 1,000 published predictions
were not the model's own. :func:`check_unseen_categories` refuses a column none of whose
values the model knows, and warns (:class:`UnseenCategoriesWarning`) when most are new to it.
"""

from __future__ import annotations

import importlib
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from model.estimator_contract import PublishError

__all__ = [
    "EXTRAS_HINT",
    "LIGHTGBM_TEXT_MODELS",
    "NATIVE_SUFFIXES",
    "LightGBMTextClassifier",
    "LightGBMTextRegressor",
    "MissingLibraryError",
    "UnseenCategoriesWarning",
    "catboost_category_columns",
    "category_text",
    "check_unseen_categories",
    "load_native_model",
    "require",
    "text_category_columns",
    "with_model_categories",
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
    """A fitted scikit-learn-style estimator from a library's own model file at ``path``,
    checked before the library reads it (``model.native_checks``: a damaged or edited file is
    refused in one line, never run)."""
    from model.native_checks import checked_lightgbm_text, checked_xgboost_bytes, probe_catboost

    library = NATIVE_SUFFIXES[path.suffix.lower()]
    module = require(library, f"{path.name} (a {library} model)")
    source = f"model file {path.name}"
    data = path.read_bytes()
    if library == "xgboost":
        return _xgboost_model(module, checked_xgboost_bytes(data, source), path)
    if library == "lightgbm":
        booster = module.Booster(model_str=checked_lightgbm_text(data, source))
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
    return _catboost_model(module, data, probe_catboost(data, source)["loss_function"])


def _xgboost_model(xgboost, raw: bytearray, path: Path):
    booster = xgboost.Booster()
    booster.load_model(raw)
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
    estimator.load_model(raw)
    return estimator


def _catboost_model(catboost, data: bytes, loss: str):
    """The model ``data`` as a classifier or a regressor by its ``loss`` (read, with the
    model checked, in a separate process: CatBoost's warnings about a damaged file's
    parameters stay there)."""
    from model.native_checks import CATBOOST_CLASSIFICATION

    if loss.split(":")[0] in CATBOOST_CLASSIFICATION:
        estimator = catboost.CatBoostClassifier()
    else:
        estimator = catboost.CatBoostRegressor()
    estimator.load_model(stream=io.BytesIO(data))  # a blob's stated size goes unchecked
    return estimator


def with_model_categories(estimator, X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with the columns an XGBoost or LightGBM model splits on as native categories
    given pandas' category dtype, with the categories the model was trained with.

    A CSV gives such a column as text, which both libraries refuse ("DataFrame.dtypes for
    data must be int, float, bool or category"; "categorical_feature do not match"), and the
    codes must mean what they meant in training: XGBoost stores its categories in the model
    (and re-codes what it is given), LightGBM its pandas categories (``pandas_categorical``).
    A value the model never saw becomes missing, as the libraries read it; a column with no
    value the model knows is refused, and one with mostly new values said in a warning
    (:func:`check_unseen_categories`). Other models and columns are returned as they are.
    """
    categories = _native_categories(estimator)
    if not categories:
        return X
    check_unseen_categories(estimator, X)
    X = X.copy()
    for column, known in categories.items():
        if column in X.columns and not isinstance(X[column].dtype, pd.CategoricalDtype):
            values = X[column]
            if known and all(isinstance(v, str) for v in known):
                values = values.astype(object).map(category_text, na_action="ignore")
            X[column] = pd.Categorical(values, categories=known or None)
    return X


def text_category_columns(estimator) -> list[str]:
    """The columns an XGBoost or LightGBM model splits on as categories of text, which a CSV
    must give as written: ``007`` read as the number 7 is a category the model never saw."""
    return [
        column
        for column, known in _native_categories(estimator).items()
        if known and all(isinstance(value, str) for value in known)
    ]


def catboost_category_columns(estimator) -> list[str]:
    """The columns a CatBoost model takes as categories. CatBoost reads them as text (an
    integer ``7`` as ``"7"``) and has no missing category, so a CSV must give them exactly as
    written: ``007`` as ``"007"``, an empty cell or ``NA`` as that text."""
    if type(estimator).__module__.split(".")[0] != "catboost":
        return []
    try:
        names = list(estimator.feature_names_ or [])
        return [str(names[i]) for i in estimator.get_cat_feature_indices()]
    except Exception:  # noqa: BLE001 - not fitted
        return []


def category_text(value) -> str:
    """A value as the text of a category: a CSV's whole numbers read as floats (a column
    with a gap) as the whole numbers they were written as, ``2.0`` as ``"2"``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _native_categories(estimator) -> dict[str, list | None]:
    """The model's natively categorical columns and their categories in code order (``None``:
    not stored)."""
    module = type(estimator).__module__.split(".")[0]
    if module == "xgboost" or hasattr(estimator, "get_booster"):
        try:
            booster = estimator.get_booster()
            kinds, names = booster.feature_types or [], booster.feature_names or []
        except Exception:  # noqa: BLE001 - not fitted, or not an XGBoost model after all
            return {}
        stored: dict[str, list | None] = {}
        try:
            for name, array in booster.get_categories(export_to_arrow=True).to_arrow():
                stored[name] = None if array is None else array.to_pylist()
        except Exception:  # noqa: BLE001 - XGBoost before 3.1 stores no categories
            pass
        return {n: stored.get(n) for n, kind in zip(names, kinds, strict=False) if kind == "c"}
    booster = getattr(estimator, "booster_", None)
    if booster is None or not hasattr(booster, "pandas_categorical"):
        return {}
    pandas_categorical = booster.pandas_categorical or []
    infos = booster.dump_model().get("feature_infos", {})
    # LightGBM lists a categorical feature's values; a numeric one's list is empty.
    columns = [name for name in booster.feature_name() if infos.get(name, {}).get("values")]
    if len(columns) != len(pandas_categorical):
        return {}
    return dict(zip(columns, map(list, pandas_categorical), strict=True))


#: Above this share of a column's non-missing values unknown to the model, publishing warns.
UNSEEN_SHARE = 0.5


class UnseenCategoriesWarning(UserWarning):
    """Most values of a category column are categories the model was never trained on."""


def check_unseen_categories(estimator, X: pd.DataFrame) -> None:
    """Refuse (``PublishError``) a category column of ``X`` none of whose values ``estimator``
    was trained on, and warn when more than :data:`UNSEEN_SHARE` of them are new to it; one
    line naming the column, a value it knows and one it does not. Missing cells are not
    counted; models other than XGBoost and LightGBM with stored categories are not checked."""
    for column, known in _native_categories(estimator).items():
        if not known or column not in X.columns:
            continue
        values = _comparable(X[column], known)
        given = values.dropna()
        if given.empty:
            continue
        unseen = given[~given.isin(known)]
        if len(unseen) <= UNSEEN_SHARE * len(given):
            continue
        example = f"such as {_shown_value(unseen.iloc[0])}; it knows {_known_values(known)}"
        if len(unseen) == len(given):
            raise PublishError(
                f"column {column!r} has no value the model was trained on ({example}): every "
                "row's value would be read as missing; write them as in the training data"
            )
        warnings.warn(
            f"column {column!r}: {len(unseen):,} of {len(given):,} values are ones the model "
            f"was never trained on ({example}) and are read as missing; check they are "
            "written as in the training data",
            UnseenCategoriesWarning,
            stacklevel=3,
        )


def _comparable(values: pd.Series, known: list) -> pd.Series:
    """The column's values as the model's categories are written: text if they are text (a
    CSV's ``2.0`` from a column with a gap as ``"2"``)."""
    values = values.astype(object)
    if all(isinstance(value, str) for value in known):
        return values.map(category_text, na_action="ignore")
    return values


def _shown_value(value) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def _known_values(known: list) -> str:
    shown = ", ".join(_shown_value(value) for value in known[:3])
    return shown + (" …" if len(known) > 3 else "")


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

    def _booster_output(self, X, raw_score: bool, pred_contrib: bool, options: dict):
        """``LGBMModel.predict``'s raw scores or SHAP values (``pred_contrib``), as the
        booster gives them: what explaining a LightGBM model asks its scikit-learn model for."""
        return self.booster_.predict(X, raw_score=raw_score, pred_contrib=pred_contrib, **options)


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

    def predict(self, X, raw_score: bool = False, pred_contrib: bool = False, **options):
        """The most probable class; with ``raw_score`` or ``pred_contrib``, what
        ``LGBMClassifier.predict`` gives with them (``options``: the booster's, such as
        ``num_threads``)."""
        if raw_score or pred_contrib:
            return self._booster_output(X, raw_score, pred_contrib, options)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class LightGBMTextRegressor(RegressorMixin, _LightGBMText):
    """A LightGBM regressor from its model text."""

    def predict(self, X, raw_score: bool = False, pred_contrib: bool = False, **options):
        """The predicted values; with ``raw_score`` or ``pred_contrib``, what
        ``LGBMRegressor.predict`` gives with them."""
        if raw_score or pred_contrib:
            return self._booster_output(X, raw_score, pred_contrib, options)
        return np.asarray(self._raw_predict(X), dtype=float)


#: LightGBM models read from model text: explained as LightGBM's own models are.
LIGHTGBM_TEXT_MODELS = (LightGBMTextClassifier, LightGBMTextRegressor)
