"""What publishing a prototype computes, once: predictions, metrics, costs and SHAP values.

Everything here works in memory and writes nothing; ``Workspace.publish`` stores the result
atomically. Pages only ever read what this produced.
"""

from __future__ import annotations

import functools
import time
import tracemalloc
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model import persistence, stored_features
from model.config import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    BOOTSTRAP_STORE_MIN_ROWS,
    DEFAULT_BACKGROUND_SIZE,
    DEFAULT_DECK_SIZE,
    SEED,
    SHAP_PARALLEL_MIN_ROWS,
)
from model.context_columns import context_frame, warn_context_kept
from model.estimator_contract import (
    PublishError,
    best_of_search,
    columns_taken_in_order,
    describe_estimator,
    detect_task,
    one_target_only,
)
from model.labels import PROBABILITY_PREFIX, WordsError, checked_words, label_strings
from model.metrics import (
    BINARY,
    HEADLINE_METRIC,
    MULTICLASS,
    REGRESSION,
    compute_metrics,
    confusion,
)
from model.progress import deck_size_warning, deck_warner, time_left_reporter
from model.publish_inputs import check_labels, checked_inputs, positive_class_label
from model.tracing import TRACEMALLOC_LOCK

if TYPE_CHECKING:
    from model.explain import Explanation

# model.deck and model.explain import scikit-learn (about a second on a fresh server) and are
# imported where publishing needs them. `label_strings` and `PROBABILITY_PREFIX` live in
# model.labels and are re-exported here for the modules that import them from publishing.

# PublishError, detect_task and describe_estimator live in model.estimator_contract and are
# re-exported here, where callers have always found them.
__all__ = [
    "PublishError",
    "Artifacts",
    "compute_artifacts",
    "describe_estimator",
    "detect_task",
    "label_strings",
    "PROBABILITY_PREFIX",
]


@dataclass
class Artifacts:
    """Everything a published prototype consists of, before it is written."""

    meta: dict
    features: pd.DataFrame
    predictions: pd.DataFrame
    shap: dict[str, pd.DataFrame]
    model_bytes: bytes
    explanation: Explanation = field(repr=False)
    #: The headline metric on each of the bake-off's bootstrap resamples (``meta["bootstrap"]``
    #: says which); ``None`` without labels.
    replicates: np.ndarray | None = field(default=None, repr=False)
    #: Which missing value each missing cell of a column mixing several held (see
    #: ``model.stored_features``); ``None`` when no column does.
    missing_kinds: pd.DataFrame | None = field(default=None, repr=False)
    #: The data's columns the model does not take, kept for reviewers (index ``row_id``,
    #: ``model.context_columns``); ``None`` when there are none.
    context: pd.DataFrame | None = field(default=None, repr=False)


def _measure_latency(
    estimator,
    X: pd.DataFrame,
    task: str,
    repeats: int = 15,
    min_repeats: int = 5,
    budget_seconds: float = 0.02,
) -> dict:
    """p50 and p95 milliseconds to predict 1,000 rows, and the peak memory of one such call.

    At least ``min_repeats`` and at most ``repeats`` calls are timed, stopping at the first to
    end after ``budget_seconds``: ``latency_repeats`` is how many the percentiles are taken
    over: a model that predicts 1,000 rows in 4 ms gets its 5 calls, one of 0.5 ms up to 15,
    so that timing costs little next to the explanations it sits beside. No warm-up call:
    publishing has predicted every row just before. Then one more
    call is traced with tracemalloc for the peak (tracing slows it, so it is not timed; the
    calls before filled pandas' caches of the batch, which would count otherwise).
    """
    batch = X.iloc[np.arange(1000) % len(X)]
    predict = estimator.predict if task == REGRESSION else estimator.predict_proba
    timings = []
    budget = time.perf_counter() + budget_seconds
    for _ in range(repeats):
        start = time.perf_counter()
        predict(batch)
        timings.append((time.perf_counter() - start) * 1000)
        if len(timings) >= min_repeats and time.perf_counter() > budget:
            break
    with TRACEMALLOC_LOCK:  # see model.tracing: no Parquet read in this process meanwhile
        tracemalloc.start()
        try:
            predict(batch)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {
        "latency_ms_per_1000_p50": float(np.percentile(timings, 50)),
        "latency_ms_per_1000_p95": float(np.percentile(timings, 95)),
        "latency_repeats": len(timings),
        "peak_memory_bytes": int(peak),
    }


