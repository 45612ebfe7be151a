"""The demo deck: which rows get SHAP values when publishing, and what they stand for.

A large demo set is not explained row by row at publish time. A deck of rows is: the rows
people ask about first (wrong and least confident predictions, or the largest errors of a
regression) and a stratified random sample of the rest. Any other row is explained when someone
selects it (``Workspace.explain``). Global importance is a weighted mean over the deck, each
sampled row standing for the rows of its stratum, so it estimates the mean over every row
rather than over the error-heavy part.
"""

from __future__ import annotations

import dataclasses
import numbers
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import persistence
from model.config import (
    DECK_ERROR_SHARE,
    DECK_PRIORITY_SHARE,
    DECK_REGRESSION_BINS,
    SEED,
)
from model.explain import EXACT, Explanation, ExplanationError, explain_rows
from model.explain_trees import INTERVENTIONAL_TREE

__all__ = [
    "Deck",
    "EXACT",
    "INTERVENTIONAL_TREE",
    "explain_on_demand",
    "plan_deck",
    "select_deck",
    "time_on_demand",
    "UNLOADABLE_DECK_ROWS",
    "unloadable_deck",
    "unloadable_deck_size",
    "validate_deck_size",
    "weighted_importance",
]


@dataclass(frozen=True)
class Deck:
    """The rows explained when publishing, and how many rows each one stands for.

    ``rows`` are in the order of the predictions; ``weights`` (same index) is 1 for rows chosen
    for what they are (errors, least confident, largest errors) and ``N_h / n_h`` for a row
    sampled from a stratum of ``N_h`` rows of which ``n_h`` were drawn.
    """

    rows: pd.Index
    weights: pd.Series
    size: int | None
    n_rows: int
    errors: int | None
    errors_kept: int | None
    priority: int
    sampled: int
    strata: int
    rule: str
    importance: str

    @property
    def complete(self) -> bool:
        """True when every row is in the deck."""
        return len(self.rows) == self.n_rows

    def meta(self) -> dict:
        """What ``prototype.json`` records under ``"deck"``.

        ``size`` (the setting, ``None`` for every row), ``precomputed`` (rows explained when
        publishing), ``rows`` (all demo rows), ``rule`` (one sentence for the page),
        ``errors`` / ``errors_kept`` (wrong predictions, and how many are in the deck),
        ``priority_rows`` (least confident or largest-error rows), ``sampled`` and ``strata``
        (the random part), ``importance`` (how global importance was computed). Publishing
        adds ``seconds_per_row``: what explaining one other row on demand took, model loading
        included (with every row precomputed: the publish's SHAP time per row).
        """
        return {
            "size": self.size,
            "precomputed": len(self.rows),
            "rows": self.n_rows,
            "rule": self.rule,
            "errors": self.errors,
            "errors_kept": self.errors_kept,
            "priority_rows": self.priority,
            "sampled": self.sampled,
            "strata": self.strata,
            "importance": self.importance,
        }


def validate_deck_size(size) -> int | None:
    """``size`` as a deck size: ``None`` (every row) or a whole number of rows, at least 1.

    Raises ``ValueError`` saying what to pass instead.
    """
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(
            f"deck size must be a whole number of rows, at least 1, or None for every row; "
            f"got {size!r}"
        )
    return int(size)


#: Rows publishing explains, at most, for a model that cannot be loaded back from its file, so
#: that no row can be explained later: twice the default deck (a hand-written model of up to
#: 12 features explains 10,000 rows in about 3 s; beyond 12 features, about 0.01-0.2 s a row).
UNLOADABLE_DECK_ROWS = 10_000

#: How a deck's rule ends when any other row can be explained later.
_LATER = "Any other row is explained when you select it."


def unloadable_deck_size(size, n_rows: int) -> int | None:
    """The deck size for a model that cannot be loaded back: every one of the ``n_rows`` rows
    up to ``UNLOADABLE_DECK_ROWS``, or ``size`` if it asks for more (``None``, every row,
    stays ``None``). Raises ``ValueError`` for a size :func:`validate_deck_size` refuses."""
    size = validate_deck_size(size)
    if size is None:
        return None
    return max(size, min(n_rows, UNLOADABLE_DECK_ROWS))


def unloadable_deck(deck: Deck, reason: str) -> Deck:
    """``deck`` with a rule saying why rows were explained now: the model cannot be loaded
    back to explain one later (``reason``, from :func:`model.persistence.unloadable_reason`)."""
    why = f"the model cannot be loaded back to explain a row later: {reason}."
    if deck.complete:
        rule = f"{deck.rule} Every row was explained now because {why}"
    else:
        rule = deck.rule.replace(_LATER, f"No other row can be explained: {why}")
    return dataclasses.replace(deck, rule=rule)


def select_deck(predictions: pd.DataFrame, size: int | None, seed: int = SEED) -> pd.Index:
    """The row ids whose SHAP values are computed when publishing; see :func:`plan_deck`."""
    return plan_deck(predictions, size, seed).rows


