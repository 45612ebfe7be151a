"""SME review without Streamlit: which rows to show next, and reasons in plain words.

- ``review_queue``: the order in which a reviewer sees a prototype's demo rows.
- ``feature_percentiles`` and ``reason_sentences``: "Failure risk is higher mainly because
  Torque [Nm] is 65.2 Nm, higher than 95% of machines (+31%)".
- ``input_schema``, ``explain_own_case`` and ``what_if``: "try your own case": a form built
  from the demo data's ranges, an exact, additive SHAP explanation of the case entered, and
  how its prediction changes as one reading moves across its range.
- ``record_verdict`` and ``record_dispute``: stored only on the prototype version the form
  showed; ``reviewed_rows`` and ``earlier_verdicts``: what a reviewer did, version by version.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from feedback_store import own_case_id
from model.config import DEFAULT_BACKGROUND_SIZE, SEED
from model.labels import display_unit
from model.metrics import BINARY, MULTICLASS, REGRESSION, TASKS
from model.publishing import label_strings
from model.review_versions import (
    PrototypeChanged,
    earlier_verdicts,
    record_dispute,
    record_verdict,
    reviewed_rows,
    shown_version,
)
from model.workspace import Prototype

__all__ = [
    "QUEUE_KINDS",
    "PrototypeChanged",
    "case_frame",
    "check_case",
    "earlier_verdicts",
    "explain_own_case",
    "feature_percentiles",
    "input_schema",
    "reason_sentences",
    "record_dispute",
    "record_verdict",
    "review_queue",
    "reviewed_rows",
    "row_position",
    "shown_version",
    "what_if",
]

QUEUE_KINDS = (
    "least confident",
    "disagreement",
    "stratified sample",
    "not yet reviewed by me",
    "by id",
)
#: Contributions smaller than this many percentage points are not worth a sentence.
MIN_POINTS = 0.5
#: For regression: contributions below this share of the output range are not worth one.
MIN_RANGE_SHARE = 0.01
_REGRESSION_STRATA = 4
#: Longest piece of the user's input quoted back in an error message.
QUOTE_MAX = 60
#: Longest text an SME may type into a free-text field of their own case.
MAX_TEXT_LENGTH = 10_000


# -- review queues -------------------------------------------------------------------------------


def review_queue(
    proto: Prototype,
    kind: str,
    reviewer: str | None = None,
    reviewed: Iterable[str] = frozenset(),
    other_predictions: Mapping[str, pd.DataFrame] | None = None,
    seed: int = 0,
    size: int | None = None,
    *,
    row_id: str | None = None,
    predictions: pd.DataFrame | None = None,
) -> list[str]:
    """Row ids of ``proto``'s demo rows in the order a reviewer should see them.

    Kinds (``QUEUE_KINDS``):

    - "least confident": lowest confidence first (ties in row order). Regression has no
      confidence: largest absolute error first when the demo set has labels, else a seeded
      random order.
    - "disagreement": rows on which the sprint's prototypes predict differently, most split
      first (then least confident). ``other_predictions`` maps the other prototypes' names to
      their ``predictions()`` frames; rows they lack are compared among the rest. Regression:
      rows by the spread (standard deviation) of the predictions, largest first.
    - "stratified sample": a seeded random order that takes the predicted classes in turn,
      rarest class first, so any first n rows hold as equal a number per class as the classes
      allow. The same seed gives every reviewer the same order, so their reviews overlap and
      agreement can be measured. Regression: quartiles of the prediction are the classes.
    - "not yet reviewed by me": the least confident rows not in ``reviewed``; needs
      ``reviewer`` (whose verdicts ``reviewed`` holds).
    - "by id": just ``row_id``, checked to be a demo row (``reviewed`` is not applied).

    Every other kind leaves out the row ids in ``reviewed``. ``size`` keeps the first rows.
    ``predictions`` is ``proto.predictions()`` if the caller has it already (it is not
    changed); otherwise they are read.
    """
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown review queue {kind!r}; choose one of {', '.join(QUEUE_KINDS)}")
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1
    ):
        raise ValueError(f"size must be a whole number of rows, at least 1; got {size!r}")
    done = _row_ids("reviewed", reviewed)
    if predictions is None:
        predictions = proto.predictions()
    predictions = predictions.set_axis(predictions.index.astype(str))
    if kind == "by id":
        return [_demo_row(proto, predictions, row_id)]
    if kind == "not yet reviewed by me" and not (isinstance(reviewer, str) and reviewer.strip()):
        raise ValueError("the 'not yet reviewed by me' queue needs reviewer: your name")
    remaining = predictions[~predictions.index.isin(done)] if done else predictions
    if kind == "disagreement":
        order = _most_split(proto, remaining, other_predictions)
    elif kind == "stratified sample":
        order = _stratified(proto, remaining, seed)
    else:
        order = _least_confident(proto, remaining, seed)
    # The ids of the rows kept, in one call: a Python loop over 100,000 ids took longer than
    # ordering them.
    return (order if size is None else order[: int(size)]).tolist()


def _row_ids(field: str, values: Iterable[str]) -> set[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(
            f"{field} must be a set of row ids such as {{'4711'}}, got {_quoted(values)}"
        )
    return {str(v) for v in values}


def _demo_row(proto: Prototype, predictions: pd.DataFrame, row_id: Any) -> str:
    if row_id is None or not str(row_id).strip():
        raise ValueError("the 'by id' queue needs row_id: the id of the row to review")
    wanted = str(row_id).strip()
    if wanted not in predictions.index:
        raise ValueError(
            f"row {_quoted(wanted)} is not among the {len(predictions):,} demo rows of"
            f" {proto.name}; check the id"
        )
    return wanted


# The orders below are row ids (an Index of text), first first.
def _least_confident(proto: Prototype, rows: pd.DataFrame, seed: int) -> pd.Index:
    if "confidence" in rows.columns:
        return rows["confidence"].sort_values(kind="stable").index
    if "error" in rows.columns and rows["error"].notna().any():
        size = rows["error"].abs().fillna(-np.inf)
        return size.sort_values(ascending=False, kind="stable").index
    return rows.index[np.random.default_rng(seed).permutation(len(rows))]


def _most_split(
    proto: Prototype, rows: pd.DataFrame, others: Mapping[str, pd.DataFrame] | None
) -> pd.Index:
    if not others:
        raise ValueError(
            "the 'disagreement' queue needs the other prototypes' predictions: pass"
            " other_predictions={name: prototype.predictions()}"
        )
    columns = {proto.name: rows["predicted"]}
    for name, frame in others.items():
        if not isinstance(frame, pd.DataFrame) or "predicted" not in frame.columns:
            raise ValueError(
                f"other_predictions[{name!r}] must be a prototype's predictions() frame with a"
                " 'predicted' column"
            )
        predicted = frame["predicted"].copy()
        predicted.index = predicted.index.astype(str)
        columns[str(name)] = predicted
    table = pd.DataFrame(columns).reindex(rows.index)
    counts = table.notna().sum(axis=1)
    if proto.task == REGRESSION:
        split = table.astype(float).std(axis=1, ddof=0)
        keep = counts >= 2
    else:
        given = table.stack().dropna().astype(str)
        rows_level = given.index.get_level_values(0)
        top = given.groupby([rows_level, given.to_numpy()]).size().groupby(level=0).max()
        top = top.reindex(table.index, fill_value=0)
        split = 1 - top / counts.where(counts > 0, 1)
        keep = (counts >= 2) & (split > 0)
    order = pd.DataFrame({"split": split[keep]})
    order["confidence"] = rows["confidence"] if "confidence" in rows.columns else 0.0
    order = order.sort_values(["split", "confidence"], ascending=[False, True], kind="stable")
    return order.index


def _stratified(proto: Prototype, rows: pd.DataFrame, seed: int) -> pd.Index:
    if rows.empty:
        return rows.index
    rng = np.random.default_rng(seed)
    if proto.task == REGRESSION:
        strata = pd.qcut(
            rows["predicted"].astype(float).rank(method="first"),
            q=min(_REGRESSION_STRATA, len(rows)),
            labels=False,
        ).astype(str)
    else:
        strata = rows["predicted"].astype(str)
    codes, labels = pd.factorize(strata, sort=True)
    counts = np.bincount(codes, minlength=len(labels))
    # Rarest class first; each class's rows shuffled (in that order, so a seed gives one
    # order), and each row's turn is its place in its class's shuffle. The queue takes turn
    # 0 of every class, then turn 1, and so on: numpy instead of a loop over every row.
    rank = np.empty(len(labels), dtype=np.int64)
    turn = np.empty(len(rows), dtype=np.int64)
    for place, group in enumerate(sorted(range(len(labels)), key=lambda g: (counts[g], labels[g]))):
        rank[group] = place
        members = np.flatnonzero(codes == group)
        turn[members[rng.permutation(len(members))]] = np.arange(len(members))
    return rows.index[np.lexsort((rank[codes], turn))]


# -- reasons in plain words ----------------------------------------------------------------------


def row_position(frame: pd.DataFrame, row_id: str) -> int | None:
    """The position of the row whose id, as text, is ``row_id`` (the first such), or None.

    One comparison of the ids: looking a label up in a 100,000-row text index first builds
    its hash table, ten times as long for a single row.
    """
    found = np.flatnonzero(frame.index.astype(str) == str(row_id))
    return int(found[0]) if len(found) else None


def feature_percentiles(
    features_frame: pd.DataFrame, row: Mapping[str, Any] | pd.Series | str
) -> dict[str, float]:
    """Percentile (0–100) of each numeric feature value of ``row`` within ``features_frame``.

    ``row`` is a demo row id or a mapping of feature values (a case the SME entered). The
    percentile counts the demo rows below the value and half of those equal to it, so the
    middle of the data is 50 whichever way ties fall. Categorical and missing values are left
    out.
    """
    if isinstance(row, str):
        position = row_position(features_frame, row)
        if position is None:
            raise ValueError(f"row {_quoted(row)} is not in the demo data; check the id")
        values = features_frame.iloc[position]
    elif isinstance(row, Mapping | pd.Series):
        values = row
    else:
        raise ValueError(f"row must be a row id or a mapping of feature values, got {_quoted(row)}")
    result = {}
    for name in features_frame.columns:
        column = features_frame[name]
        if name not in values or not _is_numeric(column):
            continue
        value = values[name]
        if not _is_number(value) or not math.isfinite(float(value)):
            continue
        # numpy, not pandas: a Series method probed attributes that had pandas build a hash
        # table of every (text) row id, longer than the counting itself.
        data = column.to_numpy(dtype=float, na_value=np.nan)
        data = data[~np.isnan(data)]
        if len(data) == 0:
            continue
        below = np.count_nonzero(data < float(value))
        equal = np.count_nonzero(data == float(value))
        result[name] = float(100 * (below + 0.5 * equal) / len(data))
    return result


def reason_sentences(
    explanation: Mapping[str, Any],
    percentiles: Mapping[str, float],
    task: str,
    positive_class: str | None,
    max_reasons: int = 3,
    *,
    outcome: str | None = None,
    noun: str = "demo rows",
    output_range: float | None = None,
    class_names: Mapping | None = None,
    units: Mapping | None = None,
) -> list[str]:
    """Up to ``max_reasons`` sentences saying which feature values moved the prediction most.

    ``explanation`` is the dict of ``Workspace.explain`` or ``explain_own_case``;
    ``percentiles`` comes from ``feature_percentiles``. Contributions are picked by size; those
    under 0.5 percentage points (classification) or 1% of ``output_range`` (regression; by
    default the sum of the contributions' sizes) are skipped. ``outcome`` names what is
    predicted ("Failure risk"; default: 'The chance of "Failure"' or "The prediction") and
    ``noun`` what the demo rows are ("machines"). ``class_names`` names the classes
    (``{"1": "Failure"}``) and ``units`` gives display units per feature (a prototype's
    ``display_units``), so values read "300.1 K (27.0 °C)". A contribution to a probability is
    given in percent of chance ("+31%"); on a boosting model's own score scale (``unit``
    "log-odds") as a change of that score.

    Example: "Failure risk is higher mainly because Torque [Nm] is 65.2 Nm, higher than 95% of
    machines (+31%)."
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
    if isinstance(max_reasons, bool) or not isinstance(max_reasons, int) or max_reasons < 1:
        raise ValueError(f"max_reasons must be a whole number, at least 1; got {max_reasons!r}")
    if not isinstance(explanation, Mapping) or not isinstance(
        explanation.get("contributions"), Mapping
    ):
        raise ValueError("explanation must be the dict Workspace.explain returns")
    contributions = pd.Series(explanation["contributions"], dtype=float)
    values = explanation.get("feature_values") or {}
    regression = task == REGRESSION
    log_odds = explanation.get("unit") == "log-odds"
    if regression or log_odds:
        scale = output_range if output_range is not None else contributions.abs().sum()
        threshold = MIN_RANGE_SHARE * float(scale)
    else:
        threshold = MIN_POINTS / 100
    subject = outcome or _subject(explanation, task, positive_class, class_names)
    order = contributions.abs().sort_values(ascending=False, kind="stable").index
    sentences: list[str] = []
    directions: set[str] = set()
    for feature in order:
        contribution = float(contributions[feature])
        if len(sentences) == max_reasons or abs(contribution) < threshold or contribution == 0:
            break
        direction = "higher" if contribution > 0 else "lower"
        because = "mainly because" if not sentences else "because"
        also = "also " if direction in directions else ""
        directions.add(direction)
        unit = (units or {}).get(feature)
        reason = _feature_phrase(feature, values.get(feature), percentiles.get(feature), noun, unit)
        if log_odds:
            sentences.append(
                f"{subject} is {also}{direction} {because} {reason} ({contribution:+.2f} on the"
                " model's score)."
            )
        elif regression:
            sentences.append(
                f"{subject} is {also}{direction} by {_number(abs(contribution))} {because}"
                f" {reason}."
            )
        else:
            sentences.append(
                f"{subject} is {also}{direction} {because} {reason} ({_points(contribution)})."
            )
    return sentences