def _predictions(estimator, X, y, task, classes):
    frame = pd.DataFrame(index=X.index)
    if task == REGRESSION:
        from model.explain_trees import float64_regression  # XGBoost: its trees in float64

        exact = float64_regression(estimator, X)
        predicted = np.asarray(estimator.predict(X) if exact is None else exact, dtype=float)
        if predicted.ndim == 2 and predicted.shape[1] == 1:  # one target, as a column
            predicted = predicted[:, 0]
        if predicted.ndim != 1:
            raise PublishError(one_target_only(type(estimator).__name__, predicted.shape[-1]))
        frame["predicted"] = predicted
        probabilities = None
        if y is not None:
            frame["actual"] = y.to_numpy(dtype=float)
            frame["error"] = predicted - frame["actual"]
        return frame, predicted, probabilities
    from model.explain import predict_is_argmax_of_proba

    probabilities = np.asarray(estimator.predict_proba(X), dtype=float)
    if predict_is_argmax_of_proba(estimator):
        labels = np.asarray(estimator.classes_).take(np.argmax(probabilities, axis=1), axis=0)
    else:
        labels = estimator.predict(X)
    predicted = label_strings(labels)
    frame["predicted"] = predicted
    frame["confidence"] = probabilities[np.arange(len(X)), _class_positions(predicted, classes)]
    for j, label in enumerate(classes):
        frame[PROBABILITY_PREFIX + label] = probabilities[:, j]
    if y is not None:
        frame["actual"] = y.to_numpy()
        frame["correct"] = frame["predicted"] == frame["actual"]
    return frame, predicted, probabilities


def _class_positions(predicted, classes):
    position = {label: j for j, label in enumerate(classes)}
    return np.array([position.get(label, 0) for label in predicted])


def _columns_said(compute):
    """``compute`` under :func:`columns_taken_in_order` for its estimator and X's columns."""

    @functools.wraps(compute)
    def said(estimator, X, *args, **options):
        with columns_taken_in_order(estimator, getattr(X, "columns", [])):
            return compute(estimator, X, *args, **options)

    return said


