"""The data publishing is given, checked before anything is computed: the demo rows ``X``,
their truth ``y``, the class labels and the positive class. Each refusal is a
``PublishError`` with one line naming what is wrong and what to do."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.config import MAX_ROW_ID_LENGTH
from model.estimator_contract import PublishError
from model.labels import class_key, label_strings
from model.metrics import BINARY, REGRESSION

__all__ = ["check_labels", "checked_inputs", "positive_class_label"]


def checked_inputs(estimator, X, y, task: str):
    """``(X, y)`` as publishing stores them: ``X`` in the model's column order with its row ids
    as text (index ``row_id``), ``y`` a Series on those ids (class labels as text for a
    classifier, floats for a regression) or None. Raises ``PublishError`` with one line for
    data a prototype cannot hold (no frame, no rows, columns not named by text or named
    twice, long or repeated row ids, columns the model lacks, infinite values, a target of
    several columns, missing or single-valued targets)."""
    if not isinstance(X, pd.DataFrame):
        raise PublishError("X must be a pandas DataFrame whose index is the row id")
    if X.empty or X.shape[1] == 0:
        raise PublishError("the data is empty: publish at least one row with its feature columns")
    unnamed = [c for c in X.columns if not isinstance(c, str)]
    if unnamed:
        shown = ", ".join(map(str, unnamed[:3])) + (" …" if len(unnamed) > 3 else "")
        numbers = all(isinstance(c, int | np.integer) for c in unnamed)
        what = (
            f"are named by numbers ({shown}), as a frame made from an array is"
            if numbers
            else f"are not all named by text ({shown})"
        )
        raise PublishError(
            f"the data's columns {what}; give them names the pages can show (X.columns = "
            "[...], or X.columns.astype(str))"
        )
    repeated = X.columns[X.columns.duplicated()].unique()
    if len(repeated):
        shown = ", ".join(map(str, repeated[:5]))
        raise PublishError(
            f"the data has columns of the same name ({shown}); give every column its own name"
        )
    row_ids = _row_ids(X.index)
    too_long = row_ids[row_ids.str.len() > MAX_ROW_ID_LENGTH]
    if len(too_long):
        more = f" (and {len(too_long) - 1} more)" if len(too_long) > 1 else ""
        raise PublishError(
            f"row id {too_long[0][:40]!r}… is {len(too_long[0])} characters long{more}; verdicts "
            f"are stored for ids of at most {MAX_ROW_ID_LENGTH} characters: shorten the ids"
        )
    duplicated = row_ids[row_ids.duplicated()].unique()
    if len(duplicated):
        shown = ", ".join(duplicated[:5])
        raise PublishError(
            f"the data has {len(duplicated)} duplicate row ids ({shown}); "
            "every row needs its own id"
        )
    # scikit-learn comes with these: imported here, so that pages that only read never pay it
    from model.boosting import check_unseen_categories
    from model.model_columns import feature_names

    expected = feature_names(estimator, X.columns)  # the model's columns, by the names it stored
    if expected is not None:
        missing = [c for c in expected if c not in X.columns]
        if missing:
            shown = ", ".join(missing[:8]) + (
                f" and {len(missing) - 8:,} more" if len(missing) > 8 else ""
            )
            raise PublishError(
                f"the model expects columns the data lacks: {shown}; "
                "publish the data the model was trained on"
            )
        X = X[expected]
    _check_catboost_categories(estimator, X)
    check_unseen_categories(estimator, X)  # a column of ids the model never saw: not silently
    numeric = X.select_dtypes(include="number")
    infinite = [c for c in numeric.columns if np.isinf(numeric[c].to_numpy(dtype=float)).any()]
    if infinite:
        raise PublishError(
            f"column {infinite[0]!r} has infinite values; replace them before publishing"
        )
    X = X.copy()
    X.index = row_ids
    X.index.name = "row_id"
    if y is None:
        return X, None
    if isinstance(y, pd.DataFrame) or np.ndim(y) == 2:
        columns = y.shape[1]
        if columns != 1:
            named = (
                f" ({', '.join(map(str, y.columns[:5]))})" if isinstance(y, pd.DataFrame) else ""
            )
            raise PublishError(
                f"y has {columns} columns{named}; give the one column the model predicts"
            )
        y = y.iloc[:, 0] if isinstance(y, pd.DataFrame) else np.asarray(y)[:, 0]
    if isinstance(y, pd.Series):
        y_series = y.copy()
        y_series.index = y_series.index.astype(str)
        if not y_series.index.equals(row_ids):
            if not row_ids.isin(y_series.index).all():
                raise PublishError("y does not have a value for every row id of X")
            y_series = y_series.loc[row_ids]
    else:
        values = np.asarray(y)
        if values.ndim != 1 or len(values) != len(X):
            raise PublishError(f"y has {len(values)} values but X has {len(X)} rows")
        y_series = pd.Series(values, index=row_ids)
    if y_series.isna().any():
        raise PublishError(_missing_target_message(y_series))
    if y_series.nunique() < 2:
        raise PublishError(
            f"the target has a single value ({_plain_value(y_series.iloc[0])!r}); a demo set "
            "needs more than one outcome to measure the model"
        )
    if task == REGRESSION:
        try:
            y_series = y_series.astype(float)
        except (TypeError, ValueError):
            raise PublishError("a regression target must be numeric") from None
        if not np.isfinite(y_series.to_numpy()).all():
            raise PublishError("the target has infinite values; replace them before publishing")
    else:
        y_series = pd.Series(label_strings(y_series.to_numpy()), index=row_ids, dtype=object)
    return X, y_series


def _row_ids(index: pd.Index) -> pd.Index:
    """The rows' ids as text; one line for an index of several levels or a row without id."""
    if isinstance(index, pd.MultiIndex):
        levels = ", ".join(str(name) for name in index.names if name is not None)
        raise PublishError(
            f"the rows are indexed by {index.nlevels} levels{f' ({levels})' if levels else ''}; "
            "a prototype needs one id per row: join them into one, e.g. X.index = "
            "['/'.join(map(str, key)) for key in X.index]"
        )
    texts = pd.Index(index.astype(str))
    blank = np.flatnonzero(pd.isna(index) | (texts.str.strip() == ""))
    if len(blank):
        more = f" (and {len(blank) - 1} more)" if len(blank) > 1 else ""
        raise PublishError(
            f"row {blank[0] + 1:,} of the data has no id in X's index{more}; verdicts are "
            "stored by row id: give every row its own id"
        )
    return texts


