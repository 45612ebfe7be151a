"""What a fitted model expects of its text columns, so that rows read from a CSV reach it as
they reached it in training.

A CSV keeps neither types nor missing markers: a column of codes written ``1``, ``2`` comes
back as integers where the model's encoder learnt the texts ``"1"``, ``"2"``, and an empty
cell comes back as ``NaN`` where the model was trained on ``None``, which scikit-learn's
encoders and imputers tell apart. Measured through ``python -m model publish``: a logistic
regression behind ``SimpleImputer`` + ``OneHotEncoder`` got every row's probability wrong, by
up to 0.91, without a message; a histogram boosting model on category columns refused the
rows with "ufunc 'isnan' not supported".

``text_columns`` reads the model's fitted encoders (``OneHotEncoder``, ``OrdinalEncoder``,
``TargetEncoder``, alone, behind column-preserving imputers in a pipeline, in a
``ColumnTransformer``, or inside histogram gradient boosting) for the columns whose
categories are text and the missing marker each learnt; ``as_model_saw`` gives a frame's
columns those types and markers.

``feature_names`` reads the columns a fitted model takes, by the names it stored: a
scikit-learn model's ``feature_names_in_``, a CatBoost model's ``feature_names_``, a LightGBM
model text's feature names. Publishing selects and orders the data's columns by them, so a
CSV in another column order, or with a column kept as context for reviewers, reaches the
model as it was trained (a CatBoost ``.cbm`` was given the columns by position and refused a
text column with "Cannot convert 'travel' to float").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder

from model.boosting import category_text

__all__ = ["as_model_saw", "feature_names", "text_columns"]

_ENCODERS = (OneHotEncoder, OrdinalEncoder, TargetEncoder)


def text_columns(estimator) -> dict[str, object]:
    """The source columns ``estimator`` encodes as text categories, each with the missing
    marker it learnt (``None`` where ``None`` is among its categories, else ``np.nan``).
    Columns it does not encode, or encodes as numbers, are left out."""
    found: dict[str, object] = {}
    names = getattr(estimator, "feature_names_in_", None)
    _walk(estimator, None if names is None else [str(n) for n in names], found)
    return found


def feature_names(estimator, columns: Sequence[str]) -> list[str] | None:
    """The columns of ``columns`` (the data's) that ``estimator`` takes, in its order, by the
    names it stored; a name the data lacks is given as stored. None when the model stored no
    names, or only its library's stand-ins for an array's columns (LightGBM's ``Column_0``,
    CatBoost's ``0``) which the data does not have: the columns are then taken by position.

    LightGBM writes a column ``mean radius`` as ``mean_radius``: it is matched to the data's."""
    names = _stored_names(estimator)
    if names is None:
        return None
    given = [str(c) for c in columns]
    if not set(names) <= set(given) and _stand_ins(estimator, names):
        return None
    renamed = {c.replace(" ", "_"): c for c in given}
    return [name if name in given else renamed.get(name, name) for name in names]


def _stored_names(estimator) -> list[str] | None:
    """The column names a fitted model stored, or None."""
    for attribute in ("feature_names_in_", "feature_names_"):  # scikit-learn's, CatBoost's
        try:
            names = getattr(estimator, attribute, None)
        except Exception:  # noqa: BLE001 - a property that needs a fitted model
            names = None
        if names is not None and len(names):
            return [str(name) for name in names]
    booster = getattr(estimator, "booster_", None)  # a LightGBM model (model text)
    try:
        names = booster.feature_name() if hasattr(booster, "feature_name") else None
    except Exception:  # noqa: BLE001 - not fitted
        names = None
    return [str(name) for name in names] if names else None


def _stand_ins(estimator, names: list[str]) -> bool:
    """Whether ``names`` are what CatBoost or LightGBM call an array's columns (scikit-learn
    stores no names for an array)."""
    if getattr(estimator, "feature_names_in_", None) is not None:
        return False
    return names in (
        [f"Column_{i}" for i in range(len(names))],
        [str(i) for i in range(len(names))],
    )


def as_model_saw(X: pd.DataFrame, columns: dict[str, object]) -> pd.DataFrame:
    """``X`` with each of ``columns`` as text (a CSV's ``2`` as ``"2"``, ``2.0`` from a
    column with a gap as ``"2"``) and its missing cells as the model's marker."""
    X = X.copy()
    for column, marker in columns.items():
        if column not in X.columns:
            continue
        values = X[column].astype(object)
        missing = values.isna()
        text = values.map(category_text, na_action="ignore")
        X[column] = pd.Series(np.where(missing, marker, text), index=X.index, dtype=object)
    return X


def _walk(node, columns: Sequence[str] | None, found: dict[str, object]) -> None:
    if isinstance(node, Pipeline):
        steps = [step for _, step in node.steps if step not in (None, "passthrough")]
        for step in steps:
            _walk(step, columns, found)
            if not _keeps_columns(step):
                return
        return
    if isinstance(node, ColumnTransformer):
        _column_transformer(node, found)
        return
    preprocessor = getattr(node, "_preprocessor", None)  # histogram boosting's own encoder
    if isinstance(preprocessor, ColumnTransformer):
        _column_transformer(preprocessor, found)
        return
    if isinstance(node, _ENCODERS) and columns is not None and hasattr(node, "categories_"):
        for column, categories in zip(columns, node.categories_, strict=False):
            values = list(categories)
            if any(isinstance(value, str) for value in values):
                found[column] = None if any(value is None for value in values) else np.nan


def _keeps_columns(step) -> bool:
    """Whether a pipeline step hands the next one the same columns in the same order."""
    if not isinstance(step, SimpleImputer) or step.add_indicator:
        return False
    try:  # an imputer drops a column that was all missing in training
        return len(step.get_feature_names_out()) == step.n_features_in_
    except (AttributeError, ValueError):
        return False


def _column_transformer(transformer: ColumnTransformer, found: dict[str, object]) -> None:
    names = getattr(transformer, "feature_names_in_", None)
    indices = getattr(transformer, "_transformer_to_input_indices", {})
    for name, step, _ in getattr(transformer, "transformers_", []):
        if names is None or name not in indices or step in ("drop", "passthrough"):
            continue
        _walk(step, [str(names[i]) for i in indices[name]], found)