@_columns_said
def compute_artifacts(
    estimator,
    X: pd.DataFrame,
    y=None,
    *,
    task: str | None = None,
    background_size: int = DEFAULT_BACKGROUND_SIZE,
    seed: int = SEED,
    progress=None,
    deck_size: int | None = DEFAULT_DECK_SIZE,
    class_names: Mapping | None = None,
    feature_descriptions: Mapping[str, str] | None = None,
    display_units: Mapping[str, object] | None = None,
    positive_class=None,
    case_noun: str | None = None,
) -> Artifacts:
    """Predict, measure, explain and serialise ``estimator`` on the demo rows ``X``.

    ``class_names``, ``feature_descriptions`` and ``display_units`` are the words pages use
    instead of codes (see :func:`model.labels.checked_words`), checked before anything is
    computed.

    ``positive_class`` is the class of a binary model that is counted, flagged and explained
    (a failure, a fraud): by default the model's second class (``classes_[1]``), which for
    text labels is the later in alphabetical order ("no failure" after "failure").

    SHAP values are computed for the ``deck_size`` rows of the demo deck
    (:func:`model.deck.plan_deck`; ``None``: every row), stored as float64 (float32 breaks
    additivity on outputs in the hundreds of thousands). A model whose saved file the app may
    not load back (a hand-written class: loading it would run its code) can explain no row
    later, so every row is explained now, up to :data:`model.deck.UNLOADABLE_DECK_ROWS` (or
    ``deck_size`` rows if more), and ``meta["model_untrusted_types"]`` names the types. Raises
    ``PublishError`` with a one-line message for anything that cannot be published.
    """
    from model.background import representative_background
    from model.deck import (
        Deck,
        plan_deck,
        time_on_demand,
        unloadable_deck,
        unloadable_deck_size,
        validate_deck_size,
        weighted_importance,
    )
    from model.explain import ExplanationError, explain_estimator, explained_outputs
    from model.explanation import of_positive_class, others_importance

    report = progress or (lambda fraction, message: None)
    estimator, chosen_by = best_of_search(estimator)  # a fitted search: its best model
    task = detect_task(estimator, task)
    y_original = y
    given = X
    X, y = checked_inputs(estimator, X, y, task)
    classes = [] if task == REGRESSION else list(label_strings(estimator.classes_))
    if y is not None and task != REGRESSION:
        check_labels(y, classes)
    positive = positive_class_label(task, classes, positive_class)
    numeric = {
        c
        for c in X.columns
        if pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    }
    target = getattr(y_original, "name", None)
    if isinstance(y_original, pd.DataFrame):  # one column (checked_inputs refused more)
        target = y_original.columns[0]
    context = context_frame(given, X.columns, X.index, [target, *given.index.names])
    try:
        words = checked_words(
            classes, list(X.columns), numeric, class_names, feature_descriptions, display_units,
            target=str(target) if target is not None and task == REGRESSION else None,
            case_noun=case_noun,
        )  # fmt: skip
    except WordsError as error:
        raise PublishError(str(error)) from None

    report(0.1, "predicting")
    try:
        predictions, predicted, probabilities = _predictions(estimator, X, y, task, classes)
        latency = _measure_latency(estimator, X, task)
    except PublishError:
        raise
    except Exception as error:  # noqa: BLE001 - the model's own error, summarised for the user
        dates = _date_columns(X)
        if dates:
            raise PublishError(
                f"column {dates[0]!r} holds dates; turn them into numbers in your pipeline "
                "(e.g. days since a date) or drop the column"
            ) from None
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise PublishError(f"the model failed to predict on the data: {message}") from None

    metrics, matrix = {}, None
    if y is not None:
        metrics = compute_metrics(
            task, y.to_numpy(), predicted, probabilities, classes or None, positive=positive
        )
        if task != REGRESSION:
            matrix = confusion(y.to_numpy(), predicted, classes)

    # A model whose file cannot be loaded back (a hand-written class: loading it would run its
    # code) can never explain a row later, so every row the pages show is explained now.
    untrusted = persistence.untrusted_parts(estimator)
    # A stratified sample over the rows ordered by the model's output: its mean output, "the
    # model's average" on every explanation, is the demo set's (model.background).
    all_outputs = explained_outputs(predicted if task == REGRESSION else probabilities, task)
    background = representative_background(X, all_outputs, background_size)

    def unloadable_words() -> str | None:  # why no row can be explained later, if none can
        return persistence.unloadable_reason(untrusted) if untrusted else None

    def explain_deck(size) -> tuple[Deck, Explanation]:
        from model.explain_text import explain_if_text  # a free-text column: word by word

        try:
            deck = plan_deck(predictions, size, seed)
        except ValueError as error:
            raise PublishError(str(error)) from None
        computing = f"computing SHAP values for {len(deck.rows):,} rows"
        report(0.3, computing)
        shap_progress = time_left_reporter(
            lambda words, share: report(0.3 + 0.55 * share, f"{computing}: {words}"),
            on_left=deck_warner(len(deck.rows), unloadable=unloadable_words()),
        )
        positions = X.index.get_indexer(deck.rows)
        # What is explained, from the predictions made above: the model does not predict again.
        outputs = explained_outputs(
            (predicted if task == REGRESSION else probabilities)[positions], task
        )
        rows = X.loc[deck.rows]
        try:
            text = explain_if_text(estimator, rows, background, task, len(classes))
            explanation = text or explain_estimator(
                estimator,
                rows,
                background,
                task,
                len(classes),
                outputs=outputs,
                progress=shap_progress,
            )
        except ExplanationError as error:
            raise PublishError(str(error)) from None
        return deck, of_positive_class(explanation, task, classes, positive)

    try:
        deck_size = validate_deck_size(deck_size)
    except ValueError as error:
        raise PublishError(str(error)) from None
    every_row = unloadable_deck_size(deck_size, len(X))  # up to UNLOADABLE_DECK_ROWS
    size = every_row if untrusted else deck_size
    if untrusted:
        deck_size_warning(deck_size, len(X), every_row or len(X), unloadable_words())
    started = time.perf_counter()
    if _may_use_workers(len(X) if size is None else min(size, len(X))):
        # While worker processes compute the SHAP values this thread only waits, so the model
        # is serialised and the metric bootstrapped meanwhile, in a thread of their own (SHAP
        # stays here, where the caller's joblib backend, e.g. Dask, is configured). Without
        # workers the two would only contend for the GIL, so they run one after the other.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sprint-review-publish") as pool:
            saving = pool.submit(_saved_and_bootstrapped, estimator, predictions, y, task, positive)
            deck, explanation = explain_deck(size)
            seconds_per_row = (time.perf_counter() - started) / len(deck.rows)
            model_bytes, untrusted, bootstrap, replicates = saving.result()
    else:
        deck, explanation = explain_deck(size)
        seconds_per_row = (time.perf_counter() - started) / len(deck.rows)
        report(0.85, "saving the model")
        model_bytes, untrusted, bootstrap, replicates = _saved_and_bootstrapped(
            estimator, predictions, y, task, positive
        )
    if untrusted and every_row != size:
        # The saved file holds a type the quick look missed: explain the rows it would have.
        deck_size_warning(deck_size, len(X), every_row or len(X), unloadable_words())
        started = time.perf_counter()
        deck, explanation = explain_deck(every_row)
        seconds_per_row = (time.perf_counter() - started) / len(deck.rows)
    if untrusted:
        deck = unloadable_deck(deck, persistence.unloadable_reason(untrusted))
    predictions["precomputed"] = predictions.index.isin(deck.rows)

    explained = [positive] if task == BINARY else (classes if task == MULTICLASS else [""])
    shap_frames = {
        label: pd.DataFrame(explanation.values[:, :, c], index=deck.rows, columns=X.columns)
        for c, label in enumerate(explained)
    }
    importance = weighted_importance(explanation.values, list(X.columns), deck.weights)
    # the importance chart's last bar: how far the features without a bar move a row together
    others = others_importance(explanation.values, list(X.columns), deck.weights, importance)

    report(0.9, "saving the prototype")
    if not deck.complete and not untrusted:  # what another row will cost: load, explain it
        report(0.95, "timing an explanation on demand")
        other = X.loc[~predictions["precomputed"].to_numpy()].iloc[:1]
        seconds_per_row = time_on_demand(
            model_bytes, other, background, task, len(classes), explanation.explainer
        )

    texts = list(getattr(explanation, "text_columns", []))  # free text: no categories
    categorical = {
        c: sorted(map(str, X[c].dropna().unique()))
        for c in X.columns
        if c not in numeric and c not in texts
    }
    stored_columns, missing_kinds = stored_features.describe(X)
    meta = {
        "task": task,
        "target": str(target) if target is not None else None,
        "classes": classes,
        "positive_class": positive,
        "explained_classes": [c or None for c in explained],
        "features": list(X.columns),
        # Object columns' dtype and missing values, which Parquet does not keep.
        "stored_columns": stored_columns,
        "categorical": categorical,
        "text_columns": texts,
        # Columns of the data the model does not take, kept for reviewers (context.parquet).
        "context_columns": [] if context is None else list(context.columns),
        "n_rows": len(X),
        "has_labels": y is not None,
        "metrics": metrics,
        "confusion_matrix": matrix,
        "explainer": explanation.explainer,
        "explainer_methods": explanation.methods,
        **explanation.methods_meta(deck.rows),
        "unit": explanation.unit,
        "max_additivity_error": explanation.max_additivity_error,
        "base_values": [float(v) for v in explanation.base_values],
        "background_size": len(background),
        "background_rows": list(background.index),
        # A model that cannot be loaded back explains no row later (see model_untrusted_types).
        "deck": {**deck.meta(), "seconds_per_row": seconds_per_row, "later": not untrusted},
        "bootstrap": bootstrap,
        "global_importance": importance,
        "other_features_importance": others,
        "estimator": " · ".join(filter(None, [describe_estimator(estimator), chosen_by])),
        # Types its file holds that the app may not load: no row can be explained later.
        "model_untrusted_types": untrusted,
        **words,
        "model_size_bytes": len(model_bytes),
        **latency,
    }
    warn_context_kept(context)
    return Artifacts(
        meta,
        X,
        predictions,
        shap_frames,
        model_bytes,
        explanation,
        replicates,
        missing_kinds,
        context,
    )


