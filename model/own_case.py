"""Try your own case: a form built from the demo data's ranges (:func:`input_schema`), the
values an SME typed checked against it (:func:`check_case`), the readings that lie beyond the
demo data's range (:func:`unseen_readings`: accepted, the model's answer there is less
certain), an exact, additive SHAP
explanation of the case (:func:`explain_own_case`), and how its prediction changes as one
reading moves across its range (:func:`what_if`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from feedback_store import own_case_id
from model import persistence
from model.config import DEFAULT_BACKGROUND_SIZE, SEED
from model.explanation import of_positive_class
from model.labels import label_strings
from model.metrics import BINARY, MULTICLASS, REGRESSION
from model.prototype import Prototype
from model.review_reasons import is_number, is_numeric, quoted
from model.stored_features import is_missing, restore

__all__ = [
    "case_frame",
    "check_case",
    "explain_own_case",
    "input_schema",
    "own_case_refusal",
    "unseen_readings",
    "what_if",
]

#: Longest text an SME may type into a free-text field of their own case.
MAX_TEXT_LENGTH = 10_000

#: Largest size of a number an SME may type: scikit-learn's trees, XGBoost and LightGBM read
#: numbers as 32-bit floats, beyond which a number becomes infinite to the model.
LARGEST_NUMBER = float(np.finfo(np.float32).max)

#: Largest size of a whole number (2**53 - 1): beyond it a float, JSON in the browser and the
#: stored verdict no longer hold every whole number exactly.
LARGEST_WHOLE_NUMBER = 2**53 - 1


def input_schema(proto: Prototype, features: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One entry per model feature, to build the "try your own case" form from.

    Each entry: ``name``, ``kind`` ("numeric", "categorical" or "text"), ``min``, ``max``,
    ``median`` and ``integer`` (whole numbers only) for numeric features, ``categories`` for
    categorical ones, ``default`` (the median, to two decimals past a fiftieth of the range,
    or the most common category), and ``missing``:
    whether the reading may be left missing (``None``), as it is in some demo rows. A free-text
    column (``text_columns`` in the prototype's metadata) is "text": any text up to
    ``MAX_TEXT_LENGTH`` characters, its default the first demo row's. Ranges are those of the
    prototype's demo data: ``features`` is ``proto.features()`` if the caller has it already
    (it is not changed); otherwise it is read.
    """
    data = proto.features() if features is None else features
    texts = proto.meta.get("text_columns") or []
    schema = []
    for name in proto.meta["features"]:
        column = data[name]
        if name in texts:
            present = column.dropna()
            default = str(present.iloc[0]) if len(present) else ""
            schema.append(
                {"name": name, "kind": "text", "min": None, "max": None, "median": None,
                 "integer": False, "categories": None, "default": default, "missing": False}
            )  # fmt: skip
        elif is_numeric(column):
            present = column.dropna()
            integer = pd.api.types.is_integer_dtype(column)
            median = float(present.median()) if len(present) else None
            # Whole numbers stored as floats (an integer column with a gap, read from a CSV)
            # start at a whole number too, not "1526.5 days".
            whole = integer or bool(len(present) and (present.astype(float) % 1 == 0).all())
            schema.append(
                {
                    "name": name,
                    "kind": "numeric",
                    "min": float(present.min()) if len(present) else None,
                    "max": float(present.max()) if len(present) else None,
                    "median": median,
                    "integer": bool(integer),
                    "categories": None,
                    "default": _middle(median, whole, present),
                    "missing": bool(column.isna().any()),
                }
            )
        else:
            counts = column.dropna().value_counts()
            categories = sorted((_plain(v) for v in counts.index), key=str)
            schema.append(
                {
                    "name": name,
                    "kind": "categorical",
                    "min": None,
                    "max": None,
                    "median": None,
                    "integer": False,
                    "categories": categories,
                    "default": _plain(counts.index[0]) if len(counts) else None,
                    "missing": bool(column.isna().any()),
                }
            )
    return schema