def _subject(
    explanation: Mapping[str, Any],
    task: str,
    positive_class: str | None,
    class_names: Mapping | None = None,
) -> str:
    if task == REGRESSION:
        return "The prediction"
    explained = explanation.get("explained_class")
    label = explained if explained is not None else positive_class
    if label is None:
        return "The chance"
    named = {str(k): str(v) for k, v in (class_names or {}).items()}.get(str(label), label)
    return f'The chance of "{named}"'


def _feature_phrase(
    feature: str, value: Any, percentile: float | None, noun: str, unit: Any = None
) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{feature} is missing"
    shown = _value_text(value)
    if unit is not None and _is_number(value) and math.isfinite(float(value)):
        spec = display_unit(unit)
        number = float(value)
        shown = spec.format(number, digits=0 if number.is_integer() and not spec.also else 1)
    phrase = f"{feature} is {shown}"
    if percentile is None or not _is_number(value):
        return phrase
    if percentile >= 60:
        return f"{phrase}, higher than {math.floor(percentile)}% of {noun}"
    if percentile <= 40:
        return f"{phrase}, lower than {math.floor(100 - percentile)}% of {noun}"
    return f"{phrase}, a typical value among {noun}"


def _points(contribution: float) -> str:
    """A contribution to a probability in percent of chance, as the waterfall shows it."""
    points = 100 * contribution
    return f"{points:+.0f}%" if abs(points) >= 1 else f"{points:+.1f}%"


