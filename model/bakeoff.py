"""A bake-off the business can decide on: every prototype's score with its uncertainty, what it
costs, how it compares with the MVP, and where the prototypes disagree.

Every prototype of a sprint is scored on the same demo rows (the row ids all of them share), so
differences come from the models, not from the rows. Nothing here needs Streamlit: the bake-off
page and the HTML report show what these return (``ui.bakeoff_tables``, ``ui.bakeoff_charts``).

The table, the Pareto front and the disagreements are here; the rows the prototypes share are
read by ``model.sprint_data``, the segments computed by ``model.bakeoff_segments`` and the
trade-offs written by ``model.bakeoff_sentences`` (all importable from here).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.bakeoff_segments import segment_table
from model.bakeoff_sentences import best_prototype, tradeoff_sentences
from model.bootstrap import BOOTSTRAP_METHOD, Replicates
from model.config import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from model.costs import CostAssumptions, costs, load_assumptions
from model.cutoff_decisions import Cutoff
from model.metrics import BINARY, REGRESSION
from model.publishing import PROBABILITY_PREFIX, label_strings
from model.sprint_data import (
    SprintData,
    _read_sprint,  # noqa: F401  (the benchmark empties its cache)
    load_sprint,
)
from model.workspace import Workspace, WorkspaceError

__all__ = [
    "SprintData",
    "bakeoff_table",
    "bootstrap_figures",
    "disagreements",
    "load_sprint",
    "pareto_front",
    "segment_table",
    "tradeoff_sentences",
]

ROWS_WORD = "demo rows"

COST_COLUMNS = (
    "running_cost_per_month",
    "prediction_cost_per_month",
    "retrain_cost_per_month",
    "one_off_cost",
)
MEASURED_COLUMNS = (
    "latency_ms_per_1000_p50",
    "latency_ms_per_1000_p95",
    "model_size_bytes",
    "peak_memory_bytes",
    "train_seconds",
    "effort_days",
)


# -- the table ----------------------------------------------------------------------------------
def bootstrap_figures(
    ws: Workspace,
    sprint: str,
    metric_key: str | None = None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    *,
    confidence: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """The bake-off's statistics, which the cost assumptions do not change: the first columns
    of :func:`bakeoff_table` (flags, rows, the score and its interval, the comparisons with the
    reference and with the best-scoring prototype) and its ``attrs`` but the currency.

    This is the slow part (a bootstrap of every prototype on every demo row), so callers can
    compute it once and pass it to :func:`bakeoff_table` for any assumptions.
    """
    data = load_sprint(ws, sprint)
    metric = data.metric(metric_key)
    info = metric.info
    n_rows = len(data.rows)

    # Every prototype is scored once on each resample; intervals and paired comparisons then
    # only read those replicates (the same figures as bootstrap_ci and compare_to_mvp give).
    replicates = None
    if data.scored:
        truth, frames = data.by_position()
        known = data.stored_replicates(metric, n_resamples, seed)
        replicates = Replicates(truth, frames, metric, n_resamples, seed, known=known)
    estimates = {name: replicates.interval(name, confidence) for name in data.scored}
    best = best_prototype({n: e[0] for n, e in estimates.items()}, info.higher_is_better)
    if data.mvp in data.scored:
        reference, reference_kind = data.mvp, "MVP"
    else:
        reference, reference_kind = best, "best-scoring"

    rows = []
    for name in data.prototypes:
        row: dict = {
            "prototype": name,
            "mvp": name == data.mvp,
            "reference": name == reference,
            "best": name == best,
            "rows": n_rows if name in data.scored else 0,
        }
        estimate, low, high = estimates.get(name, (math.nan,) * 3)
        row.update({metric.key: estimate, f"{metric.key}_low": low, f"{metric.key}_high": high})
        row.update(_comparison(data, replicates, name, reference, reference_kind, confidence))
        row.update(_versusbest_prototype(data, replicates, name, best, confidence))
        rows.append(row)
    figures = pd.DataFrame(rows)
    notes = list(data.notes)
    if reference_kind == "best-scoring" and reference is not None:
        notes.append(f"This sprint has no MVP: prototypes are compared with {reference}.")
    figures.attrs = {
        "sprint": sprint,
        "task": data.task,
        "metric_key": metric.key,
        "metric_label": info.label,
        "higher_is_better": info.higher_is_better,
        "is_fraction": info.is_fraction,
        "confidence": confidence,
        "n_rows": n_rows,
        "reference": reference,
        "reference_kind": reference_kind,
        "best": best,
        "method": BOOTSTRAP_METHOD,
        "n_resamples": n_resamples,
        "notes": notes,
    }
    return figures


def bakeoff_table(
    ws: Workspace,
    sprint: str,
    metric_key: str | None = None,
    assumptions: CostAssumptions | None = None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    *,
    confidence: float = 0.95,
    seed: int = BOOTSTRAP_SEED,
    figures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per prototype: score with its interval, comparison with the MVP, costs, Pareto.

    ``metric_key`` defaults to the task's headline metric, ``assumptions`` to the workspace's.
    The reference is the sprint's MVP or, without one, the best-scoring prototype. Columns:

    - ``prototype``, ``mvp``, ``reference``, ``best`` (flags), ``rows`` (rows compared);
    - ``<metric_key>``, ``<metric_key>_low``, ``<metric_key>_high``: estimate and interval;
    - ``difference``, ``difference_low``, ``difference_high``, ``significant``, ``verdict``,
      ``mcnemar_p``: this prototype minus the reference (paired bootstrap; McNemar on labels);
    - ``best_difference``, ``best_difference_low``, ``best_difference_high``,
      ``best_significant``: the same against the best-scoring prototype;
    - the money figures of :func:`model.costs.costs`, the measured costs, and ``dominated``.

    ``table.attrs`` holds ``metric_key``, ``metric_label``, ``higher_is_better``,
    ``confidence``, ``n_rows``, ``reference``, ``reference_kind`` ("MVP" or "best-scoring"),
    ``best``, ``currency``, ``method``, ``n_resamples`` and ``notes`` (sentences to show).

    ``figures``, from :func:`bootstrap_figures` with the same sprint, metric and settings,
    skips the bootstrap: only the costs are computed.
    """
    assumptions = assumptions if assumptions is not None else load_assumptions(ws.path)
    if figures is None:
        figures = bootstrap_figures(
            ws, sprint, metric_key, n_resamples, confidence=confidence, seed=seed
        )
    table = figures.copy()
    metas = [ws.prototype(sprint, name).meta for name in table["prototype"]]
    money = [costs(meta, assumptions) for meta in metas]
    for key in COST_COLUMNS:
        table[key] = [figure[key] for figure in money]
    for key in MEASURED_COLUMNS:
        table[key] = [meta.get(key) for meta in metas]
    for column in (*COST_COLUMNS, *MEASURED_COLUMNS, "mcnemar_p"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    attrs = figures.attrs
    table["dominated"] = ~pareto_front(
        table, attrs["metric_key"], attrs["higher_is_better"], "running_cost_per_month"
    )
    attrs = dict(attrs)
    notes = attrs.pop("notes")
    method, n_resamples = attrs.pop("method"), attrs.pop("n_resamples")
    table.attrs = {
        **attrs,
        "currency": assumptions.currency,
        "method": method,
        "n_resamples": n_resamples,
        "notes": list(notes),
    }
    return table


def _comparison(data, replicates, name, reference, reference_kind, confidence) -> dict:
    empty = {
        "difference": math.nan,
        "difference_low": math.nan,
        "difference_high": math.nan,
        "significant": False,
        "verdict": "",
        "mcnemar_p": math.nan,
    }
    if name not in data.scored or reference is None:
        return {**empty, "verdict": "not scored" if name not in data.scored else ""}
    if name == reference:
        return {**empty, "verdict": "the MVP" if reference_kind == "MVP" else "best score"}
    result = replicates.compare(name, reference, confidence, rows_word=ROWS_WORD)
    return {
        "difference": result["difference"],
        "difference_low": result["difference_low"],
        "difference_high": result["difference_high"],
        "significant": result["significant"],
        "verdict": result["verdict"],
        "mcnemar_p": result["mcnemar_p"],
    }


def _versusbest_prototype(data, replicates, name, best, confidence) -> dict:
    if name not in data.scored or best is None:
        difference = low = high = math.nan
    elif name == best:
        difference = low = high = 0.0
    else:
        difference, low, high = replicates.difference(name, best, confidence)
    return {
        "best_difference": difference,
        "best_difference_low": low,
        "best_difference_high": high,
        "best_significant": bool(low > 0 or high < 0),
    }


def pareto_front(
    frame: pd.DataFrame, metric_col: str, higher_is_better: bool, cost_col: str
) -> pd.Series:
    """True for the prototypes no other one beats on both score and cost.

    A row is dominated if another is at least as good on the metric and at least as cheap, and
    strictly better on one of the two. Rows with an unknown score or cost can neither be
    judged nor dominate: they are reported as not dominated.
    """
    metric = pd.to_numeric(frame[metric_col], errors="coerce").to_numpy(dtype=float)
    cost = pd.to_numeric(frame[cost_col], errors="coerce").to_numpy(dtype=float)
    goodness = metric if higher_is_better else -metric
    known = ~(np.isnan(goodness) | np.isnan(cost))
    # [i, j]: does j dominate i?
    at_least = (goodness[None, :] >= goodness[:, None]) & (cost[None, :] <= cost[:, None])
    strictly = (goodness[None, :] > goodness[:, None]) | (cost[None, :] < cost[:, None])
    dominates = at_least & strictly & known[None, :] & known[:, None]
    return pd.Series(~dominates.any(axis=1), index=frame.index, name="non_dominated")


# -- disagreements ------------------------------------------------------------------------------
def disagreements(
    ws: Workspace, sprint: str, cutoffs: Mapping[str, Cutoff | None] | None = None
) -> dict:
    """Where the sprint's prototypes decide differently.

    A prototype with a cut-off in ``cutoffs`` (``model.cutoff_decisions.Cutoff``, by name: a
    binary model's cheapest, as the Bake-off's counts, the SME card and SME review's own
    disagreement queue flag a case) is compared by its decision there; any other by its own
    class (from 50 %, or the likeliest of several). A rule flagging from 7 % and a model
    flagging from 8 % both flag a 32 % case, though both put it under 50 %.

    Returns ``share`` (of rows where any two prototypes differ), ``n_rows``,
    ``n_disagreements``, ``agreement`` (prototypes × prototypes share of identical
    decisions), ``cutoffs`` (each prototype's cut-off used, None for its own class) and
    ``rows``: one row per demo row with ``row_id``, each prototype's decision (``<name>``)
    and its probability of the positive class (``<name>: p(<class>)``, or ``<name>:
    confidence`` for multiclass), ``actual`` if known and ``split`` (the share of prototypes
    not voting with the majority), most split first.
    """
    data = load_sprint(ws, sprint, need_labels=False)
    if data.task == REGRESSION:
        raise WorkspaceError(
            "disagreements compare predicted labels; this sprint's prototypes are regressions"
        )
    names = data.scored
    used = {n: _usable_cutoff(data.frames[n], (cutoffs or {}).get(n)) for n in names}
    labels = pd.DataFrame(
        {n: _decisions(data.frames[n], used[n]) for n in names},
        index=data.rows,
    )
    matrix = labels.to_numpy()
    agreement = pd.DataFrame(
        [[float(np.mean(matrix[:, i] == matrix[:, j])) for j in range(len(names))] for i in
         range(len(names))],
        index=pd.Index(names, name="prototype"),
        columns=names,
    )  # fmt: skip
    # For each row and prototype, how many prototypes predict the same label; the largest
    # such count is the majority.
    same = (matrix[:, :, None] == matrix[:, None, :]).sum(axis=2)
    majority = same.max(axis=1) if len(names) else np.zeros(len(labels))
    split = 1 - majority / max(len(names), 1)
    positive = data.positive_class
    rows = pd.DataFrame({"row_id": data.rows.to_numpy()})
    spread = np.zeros(len(labels))
    probabilities = []
    for name in names:
        frame = data.frames[name]
        rows[name] = labels[name].to_numpy()
        if data.task == BINARY and positive is not None:
            column, values = f"{name}: p({positive})", frame[PROBABILITY_PREFIX + positive]
        else:
            column, values = f"{name}: confidence", frame["confidence"]
        rows[column] = values.to_numpy(dtype=float)
        probabilities.append(rows[column].to_numpy())
    if probabilities:
        stacked = np.vstack(probabilities)
        spread = stacked.max(axis=0) - stacked.min(axis=0)
    if data.truth is not None:
        rows["actual"] = label_strings(data.truth.to_numpy())
    rows["split"] = split
    rows["_spread"] = spread
    rows = rows.sort_values(["split", "_spread"], ascending=False, kind="stable")
    rows = rows.drop(columns="_spread").reset_index(drop=True)
    differ = int((split > 0).sum())
    return {
        "share": differ / len(labels) if len(labels) else 0.0,
        "n_rows": len(labels),
        "n_disagreements": differ,
        "agreement": agreement,
        "cutoffs": used,
        "rows": rows,
    }


def _usable_cutoff(frame: pd.DataFrame, cutoff: Cutoff | None) -> Cutoff | None:
    """``cutoff`` if ``frame`` holds the chance it decides on, else None (its own class)."""
    return cutoff if cutoff is not None and cutoff.column in frame.columns else None


def _decisions(frame: pd.DataFrame, cutoff: Cutoff | None) -> np.ndarray:
    """Each row's class: decided at ``cutoff`` (``cutoff_decisions.decide``), or predicted."""
    if cutoff is None:
        return label_strings(frame["predicted"].to_numpy())
    chance = frame[cutoff.column].to_numpy(dtype=float, na_value=np.nan)
    return np.where(chance >= cutoff.threshold, cutoff.positive, cutoff.negative).astype(object)