def own_case_refusal(proto: Prototype) -> str | None:
    """Why "try your own case" is not available for ``proto``, in one line with what to do,
    or ``None`` if it is: a case of one's own needs the model, and a model whose class the
    app may not load from a file (a hand-written one) cannot be loaded back."""
    untrusted = proto.meta.get("model_untrusted_types")
    if not untrusted:
        return None
    return (
        f"Try your own case is not available for {proto.name}: it needs the model, and "
        f"{persistence.unloadable_reason(untrusted)}. To enable it, publish "
        f"{persistence.LOADABLE_MODELS}."
    )


def _refuse_if_unloadable(proto: Prototype) -> None:
    refusal = own_case_refusal(proto)
    if refusal:
        raise ValueError(refusal)


def case_frame(proto: Prototype, cases: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Feature values (dicts, e.g. verdicts' snapshots) as a frame the model can take.

    Columns are the model's features, with the demo data's dtypes where the values allow.
    Values are not range-checked: use ``explain_own_case`` for what an SME types.
    """
    features = proto.meta["features"]
    rows = [{name: case.get(name) for name in features} for case in cases]
    frame = pd.DataFrame(rows, columns=features)
    dtypes = proto.features().dtypes
    for name in features:
        dtype = dtypes[name]
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            as_numbers = pd.to_numeric(frame[name], errors="coerce").astype(float)
            whole = as_numbers.notna().all() and (as_numbers == as_numbers.round()).all()
            # Casting 1558.5 to an integer column would truncate it silently: keep it a float.
            frame[name] = as_numbers.astype(dtype) if whole else as_numbers
        else:
            with contextlib.suppress(TypeError, ValueError):
                frame[name] = frame[name].astype(dtype)
    # A snapshot's missing value is JSON's null: give it the column's own (None, NaN or NA).
    return restore(frame, proto.meta.get("stored_columns"))


def explain_own_case(
    proto: Prototype, features: Mapping[str, Any], explained_class: str | None = None
) -> dict[str, Any]:
    """Predict and explain a case the SME entered, in the shape of ``Workspace.explain``.

    The values are checked against ``input_schema``: every feature given, numbers finite (any
    size a model reads, ``LARGEST_NUMBER``; a number outside the demo data's range is taken
    as typed, see ``unseen_readings``), categories among the known ones (a ValueError names
    the field and what is allowed). The explanation is an exact SHAP explanation with the same
    background as publishing (``DEFAULT_BACKGROUND_SIZE`` demo rows sampled with ``SEED``) and
    adds up: ``base_value + sum(contributions) == output``.

    Returns ``output``, ``base_value``, ``contributions``, ``explained_class``, ``unit``,
    ``feature_values``, ``predicted``, ``explainer``, and also ``row_id``
    (``feedback_store.own_case_id``), ``confidence`` and ``probabilities`` (classification),
    ready for ``FeedbackStore.record(..., source="own")``. A model reading free text also
    gets ``words``: per word of the typed text (``model.explain_text``), ``column``, ``word``,
    ``contribution`` and ``error``, largest first; a column's words sum to its contribution.
    """
    _refuse_if_unloadable(proto)
    schema = input_schema(proto)
    values = _validated_case(schema, features)
    task = proto.task
    classes = list(proto.meta.get("classes") or [])
    if explained_class is not None and task == MULTICLASS and explained_class not in classes:
        raise ValueError(f"explained_class must be one of {', '.join(classes)}")
    X = case_frame(proto, [values])
    X.index = pd.Index([own_case_id(values)], name="row_id")
    data = proto.features()
    # The rows publishing explained against (model.background): an own case typed with a demo
    # row's values gets that row's published explanation, from the same "model's average".
    rows = [str(r) for r in proto.meta.get("background_rows") or []]
    if rows and data.index.isin(rows).sum() == len(rows):
        background = data.loc[rows]
    else:  # published before the rows were recorded
        background = data.sample(min(DEFAULT_BACKGROUND_SIZE, len(data)), random_state=SEED)
    # loaded once: a forest's file took 0.7 s of each 0.9 s own case (a trial)
    from model.on_demand import shared_estimator

    estimator = shared_estimator(proto)
    # Exact Shapley values make ~2**M small predict calls; OpenMP threads (histogram gradient
    # boosting) cost more to start than such a call takes: seconds instead of a fraction.
    with threadpool_limits(limits=1, user_api="openmp"):
        from model.explain import explain_estimator  # shap and scikit-learn: own cases only
        from model.explain_text import explain_if_text

        explanation = explain_if_text(
            estimator, X, background, task, len(classes)
        ) or explain_estimator(estimator, X, background, task, len(classes))
    explanation = of_positive_class(explanation, task, classes, proto.meta.get("positive_class"))
    result: dict[str, Any] = {"row_id": X.index[0], "feature_values": values}
    if task == REGRESSION:
        predicted: Any = float(np.asarray(estimator.predict(X), dtype=float)[0])
        column, label = 0, proto.meta["explained_classes"][0]
        result.update(confidence=None, probabilities=None)
    else:
        probabilities = np.asarray(estimator.predict_proba(X), dtype=float)[0]
        predicted = str(label_strings(estimator.predict(X))[0])
        by_class = dict(zip(classes, map(float, probabilities), strict=True))
        result.update(confidence=by_class.get(predicted), probabilities=by_class)
        if task == BINARY:
            column, label = 0, proto.meta["explained_classes"][0]
        else:
            label = explained_class or predicted
            column = classes.index(label)
    contributions = explanation.values[0, :, column]
    base = float(explanation.base_values[column])
    result.update(
        output=float(base + contributions.sum()),
        base_value=base,
        contributions={
            f: float(v) for f, v in zip(explanation.features, contributions, strict=True)
        },
        explained_class=label,
        unit=explanation.unit,
        predicted=predicted,
        explainer=explanation.explainer,
    )
    words = getattr(explanation, "words", None)
    if words is not None:  # a free-text column: its words, largest first
        mine = words[words["explained_class"] == str(label or "")].sort_values("rank")
        result["words"] = mine[["column", "word", "contribution", "error"]].to_dict("records")
    return result


#: Points a "what if" curve is computed at across a numeric reading's range.
WHAT_IF_POINTS = 25


def check_case(schema: list[dict[str, Any]], features: Any) -> dict[str, Any]:
    """The entered values checked against ``input_schema``, as ``explain_own_case`` takes
    them: a ValueError names the first field that is empty, not a number, too large for a
    model to read (``LARGEST_NUMBER``, whole numbers ``LARGEST_WHOLE_NUMBER``) or unknown,
    and what is allowed (nothing is clamped or filled in). A number outside the demo data's
    range is accepted as typed (``unseen_readings`` lists those)."""
    return _validated_case(schema, features)


def unseen_readings(
    schema: list[dict[str, Any]], values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The numeric readings of a checked case (``check_case``) that lie outside the demo
    data's range, in the schema's order: the model has not seen such values, so its answer
    there is less certain. Each entry: ``name``, ``value``, ``min``, ``max`` and ``side``
    ("above" or "below"). A reading left missing or within the range is not listed."""
    unseen = []
    for field in schema:
        value = values.get(field["name"])
        if field["kind"] != "numeric" or field["min"] is None or not is_number(value):
            continue
        number = float(value)
        if field["min"] <= number <= field["max"]:
            continue
        unseen.append(
            {"name": field["name"], "value": value, "min": field["min"], "max": field["max"],
             "side": "above" if number > field["max"] else "below"}
        )  # fmt: skip
    return unseen


def what_if(
    proto: Prototype,
    features: Mapping[str, Any],
    feature: str,
    explained_class: str | None = None,
    points: int = WHAT_IF_POINTS,
) -> pd.DataFrame:
    """How the prediction of the case ``features`` changes as ``feature`` alone moves across
    the demo data's range (every category, for a categorical one): one model call on a small
    grid, no SHAP values.

    Returns columns ``value`` and ``output`` (the probability of ``explained_class``, by
    default the positive class of a binary model or the case's predicted class; the value
    for regression) and ``entered`` (True on the row of the value entered, which is always
    among the values; on none when the reading was left missing).
    """
    _refuse_if_unloadable(proto)
    schema = input_schema(proto)
    values = _validated_case(schema, features)
    field = next((f for f in schema if f["name"] == feature), None)
    if field is None:
        raise ValueError(f"unknown feature {quoted(feature)}; choose one of the model's features")
    if field["kind"] == "text":
        raise ValueError(f"{feature} is free text; choose a numeric or categorical feature")
    if field["kind"] == "categorical":
        grid: list[Any] = list(field["categories"])
    else:
        grid = list(np.linspace(field["min"], field["max"], max(2, int(points))))
        if field["integer"]:
            grid = sorted({int(round(v)) for v in grid})
        grid = sorted(set(grid) | ({values[feature]} - {None}))
    X = case_frame(proto, [{**values, feature: v} for v in grid])
    estimator = proto.estimator()
    if proto.task == REGRESSION:
        output = np.asarray(estimator.predict(X), dtype=float)
    else:
        classes = [str(c) for c in proto.meta.get("classes") or []]
        probabilities = np.asarray(estimator.predict_proba(X), dtype=float)
        if explained_class is None:
            if proto.task == BINARY:
                explained_class = str(proto.meta.get("positive_class"))
            else:
                case = case_frame(proto, [values])
                explained_class = str(label_strings(estimator.predict(case))[0])
        output = probabilities[:, classes.index(str(explained_class))]
    value = values[feature]
    entered = [value is not None and (str(v) == str(value) if field["kind"] == "categorical"
               else float(v) == float(value)) for v in grid]  # fmt: skip
    return pd.DataFrame({"value": grid, "output": output, "entered": entered})


def _validated_case(schema: list[dict[str, Any]], features: Any) -> dict[str, Any]:
    if not isinstance(features, Mapping):
        raise ValueError("features must be a dict of feature name to value, e.g. {'Type': 'L'}")
    names = [field["name"] for field in schema]
    unknown = [str(name) for name in features if name not in names]
    if unknown:
        raise ValueError(
            f"unknown feature {quoted(unknown[0])}; the model's features are {', '.join(names)}"
        )
    may_be_missing = {field["name"] for field in schema if field.get("missing")}
    missing = [
        name
        for name in names
        if name not in features or (is_missing(features[name]) and name not in may_be_missing)
    ]
    if missing:
        raise ValueError(f"enter a value for {', '.join(missing)}")
    values: dict[str, Any] = {}
    for field in schema:
        name, value = field["name"], features[field["name"]]
        if is_missing(value):  # left missing, as in some of the demo rows
            values[name] = None
            continue
        if field["kind"] == "text":
            if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
                raise ValueError(
                    f"{name} must be a text of at most {MAX_TEXT_LENGTH:,} characters; got "
                    f"{quoted(value) if not isinstance(value, str) else f'{len(value):,}'}"
                )
            values[name] = value
            continue
        if field["kind"] == "categorical":
            allowed = {str(c): c for c in field["categories"]}
            if str(value) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {quoted(value)}")
            values[name] = allowed[str(value)]
            continue
        number = _as_number(name, value)
        largest = LARGEST_WHOLE_NUMBER if field["integer"] else LARGEST_NUMBER
        if abs(number) > largest:
            shown = "{:,}" if field["integer"] else "{:.3g}"  # whole numbers exactly
            raise ValueError(
                f"{name} must be a number between {shown.format(-largest)} and"
                f" {shown.format(largest)}, the largest a model reads; got {number:,.3g}"
            )
        values[name] = int(number) if field["integer"] and number.is_integer() else number
    return values


def _as_number(name: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be a number, got {quoted(value)}") from None
    if not is_number(value):
        raise ValueError(f"{name} must be a number, got {quoted(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number}")
    return number


def _middle(median: float | None, whole: bool, present: pd.Series) -> float | int | None:
    """A numeric field's starting value: the median, a whole number in a column of whole
    numbers, else to two decimals past a fiftieth of the range (12.26, not 12.259000712788811:
    the field shows every decimal of its value)."""
    if median is None:
        return None
    if whole:
        return round(median)
    span = float(present.max() - present.min()) / 50 or 1.0
    return round(median, max(2, 1 - math.floor(math.log10(span))))


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