def _date_columns(X: pd.DataFrame) -> list[str]:
    """The columns of ``X`` that hold dates or times (a datetime dtype, or Python dates)."""
    return [
        str(column)
        for column in X.columns
        if pd.api.types.is_datetime64_any_dtype(X[column])
        or isinstance(X[column].dtype, pd.PeriodDtype)
        or (
            X[column].dtype == object
            and pd.api.types.infer_dtype(X[column], skipna=True) in ("datetime", "date")
        )
    ]


def _may_use_workers(n_rows: int) -> bool:
    """Whether explaining ``n_rows`` rows may go to SHAP worker processes (see
    ``model.explain.tree_shap_values``, which decides)."""
    import joblib

    from model.explain import shap_jobs

    return n_rows >= SHAP_PARALLEL_MIN_ROWS and joblib.effective_n_jobs(shap_jobs()) > 1


def _saved_and_bootstrapped(
    estimator, predictions: pd.DataFrame, y, task: str, positive: str | None
) -> tuple[bytes, list[str], dict | None, np.ndarray | None]:
    """The model's skops bytes, the types in them the app may not load back
    (:func:`model.persistence.untrusted_types`), and the bootstrap replicates if the rows have
    labels and are at least ``BOOTSTRAP_STORE_MIN_ROWS``."""
    try:
        model_bytes = persistence.dumps(estimator)
    except Exception as error:  # noqa: BLE001
        raise PublishError(f"the model cannot be saved with skops: {error}") from None
    untrusted = persistence.untrusted_types(model_bytes)
    if y is None or len(predictions) < BOOTSTRAP_STORE_MIN_ROWS:
        return model_bytes, untrusted, None, None
    return model_bytes, untrusted, *_bootstrap_replicates(predictions, task, positive)


def _bootstrap_replicates(
    predictions: pd.DataFrame, task: str, positive_class: str | None
) -> tuple[dict, np.ndarray]:
    """The headline metric on each of the bake-off's bootstrap resamples, and what they are.

    The Bake-off page opens on the headline metric; with these stored, it pairs the
    prototypes' replicates instead of scoring every prototype on every resample.
    """
    from model.bootstrap import BOOTSTRAP_METHOD, replicate_values
    from model.resampled_metrics import metric_function

    metric = metric_function(HEADLINE_METRIC[task], task, positive_class)
    values = replicate_values(predictions, metric, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)
    about = {
        "metric": metric.key,
        "positive_class": positive_class,
        "n_resamples": BOOTSTRAP_RESAMPLES,
        "seed": BOOTSTRAP_SEED,
        "method": BOOTSTRAP_METHOD,
    }
    return about, values