def plan_deck(predictions: pd.DataFrame, size: int | None, seed: int = SEED) -> Deck:
    """Choose the demo deck of ``size`` rows from a prototype's ``predictions``.

    ``predictions`` is what publishing computes (index: row id): ``predicted`` and
    ``confidence`` for a classifier, ``predicted`` for a regressor, plus ``correct`` /
    ``error`` when the truth is known. The rule, with ``k = size``:

    1. Classification with labels: every misclassified row. If there are more than
       ``DECK_ERROR_SHARE × k``, the most confident of them (confident mistakes are the ones
       worth a look) up to that share.
    2. The ``DECK_PRIORITY_SHARE × k`` least confident of the remaining rows (regression with
       labels: the largest absolute errors; regression without labels: none).
    3. The rest of the deck is a random sample of the remaining rows, stratified by cell of
       actual × predicted class (predicted class without labels; ``DECK_REGRESSION_BINS``
       quantile bins of the predicted value for regression): each non-empty cell gets at least
       one row while the budget allows, the remainder in proportion to the cells' sizes
       (largest remainders).

    Ties are broken by row order and sampling uses ``numpy.random.default_rng(seed)``, so the
    same predictions, size and seed give the same deck. ``None`` or a size of at least the
    number of rows selects every row, with weight 1.
    """
    size = validate_deck_size(size)
    n_rows = len(predictions)
    if size is None or size >= n_rows:
        return Deck(
            rows=predictions.index.copy(),
            weights=pd.Series(1.0, index=predictions.index),
            size=size,
            n_rows=n_rows,
            errors=None,
            errors_kept=None,
            priority=0,
            sampled=0,
            strata=0,
            rule=f"SHAP values were computed for all {n_rows:,} rows when publishing.",
            importance=f"mean absolute SHAP value over all {n_rows:,} rows",
        )
    classification = "confidence" in predictions.columns
    labelled = "actual" in predictions.columns
    chosen = np.zeros(n_rows, dtype=bool)
    errors = errors_kept = None
    if classification and labelled:
        wrong = np.flatnonzero(~predictions["correct"].to_numpy(dtype=bool))
        errors = len(wrong)
        cap = int(size * DECK_ERROR_SHARE)
        if errors > cap:
            confidence = predictions["confidence"].to_numpy(dtype=float)[wrong]
            wrong = wrong[np.argsort(-confidence, kind="stable")[:cap]]
        chosen[wrong] = True
        errors_kept = len(wrong)
    priority = min(int(size * DECK_PRIORITY_SHARE), size - int(chosen.sum()))
    urgency = None
    if classification:
        urgency = -predictions["confidence"].to_numpy(dtype=float)  # least confident first
    elif labelled:
        urgency = np.abs(predictions["error"].to_numpy(dtype=float))  # largest errors first
    else:
        priority = 0
    if priority > 0 and urgency is not None:
        candidates = np.flatnonzero(~chosen)
        order = np.argsort(-urgency[candidates], kind="stable")
        chosen[candidates[order[:priority]]] = True
    weights = np.zeros(n_rows)
    weights[chosen] = 1.0
    strata = _strata(predictions, classification, labelled)
    pool = np.flatnonzero(~chosen)
    fill = size - int(chosen.sum())
    sampled, cells = _stratified_sample(strata[pool], pool, fill, seed, weights)
    chosen[sampled] = True
    positions = np.flatnonzero(chosen)
    rows = predictions.index[positions]
    rule = _rule(
        size, n_rows, classification, labelled, errors, errors_kept, priority, len(sampled)
    )
    return Deck(
        rows=rows,
        weights=pd.Series(weights[positions], index=rows),
        size=size,
        n_rows=n_rows,
        errors=errors,
        errors_kept=errors_kept,
        priority=priority,
        sampled=len(sampled),
        strata=cells,
        rule=rule,
        importance=(
            f"weighted mean absolute SHAP value over the {len(rows):,} precomputed rows: a row "
            "drawn at random counts for every row of its group it stands for, a row chosen for "
            f"being wrong or uncertain counts once; an estimate of the mean over all {n_rows:,} "
            "rows"
        ),
    )


def _strata(predictions: pd.DataFrame, classification: bool, labelled: bool) -> np.ndarray:
    if classification:
        predicted = predictions["predicted"].astype(str)
        if labelled:
            return (predictions["actual"].astype(str) + " → " + predicted).to_numpy(dtype=object)
        return predicted.to_numpy(dtype=object)
    bins = pd.qcut(
        predictions["predicted"].rank(method="first"), DECK_REGRESSION_BINS, labels=False
    )
    return bins.astype(int).astype(str).to_numpy(dtype=object)


