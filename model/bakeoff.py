"""A bake-off the business can decide on: every prototype's score with its uncertainty, what it
costs, how it compares with the MVP, and where the prototypes disagree.

Every prototype of a sprint is scored on the same demo rows (the row ids all of them share), so
differences come from the models, not from the rows. Nothing here needs Streamlit: the bake-off
page and the HTML report show what these return (``ui.bakeoff_tables``, ``ui.bakeoff_charts``).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from model.config import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from model.costs import CostAssumptions, costs, format_money, load_assumptions
from model.metrics import BINARY, HEADLINE_METRIC, REGRESSION, format_metric
from model.publishing import PROBABILITY_PREFIX, label_strings
from model.stats import (
    BOOTSTRAP_METHOD,
    MetricFunction,
    Replicates,
    metric_function,
    metric_info,
)
from model.workspace import Prototype, Workspace, WorkspaceError

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


# -- loading ------------------------------------------------------------------------------------
class SprintData:
    """A sprint's prototypes and their predictions, restricted to the rows they all share."""

    def __init__(self, ws: Workspace, sprint: str, need_labels: bool = True):
        names = ws.prototypes(sprint)
        if not names:
            raise WorkspaceError(f"sprint {sprint!r} has no published prototypes to compare")
        self.sprint = sprint
        self.prototypes: dict[str, Prototype] = {n: ws.prototype(sprint, n) for n in names}
        tasks = {p.task for p in self.prototypes.values()}
        if len(tasks) > 1:
            raise WorkspaceError(
                f"sprint {sprint!r} mixes tasks ({', '.join(sorted(tasks))}); "
                "a bake-off compares prototypes of one task"
            )
        self.task = tasks.pop()
        self.mvp = ws.mvp(sprint)
        self.notes: list[str] = []
        frames = {n: p.predictions() for n, p in self.prototypes.items()}
        for frame in frames.values():
            frame.index = frame.index.astype(str)
        unlabeled = [n for n, f in frames.items() if "actual" not in f.columns]
        if need_labels and unlabeled:
            self.notes.append(
                f"Not scored (published without the demo set's labels): {', '.join(unlabeled)}."
            )
        self.scored = [n for n in names if not (need_labels and n in unlabeled)]
        # Whether every scored prototype was published on these very rows, in this order, with
        # this truth: then the replicates stored at publish time pair up as they are.
        self.aligned = True
        self.rows = self._common_rows({n: frames[n] for n in self.scored})
        self.frames = {
            n: frames[n] if frames[n].index.equals(self.rows) else frames[n].loc[self.rows]
            for n in self.scored
        }
        self.truth = self._truth()

    def _common_rows(self, frames: dict[str, pd.DataFrame]) -> pd.Index:
        if not frames:
            return pd.Index([], name="row_id")
        first = next(iter(frames.values())).index
        common = first
        for frame in frames.values():
            if not frame.index.equals(common):
                self.aligned = False
                # Object indexes: pandas' isin on Arrow-backed strings goes row by row.
                common = common[common.astype(object).isin(frame.index.astype(object))]
        sizes = {n: len(f) for n, f in frames.items()}
        if any(size != len(common) for size in sizes.values()):
            counts = ", ".join(f"{n} {size:,}" for n, size in sizes.items())
            self.notes.append(
                f"The prototypes were published on different demo rows ({counts}); all are "
                f"compared on the {len(common):,} rows they share."
            )
        return common

    def _truth(self) -> pd.Series | None:
        labeled = [n for n in self.scored if "actual" in self.frames[n].columns]
        if not labeled:
            return None
        reference = self.mvp if self.mvp in labeled else labeled[0]
        truth = self.frames[reference]["actual"]
        for name in labeled:
            differs = int((self.frames[name]["actual"].astype(str) != truth.astype(str)).sum())
            if differs:
                self.aligned = False
                self.notes.append(
                    f"{name} was published with a different truth on {differs:,} rows; "
                    f"every prototype is scored against {reference}'s."
                )
        return truth

    def by_position(self) -> tuple[pd.Series | None, dict[str, pd.DataFrame]]:
        """The truth and the scored prototypes' frames indexed 0, 1, 2… instead of by row id,
        for scoring. numpy asks a Series for attributes that pandas looks up among its index
        labels, and with text ids that first builds a hash table of them: about 0.1 s per
        prototype at 100,000 rows, and again for every subset of rows."""
        truth = self.truth.reset_index(drop=True) if self.truth is not None else None
        return truth, {name: self.frames[name].reset_index(drop=True) for name in self.scored}

    @property
    def positive_class(self) -> str | None:
        for proto in self.prototypes.values():
            if proto.meta.get("positive_class") is not None:
                return str(proto.meta["positive_class"])
        return None

    def metric(self, metric_key: str | None) -> MetricFunction:
        return metric_function(
            metric_key or HEADLINE_METRIC[self.task], self.task, self.positive_class
        )

    def stored_replicates(
        self, metric: MetricFunction, n_resamples: int, seed: int
    ) -> dict[str, np.ndarray]:
        """The scored prototypes' replicates stored when publishing that fit this bootstrap:
        all of them if the prototypes share their rows and truth, and each was stored for this
        metric and these resamples; the others are computed."""
        if not self.aligned:
            return {}
        known = {
            name: self.prototypes[name].bootstrap_replicates(
                metric.key, metric.positive_class, n_resamples, seed
            )
            for name in self.scored
        }
        return {name: values for name, values in known.items() if values is not None}