def _check_catboost_categories(estimator, X: pd.DataFrame) -> None:
    """CatBoost takes its categories as text and has no missing category: refuse a gap in one
    before CatBoost does, in one line naming the column, not its position."""
    from model.boosting import catboost_category_columns

    for column in catboost_category_columns(estimator):
        if column in X.columns and X[column].isna().any():
            count = int(X[column].isna().sum())
            raise PublishError(
                f"column {column!r} has {count:,} missing value{'s' if count != 1 else ''}, "
                "which CatBoost's categories cannot take: fill them with a text of their own "
                '(e.g. "missing"), as in training'
            )


def check_labels(y: pd.Series, classes: list[str]) -> None:
    """Refuse a classifier's target with labels that are not the model's classes (``0``/``1``
    given for a model of ``"ok"``/``"failure"``, ``"FAIL"`` for ``"fail"``): every such row
    would count as an error, and the confusion matrix and SMEs' corrections have no place
    for its label."""
    unknown = y[~y.isin(classes)]
    if unknown.empty:
        return
    counts = unknown.value_counts()
    shown = ", ".join(
        f"{label!r} ({n:,} row{'s' if n != 1 else ''})" for label, n in counts.iloc[:3].items()
    )
    more = f" and {len(counts) - 3} more" if len(counts) > 3 else ""
    # A model that knows only codes (a LightGBM model file's 0 … K-1) given the labels' words:
    # the words belong in the class names.
    codes = len(unknown) == len(y) and all(c.lstrip("-").isdigit() for c in classes)
    names = " (and their names as class_names, --class-name 0=…)" if codes else ""
    raise PublishError(
        f"the target has labels the model does not predict: {shown}{more}; its classes are "
        f"{', '.join(map(repr, classes))}: give y in the labels the model was trained on{names}"
    )


def positive_class_label(task: str, classes: list[str], positive_class) -> str | None:
    """The binary model's class that is counted and flagged: ``positive_class`` (as a label
    string) if given, else ``classes[1]``; None for other tasks. Raises ``PublishError`` for
    one that is not a class of a binary model."""
    if positive_class is None:
        return classes[1] if task == BINARY else None
    if task != BINARY:
        raise PublishError(
            f"positive_class is for a model of two classes; this is a {task} model: leave it out"
        )
    label = class_key(positive_class, classes)
    if label not in classes:
        raise PublishError(
            f"positive_class {positive_class!r} is not one of the model's classes "
            f"({', '.join(map(repr, classes))}); give one of them"
        )
    return label


def _plain_value(value):
    """A NumPy scalar as the Python value users typed (``np.int64(0)`` is shown as ``0``)."""
    return value.item() if isinstance(value, np.generic) else value


def _missing_target_message(y: pd.Series) -> str:
    """Which rows have no target value, by position and id, and the likely cause: a line of a
    file written with another separator (``;``) reads as one value with the rest missing."""
    positions = np.flatnonzero(y.isna().to_numpy())
    shown = ", ".join(
        f"{position + 1} (id {_short_id(y.index[position])!r})" for position in positions[:3]
    )
    more = f" and {len(positions) - 3:,} more" if len(positions) > 3 else ""
    rows = "1 row" if len(positions) == 1 else f"{len(positions):,} rows"
    word = "row" if len(positions) == 1 else "rows"
    return (
        f"the target has missing values in {rows} of the data: {word} {shown}{more}; fill in or "
        "drop those rows (in a CSV "
        "file, check that those lines use the same separator as the header, such as a comma)"
    )


def _short_id(row_id: object, width: int = 40) -> str:
    text = str(row_id)
    return text if len(text) <= width else text[: width - 1] + "…"