def _stratified_sample(
    keys: np.ndarray, pool: np.ndarray, fill: int, seed: int, weights: np.ndarray
) -> tuple[np.ndarray, int]:
    """Draw ``fill`` positions from ``pool`` stratified by ``keys``; set their ``weights``."""
    if fill <= 0 or len(pool) == 0:
        return np.array([], dtype=int), 0
    cells, inverse, counts = np.unique(keys.astype(str), return_inverse=True, return_counts=True)
    quota = _allocate(counts, fill)
    rng = np.random.default_rng(seed)
    drawn = []
    for cell in range(len(cells)):
        if quota[cell] == 0:
            continue
        members = pool[inverse == cell]
        picked = np.sort(rng.choice(members, size=quota[cell], replace=False))
        weights[picked] = counts[cell] / quota[cell]
        drawn.append(picked)
    return np.sort(np.concatenate(drawn)), int((quota > 0).sum())


def _allocate(counts: np.ndarray, fill: int) -> np.ndarray:
    """Rows to draw from each stratum: one each while the budget allows, then proportional."""
    if fill >= counts.sum():
        return counts.copy()
    quota = np.zeros(len(counts), dtype=int)
    if fill < len(counts):
        quota[np.argsort(-counts, kind="stable")[:fill]] = 1
        return quota
    quota[:] = 1
    capacity = counts - 1
    share = (fill - len(counts)) * capacity / capacity.sum()
    quota += np.floor(share).astype(int)
    left = fill - quota.sum()
    fraction = share - np.floor(share)
    quota[np.argsort(-fraction, kind="stable")[:left]] += 1
    return quota


def _rule(size, n_rows, classification, labelled, errors, errors_kept, priority, sampled) -> str:
    parts = []
    if errors:
        if errors_kept < errors:
            parts.append(f"the {errors_kept:,} most confident of the {errors:,} wrong predictions")
        else:
            parts.append(f"every wrong prediction ({errors:,})")
    if priority:
        parts.append(
            f"the {priority:,} least confident predictions"
            if classification
            else f"the {priority:,} rows with the largest errors"
        )
    if sampled:
        groups = (
            "the pairs of actual and predicted class"
            if classification and labelled
            else "the predicted classes"
            if classification
            else "the tenths of the predicted values"
        )
        parts.append(
            f"{sampled:,} rows drawn at random, spread over {groups} in proportion to their sizes"
        )
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (
        f"SHAP values were computed for {size:,} of {n_rows:,} rows when publishing: {listed}. "
        + _LATER
    )


def weighted_importance(values: np.ndarray, features: list[str], weights) -> dict[str, float]:
    """Global importance per feature: the weighted mean absolute SHAP value, summed over the
    explained classes. ``values`` is ``(rows, features, classes)``; with equal weights this is
    the plain mean over the rows. The chart (``ui.importance_chart``) divides the sum: by the
    classes for class scores, by two for probability moved between classes."""
    weights = np.asarray(weights, dtype=float)
    uniform = bool(np.all(weights == weights[0])) if len(weights) else True
    return {
        feature: float(
            (
                np.abs(values[:, m, :]).mean(axis=0)
                if uniform
                else np.average(np.abs(values[:, m, :]), axis=0, weights=weights)
            ).sum()
        )
        for m, feature in enumerate(features)
    }


def explain_on_demand(
    estimator, X: pd.DataFrame, background: pd.DataFrame, task: str, n_classes: int, explainer: str
) -> Explanation:
    """Explain rows that were not in the deck, as publishing would have explained them.

    Where the interventional tree explainer is not additive on a row, the exact explainer
    (more than ``MAX_EXACT_FEATURES`` features: the seeded estimate) explains that row in the
    same units, over the same background, and the row records it (``model.explain``).
    Estimated rows get the values publishing gave or would have given them: same seed,
    target and background.

    ``explainer`` and ``background`` are the ones publishing used; ``Explanation.explainer``
    and ``row_methods`` say which explainer explained the rows. Raises ``ExplanationError``
    when the rows cannot be explained additively.
    """
    from threadpoolctl import threadpool_limits

    # Exact Shapley values make ~2**M small predict calls; OpenMP threads (histogram gradient
    # boosting) cost more to start than such a call takes.
    from model.explain_text import explain_if_text  # published with free-text columns

    with threadpool_limits(limits=1, user_api="openmp"):
        text = explain_if_text(estimator, X, background, task, n_classes, explainer)
        if text is not None:
            return text
        return explain_rows(estimator, X, background, task, n_classes, explainer)


def time_on_demand(
    model_bytes: bytes,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    n_classes: int,
    explainer: str,
) -> float | None:
    """Seconds to load the model from ``model_bytes`` and explain the rows ``X`` on demand,
    per row; ``None`` if they cannot be explained."""
    started = time.perf_counter()
    try:
        estimator = persistence.loads(model_bytes, "the published model")
        explain_on_demand(estimator, X, background, task, n_classes, explainer)
    except (ExplanationError, ValueError):
        return None
    return (time.perf_counter() - started) / len(X)