def load_sprint(ws: Workspace, sprint: str, need_labels: bool = True) -> SprintData:
    """The sprint's prototypes and predictions, read once for the table, the segments, the
    disagreements and the cost of errors (``model.recommend``): the Bake-off page asks for all
    of them. Keyed by the MVP and each prototype's version and publishing time, so a
    re-publish or a new MVP reads them anew. Callers must not modify what it returns."""
    published = []
    for name in ws.prototypes(sprint):
        meta = ws.prototype(sprint, name).meta
        published.append((name, meta.get("version"), meta.get("published_at")))
    return _read_sprint(str(ws.path), sprint, need_labels, ws.mvp(sprint), tuple(published))


@functools.lru_cache(maxsize=4)
def _read_sprint(path: str, sprint: str, need_labels: bool, mvp, published: tuple) -> SprintData:
    return SprintData(Workspace(path), sprint, need_labels)


def _best(estimates: dict[str, float], higher_is_better: bool) -> str | None:
    known = {n: v for n, v in estimates.items() if not math.isnan(v)}
    if not known:
        return None
    pick = max if higher_is_better else min
    return pick(known, key=known.get)  # first of equals, in publishing order


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
    best = _best({n: e[0] for n, e in estimates.items()}, info.higher_is_better)
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
        row.update(_versus_best(data, replicates, name, best, confidence))
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


def _versus_best(data, replicates, name, best, confidence) -> dict:
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


# -- sentences ----------------------------------------------------------------------------------
def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.1f}×"


def _cost_phrase(cost: float, best_cost: float, best: str, currency: str) -> str:
    if math.isnan(cost) or math.isnan(best_cost):
        return "has an unknown running cost"
    money = format_money(cost, currency)
    best_money = format_money(best_cost, currency)
    if cost == best_cost:
        return f"costs the same to run ({money} a month)"
    if cost == 0:
        return f"costs nothing to run (vs {best_money} a month)"
    if best_cost == 0:
        return f"costs {money} a month to run where {best} costs nothing"
    ratio = best_cost / cost
    if _ratio(ratio) == "1.0×" or _ratio(1 / ratio) == "1.0×":
        return f"costs about the same to run ({money} vs {best_money} a month)"
    if ratio > 1:
        return f"is {_ratio(ratio)} cheaper to run ({money} vs {best_money} a month)"
    return f"is {_ratio(1 / ratio)} more expensive to run ({money} vs {best_money} a month)"


def _metric_phrase(difference: float, key: str, label: str, info) -> str:
    if math.isnan(difference):
        return f"has no {label} on these rows"
    if difference == 0:
        return f"scores the same on {label}"
    direction = "higher" if difference > 0 else "lower"
    worse = (difference > 0) != info.higher_is_better
    if not info.higher_is_better:
        direction += " (worse)" if worse else " (better)"
    if info.is_fraction:
        points = abs(difference) * 100
        amount = "less than 0.1 points" if points < 0.05 else f"{points:.1f} points"
    else:
        amount = f"{abs(difference):.3g}"
    return f"is {amount} {direction} on {label}"


def tradeoff_sentences(table: pd.DataFrame, metric_key: str | None = None) -> list[str]:
    """The trade-offs in words, against the best-scoring prototype.

    The first sentence names the best-scoring prototype; then one per other prototype, e.g.
    "logistic regression is 14× cheaper to run ($0.12 vs $1.70 a month) and 0.9 points lower
    on PR AUC (difference not significant)". Significance is read from ``best_significant``
    (from :func:`bakeoff_table`) and left out if the table has none.
    """
    metric_key = metric_key or table.attrs.get("metric_key")
    if metric_key is None or metric_key not in table.columns:
        raise ValueError(f"the table has no column for the metric {metric_key!r}")
    info = metric_info(metric_key)
    currency = table.attrs.get("currency", "USD")
    values = pd.to_numeric(table[metric_key], errors="coerce").astype(float)
    best_name = _best(dict(zip(table["prototype"], values, strict=True)), info.higher_is_better)
    if best_name is None:
        return [f"No prototype has a {info.label} on these rows."]
    best = table[table["prototype"] == best_name].iloc[0]
    best_cost = _float(best.get("running_cost_per_month"))
    lead = f"{best_name} scores best on {info.label}: {format_metric(metric_key, best[metric_key])}"
    low, high = _float(best.get(f"{metric_key}_low")), _float(best.get(f"{metric_key}_high"))
    if not (math.isnan(low) or math.isnan(high)):
        confidence = table.attrs.get("confidence", 0.95)
        lead += (
            f" ({confidence:.0%} interval {format_metric(metric_key, low)}"
            f"–{format_metric(metric_key, high)})"
        )
    if math.isnan(best_cost):
        lead += "; its running cost is unknown."
    else:
        lead += f", and it costs {format_money(best_cost, currency)} a month to run."
    sentences = [lead]
    for _, row in table.iterrows():
        name = row["prototype"]
        if name == best_name:
            continue
        cost = _cost_phrase(
            _float(row.get("running_cost_per_month")), best_cost, best_name, currency
        )
        metric = _metric_phrase(
            _float(row[metric_key]) - _float(best[metric_key]), metric_key, info.label, info
        )
        if cost.startswith("is ") and metric.startswith("is "):
            metric = metric[3:]
        sentence = f"{name} {cost} and {metric}"
        significant = row.get("best_significant")
        known = significant is not None and not pd.isna(significant)
        if known and not math.isnan(_float(row[metric_key])):
            sentence += (
                " (difference significant)" if significant else (" (difference not significant)")
            )
        sentences.append(sentence + ".")
    return sentences