def _number(value: float) -> str:
    if abs(value) >= 100_000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def _value_text(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return f"{number:,.0f}" if abs(number) >= 100_000 else f"{number:.5g}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


# -- try your own case ---------------------------------------------------------------------------


def input_schema(proto: Prototype, features: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """One entry per model feature, to build the "try your own case" form from.

    Each entry: ``name``, ``kind`` ("numeric", "categorical" or "text"), ``min``, ``max``,
    ``median`` and ``integer`` (whole numbers only) for numeric features, ``categories`` for
    categorical ones, and ``default`` (the median, or the most common category). A free-text
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
                 "integer": False, "categories": None, "default": default}
            )  # fmt: skip
        elif _is_numeric(column):
            present = column.dropna()
            integer = pd.api.types.is_integer_dtype(column)
            median = float(present.median()) if len(present) else None
            schema.append(
                {
                    "name": name,
                    "kind": "numeric",
                    "min": float(present.min()) if len(present) else None,
                    "max": float(present.max()) if len(present) else None,
                    "median": median,
                    "integer": bool(integer),
                    "categories": None,
                    "default": round(median) if integer and median is not None else median,
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
                }
            )
    return schema


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
    return frame


def explain_own_case(
    proto: Prototype, features: Mapping[str, Any], explained_class: str | None = None
) -> dict[str, Any]:
    """Predict and explain a case the SME entered, in the shape of ``Workspace.explain``.

    The values are checked against ``input_schema``: every feature given, numbers finite and
    within the demo data's range, categories among the known ones (a ValueError names the
    field and what is allowed). The explanation is an exact SHAP explanation with the same
    background as publishing (``DEFAULT_BACKGROUND_SIZE`` demo rows sampled with ``SEED``) and
    adds up: ``base_value + sum(contributions) == output``.

    Returns ``output``, ``base_value``, ``contributions``, ``explained_class``, ``unit``,
    ``feature_values``, ``predicted``, ``explainer``, and also ``row_id``
    (``feedback_store.own_case_id``), ``confidence`` and ``probabilities`` (classification),
    ready for ``FeedbackStore.record(..., source="own")``. A model reading free text also
    gets ``words``: per word of the typed text (``model.explain_text``), ``column``, ``word``,
    ``contribution`` and ``error``, largest first; a column's words sum to its contribution.
    """
    schema = input_schema(proto)
    values = _validated_case(schema, features)
    task = proto.task
    classes = list(proto.meta.get("classes") or [])
    if explained_class is not None and task == MULTICLASS and explained_class not in classes:
        raise ValueError(f"explained_class must be one of {', '.join(classes)}")
    X = case_frame(proto, [values])
    X.index = pd.Index([own_case_id(values)], name="row_id")
    data = proto.features()
    background = data.sample(min(DEFAULT_BACKGROUND_SIZE, len(data)), random_state=SEED)
    estimator = proto.estimator()
    # Exact Shapley values make ~2**M small predict calls; OpenMP threads (histogram gradient
    # boosting) cost more to start than such a call takes: seconds instead of a fraction.
    with threadpool_limits(limits=1, user_api="openmp"):
        from model.explain import explain_estimator  # shap and scikit-learn: own cases only
        from model.explain_text import explain_if_text

        explanation = explain_if_text(
            estimator, X, background, task, len(classes)
        ) or explain_estimator(estimator, X, background, task, len(classes))
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
    them: a ValueError names the first field that is empty, out of range or unknown, and what
    is allowed (nothing is clamped or filled in)."""
    return _validated_case(schema, features)


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
    among the values).
    """
    schema = input_schema(proto)
    values = _validated_case(schema, features)
    field = next((f for f in schema if f["name"] == feature), None)
    if field is None:
        raise ValueError(f"unknown feature {_quoted(feature)}; choose one of the model's features")
    if field["kind"] == "text":
        raise ValueError(f"{feature} is free text; choose a numeric or categorical feature")
    if field["kind"] == "categorical":
        grid: list[Any] = list(field["categories"])
    else:
        grid = list(np.linspace(field["min"], field["max"], max(2, int(points))))
        if field["integer"]:
            grid = sorted({int(round(v)) for v in grid})
        grid = sorted(set(grid) | {values[feature]})
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
    entered = [str(v) == str(values[feature]) if field["kind"] == "categorical"
               else float(v) == float(values[feature]) for v in grid]  # fmt: skip
    return pd.DataFrame({"value": grid, "output": output, "entered": entered})


def _validated_case(schema: list[dict[str, Any]], features: Any) -> dict[str, Any]:
    if not isinstance(features, Mapping):
        raise ValueError("features must be a dict of feature name to value, e.g. {'Type': 'L'}")
    names = [field["name"] for field in schema]
    unknown = [str(name) for name in features if name not in names]
    if unknown:
        raise ValueError(
            f"unknown feature {_quoted(unknown[0])}; the model's features are {', '.join(names)}"
        )
    missing = [name for name in names if name not in features or features[name] is None]
    if missing:
        raise ValueError(f"enter a value for {', '.join(missing)}")
    values: dict[str, Any] = {}
    for field in schema:
        name, value = field["name"], features[field["name"]]
        if field["kind"] == "text":
            if not isinstance(value, str) or len(value) > MAX_TEXT_LENGTH:
                raise ValueError(
                    f"{name} must be a text of at most {MAX_TEXT_LENGTH:,} characters; got "
                    f"{_quoted(value) if not isinstance(value, str) else f'{len(value):,}'}"
                )
            values[name] = value
            continue
        if field["kind"] == "categorical":
            allowed = {str(c): c for c in field["categories"]}
            if str(value) not in allowed:
                raise ValueError(
                    f"{name} must be one of {', '.join(allowed)}; got {_quoted(value)}"
                )
            values[name] = allowed[str(value)]
            continue
        number = _as_number(name, value)
        low, high = field["min"], field["max"]
        if not low <= number <= high:
            raise ValueError(
                f"{name} must be between {_value_text(low)} and {_value_text(high)} (the range"
                f" of the demo data); got {_value_text(number)}"
            )
        values[name] = int(number) if field["integer"] and number.is_integer() else number
    return values


def _as_number(name: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be a number, got {_quoted(value)}") from None
    if not _is_number(value):
        raise ValueError(f"{name} must be a number, got {_quoted(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number}")
    return number


def _quoted(value: Any) -> str:
    """``repr(value)`` for an error message, cut short: what people type can be megabytes."""
    text = repr(value)
    return text if len(text) <= QUOTE_MAX else f"{text[: QUOTE_MAX - 1]}…"


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