def _float(value) -> float:
    number = pd.to_numeric(value, errors="coerce")
    return math.nan if number is None or pd.isna(number) else float(number)


# -- segments -----------------------------------------------------------------------------------
def segment_table(
    ws: Workspace, sprint: str, metric_key: str | None, feature: str, *, bins: int = 4
) -> pd.DataFrame:
    """The metric per value of ``feature`` (e.g. Type L/M/H), one column per prototype.

    Index: the segment (named after the feature); columns ``rows``, ``positives`` (binary
    tasks; NaN otherwise) and one per prototype. A numeric feature with more than ten distinct
    values is cut into ``bins`` quantile bins. A metric undefined on a segment (one class
    only) is NaN. A free-text feature (``text_columns`` of a prototype) is refused.
    """
    data = load_sprint(ws, sprint)
    metric = data.metric(metric_key)
    values = _feature_values(data, feature)
    segments = _segments(values, bins)
    y, frames = data.by_position()
    positive = (
        label_strings(y.to_numpy()) == data.positive_class
        if data.task == BINARY and y is not None
        else None
    )
    records = []
    for segment in segments.cat.categories:
        mask = (segments == segment).to_numpy()
        if not mask.any():
            continue
        record = {
            feature: str(segment),
            "rows": int(mask.sum()),
            "positives": int(positive[mask].sum()) if positive is not None else math.nan,
        }
        for name in data.scored:
            record[name] = metric(y[mask], frames[name][mask])
        records.append(record)
    table = pd.DataFrame(records, columns=[feature, "rows", "positives", *data.scored])
    table = table.set_index(feature)
    table.attrs = {"metric_key": metric.key, "metric_label": metric.info.label, "feature": feature}
    return table


def _feature_values(data: SprintData, feature: str) -> pd.Series:
    available: list[str] = []
    for name in data.scored:
        columns = data.prototypes[name].meta.get("features", [])
        if feature in data.prototypes[name].meta.get("text_columns", []):
            raise WorkspaceError(
                f"{feature!r} is free text, a value of its own on nearly every row; "
                "choose a categorical or numeric feature to split by"
            )
        if feature in columns:
            frame = data.prototypes[name].features()
            frame.index = frame.index.astype(str)
            return frame.loc[data.rows, feature]
        available.extend(c for c in columns if c not in available)
    raise WorkspaceError(
        f"no prototype of {data.sprint!r} has the feature {feature!r}; "
        f"choose one of {', '.join(available) or '(none)'}"
    )


def _segments(values: pd.Series, bins: int) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique() > 10:
        return pd.qcut(values, q=bins, duplicates="drop").astype("category")
    text = values.astype(str).where(values.notna(), "(missing)")
    return pd.Series(pd.Categorical(text, categories=sorted(text.unique())), index=values.index)


# -- disagreements ------------------------------------------------------------------------------
def disagreements(ws: Workspace, sprint: str) -> dict:
    """Where the sprint's prototypes predict different labels.

    Returns ``share`` (of rows where any two prototypes differ), ``n_rows``,
    ``n_disagreements``, ``agreement`` (prototypes × prototypes share of identical
    predictions) and ``rows``: one row per demo row with ``row_id``, each prototype's label
    (``<name>``) and its probability of the positive class (``<name>: p(<class>)``, or
    ``<name>: confidence`` for multiclass), ``actual`` if known and ``split`` (the share of
    prototypes not voting with the majority), most split first.
    """
    data = load_sprint(ws, sprint, need_labels=False)
    if data.task == REGRESSION:
        raise WorkspaceError(
            "disagreements compare predicted labels; this sprint's prototypes are regressions"
        )
    names = data.scored
    labels = pd.DataFrame(
        {n: label_strings(data.frames[n]["predicted"].to_numpy()) for n in names},
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
        "rows": rows,
    }
