"""The bake-off as tables in words: the decision figures per prototype, costs and the
assumptions behind them, segments, disagreements and the decision's snapshot.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from model.bakeoff import COST_COLUMNS
from model.costs import (
    CostAssumptions,
    costs,
    format_money,
    format_number,
    ownership,
    round_money,
)
from model.labels import display_unit
from model.metrics import (
    BINARY,
    HEADLINE_METRIC,
    METRICS,
    REGRESSION,
    format_metric,
)
from model.outcomes import BinaryOutcome, binary_cells
from model.stats import available_metrics
from model.threshold import ErrorCost
from ui.formatting import escape_markdown, format_value, percent, target_name
from ui.sprint_summary import DEMO_METRICS

__all__ = [
    "display_table",
    "interval_points",
    "optional_number",
    "assumptions_text",
    "bakeoff_display",
    "bakeoff_metrics",
    "comparison_table",
    "comparison_view",
    "cost_formulas",
    "cost_help",
    "costs_view",
    "decision_snapshot",
    "disagreement_view",
    "escape_table",
    "model_details",
    "segment_features",
    "segment_view",
    "snapshot_view",
]

MEGABYTE = 1_000_000


def _points(value: float, is_fraction: bool) -> str:
    if math.isnan(value):
        return "—"
    if is_fraction:
        return f"{value * 100:+.1f}"
    return f"{value:+.3g}"


def interval_points(difference: float, low: float, high: float, is_fraction: bool) -> str:
    """A difference with its interval, in points when the metric is a fraction:
    "+1.2 (-0.4 to +2.9)"."""
    return f"{_points(difference, is_fraction)} ({_points(low, is_fraction)} to " + (
        f"{_points(high, is_fraction)})"
    )


def _report_p_value(p: float) -> str:
    """A p-value as people read it: "<0.001" rather than 1.1e-05."""
    if math.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The bake-off table as text, one row per prototype, with readable column names."""
    attrs = table.attrs
    key, label = attrs["metric_key"], attrs["metric_label"]
    fraction = attrs.get("is_fraction", True)
    currency = attrs.get("currency", "USD")
    confidence = attrs.get("confidence", 0.95)
    unit = " (points)" if fraction else ""
    reference = attrs.get("reference") or "reference"
    out = pd.DataFrame(index=table.index)
    out["Prototype"] = [
        f"{n} (MVP)" if mvp else n for n, mvp in zip(table["prototype"], table["mvp"], strict=True)
    ]
    out[f"{label} ({confidence:.0%} interval)"] = [
        "—"
        if math.isnan(v)
        else f"{format_metric(key, v)} ({format_metric(key, lo)}–{format_metric(key, hi)})"
        for v, lo, hi in zip(table[key], table[f"{key}_low"], table[f"{key}_high"], strict=True)
    ]
    out[f"vs {reference}{unit}"] = [
        "—" if math.isnan(d) else interval_points(d, lo, hi, fraction)
        for d, lo, hi in zip(
            table["difference"], table["difference_low"], table["difference_high"], strict=True
        )
    ]
    out["Verdict"] = table["verdict"].fillna("")
    out["McNemar p"] = [_report_p_value(p) for p in table["mcnemar_p"]]
    out["Running cost / month"] = [
        format_money(optional_number(v), currency) for v in table[COST_COLUMNS[0]]
    ]
    out["One-off cost"] = [
        format_money(optional_number(v), currency) for v in table["one_off_cost"]
    ]
    out["Latency p50 / p95 (ms per 1,000)"] = [
        f"{_number(a, 1)} / {_number(b, 1)}"
        for a, b in zip(
            table["latency_ms_per_1000_p50"], table["latency_ms_per_1000_p95"], strict=True
        )
    ]
    out["Model size (MB)"] = [_number(v / MEGABYTE, 2) for v in table["model_size_bytes"]]
    out["Peak memory (MB)"] = [_number(v / MEGABYTE, 2) for v in table["peak_memory_bytes"]]
    out["Training (s)"] = [
        "<0.01" if 0 < v < 0.005 else _number(v, 2) for v in table["train_seconds"]
    ]
    out["Effort (person-days)"] = [_number(v, 1) for v in table["effort_days"]]
    out["Pareto"] = ["dominated" if d else "on the front" for d in table["dominated"]]
    return out.reset_index(drop=True)


def optional_number(value: object) -> float | None:
    """``value`` as a float, or None when it is missing or not a number."""
    number = pd.to_numeric(value, errors="coerce")
    return None if number is None or pd.isna(number) else float(number)


def _number(value: object, digits: int) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) else f"{float(number):,.{digits}f}"


def comparison_table(
    comparison: pd.DataFrame, task: str, decisions: list[Mapping] | None = None
) -> pd.DataFrame:
    """The prototypes side by side: one column each (the MVP's name marked), one row per metric
    or cost, every cell formatted as text. Metric rows say which way is better (↑ or ↓).
    Model and explainer descriptions are long: ``model_details`` lists them apart."""
    chosen_on: dict[str, str] = {}
    for decision in decisions or []:
        chosen_on[decision.get("chosen", "")] = decision.get("decided_on", "")
    metric_keys = [k for k in DEMO_METRICS.get(task, []) if k in comparison.columns]
    rows: dict[str, list[str]] = {}
    for key in metric_keys:
        info = METRICS[key]
        label = f"{info.label} {'↑' if info.higher_is_better else '↓'}"
        rows[label] = [format_metric(key, v) for v in comparison[key]]
    costs = {
        "Training (s)": (comparison["train_seconds"], 2),
        "Latency p50 (ms/1k rows)": (comparison["latency_ms_per_1000_p50"], 1),
        "Latency p95 (ms/1k rows)": (comparison["latency_ms_per_1000_p95"], 1),
        "Model size (MB)": (comparison["model_size_bytes"] / MEGABYTE, 2),
        "Peak memory (MB)": (comparison["peak_memory_bytes"] / MEGABYTE, 1),
        "Effort (days)": (comparison["effort_days"], 1),
    }
    for label, (values, digits) in costs.items():
        rows[label] = [_number(v, digits) for v in values]
    rows["Chosen on"] = [chosen_on.get(name, "") for name in comparison["prototype"]]
    columns = [
        f"{name} (MVP)" if mvp else name
        for name, mvp in zip(comparison["prototype"], comparison["mvp"].astype(bool), strict=True)
    ]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    table.index.name = "Prototype"
    return table


def model_details(comparison: pd.DataFrame) -> pd.DataFrame:
    """Each prototype's model, SHAP explainer and version, for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "Prototype": comparison["prototype"],
            "Model": comparison["model"],
            "SHAP explainer": comparison["explainer"],
            "Version": comparison["version"],
        }
    )


def escape_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its cells, header and index markdown-escaped, for ``st.table``."""
    escaped = table.map(escape_markdown)
    escaped.columns = [escape_markdown(c) for c in table.columns]
    escaped.index = pd.Index([escape_markdown(i) for i in table.index], name=table.index.name)
    return escaped


#: Metrics the bake-off offers for a binary task; other tasks get every metric they support.
BAKEOFF_METRICS = {
    BINARY: ["pr_auc", "roc_auc", "recall@p90", "f1", "precision", "recall", "accuracy"],
}

#: Columns of ``display_table`` shown with the other measured costs, not in the
#: decision table.
MEASURED_COLUMNS = ("Model size (MB)", "Peak memory (MB)", "Training (s)", "Effort (person-days)")
COST_FORMULA_ROWS = {
    "prediction_cost_per_month": "Predicting, per month",
    "retrain_cost_per_month": "Retraining, per month",
    "running_cost_per_month": "Running cost, per month",
    "one_off_cost": "One-off cost",
}


def bakeoff_metrics(task: str) -> list[str]:
    """The metric keys the bake-off offers for ``task``, the task's headline metric first."""
    offered = BAKEOFF_METRICS.get(task) or list(available_metrics(task))
    headline = HEADLINE_METRIC.get(task)
    if headline not in offered:
        return list(offered)
    return [headline, *(key for key in offered if key != headline)]


def segment_features(meta: Mapping) -> list[str]:
    """The features a bake-off can be split by, categorical ones first, from a prototype's
    metadata (empty when it was published without feature names)."""
    features = list(meta.get("features", []))
    categorical = [f for f in meta.get("categorical", {}) if f in features]
    return categorical + [f for f in features if f not in categorical]


def bakeoff_display(table: pd.DataFrame) -> pd.DataFrame:
    """``display_table`` with McNemar p-values as people read them ("<0.001")."""
    shown = display_table(table)
    shown["McNemar p"] = [_short_p_value(p) for p in table["mcnemar_p"].to_numpy(dtype=float)]
    return shown


def _short_p_value(p: float) -> str:
    if not np.isfinite(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def comparison_view(shown: pd.DataFrame) -> pd.DataFrame:
    """The decision figures of ``display_table`` with one column per prototype (so
    3–5 of them fit a projector without scrolling): the score and its interval, the
    comparison with the reference, money, latency and the Pareto status."""
    figures = shown.drop(columns=[c for c in MEASURED_COLUMNS if c in shown.columns])
    table = figures.set_index("Prototype").T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table


#: The names ``costs_view`` gives the technical table's columns, in words.
PLAIN_COST_NAMES = {
    "Running cost / month": "Compute / month (predicting and retraining)",
    "Latency p50 / p95 (ms per 1,000)": "Milliseconds for 1,000 predictions (typical / slow)",
}


def costs_view(shown: pd.DataFrame, notes: Iterable[str]) -> pd.DataFrame:
    """Every cost of each prototype, in money and as measured, with its maintainability note;
    one column per prototype."""
    wanted = [
        "Prototype",
        "Running cost / month",
        "One-off cost",
        "Latency p50 / p95 (ms per 1,000)",
        *MEASURED_COLUMNS,
    ]
    figures = shown[[c for c in wanted if c in shown.columns]].copy()
    figures["Maintainability"] = [str(note or "") for note in notes]
    figures = figures.rename(columns=PLAIN_COST_NAMES)
    table = figures.set_index("Prototype").T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table


def _money(amount: float, currency: str) -> str:
    return format_money(amount, currency)


def assumptions_text(assumptions: Mapping) -> str:
    """The cost assumptions in one line, for a caption."""
    a = CostAssumptions.from_dict(dict(assumptions))
    retrains = format_number(a.retrains_per_month)
    return (
        f"{format_number(a.predictions_per_month)} predictions and {retrains} "
        f"retrain{'' if a.retrains_per_month == 1 else 's'} a month, compute at "
        f"{_money(a.compute_price_per_hour, a.currency)} an hour, engineers at "
        f"{_money(a.engineer_day_rate, a.currency)} a day ({a.currency})"
    )


def cost_help(assumptions: CostAssumptions) -> dict[str, str]:
    """How the running and one-off costs are computed, with these assumptions filled in."""
    a = assumptions
    price = _money(a.compute_price_per_hour, a.currency)
    return {
        "Running cost / month": (
            "p50 latency (seconds per 1,000 predictions) × "
            f"{format_number(a.predictions_per_month)} predictions ÷ 1,000 ÷ 3,600 s/h × "
            f"{price}/h, plus training time (s) ÷ 3,600 s/h × "
            f"{format_number(a.retrains_per_month)} "
            f"retrain{'' if a.retrains_per_month == 1 else 's'} × {price}/h"
        ),
        "One-off cost": (
            f"effort (person-days) × {_money(a.engineer_day_rate, a.currency)} per day"
        ),
    }


def cost_formulas(metas: Mapping[str, Mapping], assumptions: CostAssumptions) -> pd.DataFrame:
    """Each prototype's money figures as formulas with its own numbers, one row per figure."""
    rows = []
    for name, meta in metas.items():
        formulas = costs(dict(meta), assumptions)["formulas"]
        for key, label in COST_FORMULA_ROWS.items():
            rows.append({"Prototype": name, "Figure": label, "Formula": formulas[key]})
    return pd.DataFrame(rows, columns=["Prototype", "Figure", "Formula"])


def segment_view(table: pd.DataFrame) -> pd.DataFrame:
    """``bakeoff.segment_table`` as text: the segment, its rows and positives, then the metric
    per prototype ("—" where it is undefined, e.g. a segment without positives)."""
    key = table.attrs.get("metric_key", "")
    feature = table.attrs.get("feature") or table.index.name or "Segment"
    out = pd.DataFrame({feature: [str(s) for s in table.index]})
    out["Rows"] = [f"{int(n):,}" for n in table["rows"]]
    if table["positives"].notna().any():
        out["Positives"] = [_count(n) for n in table["positives"]]
    for name in table.columns.drop(["rows", "positives"]):
        out[name] = [format_metric(key, _finite(v)) for v in table[name]]
    return out


def _count(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) else f"{int(number):,}"


def _finite(value: object) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) or not np.isfinite(number) else float(number)


def disagreement_view(
    rows: pd.DataFrame, prototypes: Iterable[str], class_names: Mapping | None = None
) -> pd.DataFrame:
    """The rows of ``bakeoff.disagreements`` as text: row id, the truth, then each prototype's
    prediction and probability; labels by their ``class_names`` ("Failure", not 1)."""
    names = {str(k): str(v) for k, v in (class_names or {}).items()}

    def named(values) -> list[str]:
        return [names.get(str(v), str(v)) for v in values]

    out = pd.DataFrame({"Row": rows["row_id"].astype(str).to_numpy()})
    if "actual" in rows.columns:
        out["Truth"] = named(rows["actual"])
    for name in prototypes:
        out[name] = named(rows[name])
        for column in rows.columns:
            if column.startswith(f"{name}: "):
                shown = column
                found = re.fullmatch(rf"{re.escape(name)}: p\((.*)\)", column)
                if found:
                    shown = f"{name}: chance of {names.get(found.group(1), found.group(1))}"
                out[shown] = [percent(v) for v in rows[column]]
    return out


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):  # the cost matrix of a multiclass task
        return {str(k): _json_value(v) for k, v in value.items()}
    if pd.isna(value):
        return None
    return str(value)


def decision_snapshot(
    table: pd.DataFrame,
    shown: pd.DataFrame,
    assumptions: Mapping,
    recommendation: str | None = None,
) -> list[dict]:
    """The figures shown when a decision is taken, one JSON-ready dict per prototype.

    Each holds the bake-off table's row (the metric's ``estimate``, ``low`` and ``high``, the
    comparison with the reference, the money and measured costs; NaN as None), the metric and
    the assumptions behind it, the ``recommendation`` shown (if given), and ``shown``: the row
    as the page displayed it.
    """
    attrs = table.attrs
    key = attrs["metric_key"]
    renamed = {key: "estimate", f"{key}_low": "low", f"{key}_high": "high"}
    context = {
        "metric": key,
        "metric_label": attrs.get("metric_label", key),
        "confidence": _json_value(attrs.get("confidence")),
        "n_rows": _json_value(attrs.get("n_rows")),
        "compared_with": attrs.get("reference"),
        "currency": attrs.get("currency"),
        "assumptions": {k: _json_value(v) for k, v in dict(assumptions).items()},
    }
    if recommendation is not None:
        context["recommendation"] = recommendation
    snapshot = []
    for (_, row), (_, text) in zip(table.iterrows(), shown.iterrows(), strict=True):
        record = {renamed.get(c, c): _json_value(v) for c, v in row.items()}
        record.update(context)
        record["shown"] = {str(c): str(v) for c, v in text.items()}
        snapshot.append(record)
    return snapshot


def _assumptions_sentence(assumptions: object) -> str:
    if not isinstance(assumptions, Mapping):
        return ""
    try:
        return f". Costs: {assumptions_text(assumptions)}"
    except ValueError:
        return ""


def snapshot_view(snapshot: Iterable[Mapping] | None) -> tuple[pd.DataFrame, str]:
    """A recorded decision's snapshot as text, one column per prototype as the bake-off table
    shows it, and a caption saying what it holds."""
    rows = [r for r in snapshot or [] if isinstance(r, Mapping)]
    if rows and all(isinstance(r.get("shown"), Mapping) for r in rows):
        first = rows[0]
        confidence = first.get("confidence") or 0.95
        caption = f"{first.get('metric_label', first.get('metric', ''))} with "
        caption += f"{confidence:.0%} intervals"
        if first.get("n_rows"):
            caption += f" on {first['n_rows']:,} demo rows"
        if first.get("compared_with"):
            caption += f", compared with {first['compared_with']}"
        caption += _assumptions_sentence(first.get("assumptions"))
        return _by_prototype([dict(r["shown"]) for r in rows], "Prototype"), caption + "."
    if not rows:
        return pd.DataFrame(), "No figures were recorded with it."
    published = [{k: format_value(v) for k, v in r.items()} for r in rows]
    caption = "Recorded without intervals or costs in money: the figures as published."
    return _by_prototype(published, "prototype"), caption


def _by_prototype(records: list[dict], name_column: str) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    if name_column not in frame.columns:
        return frame
    table = frame.set_index(name_column).T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table.fillna("—")


# -- the room's language: outcomes in counts, the cost of errors, what owning each costs --------
__all__ += [
    "METRIC_HELP",
    "binary_confusion",
    "count_table",
    "error_cost_text",
    "ownership_help",
    "ownership_rows",
    "ownership_view",
    "singular",
]

#: What each metric measures, in words a manager reads (the help beside its name).
METRIC_HELP = {
    "pr_auc": "How well the prototype ranks real positives above the rest, weighted toward "
    "the cases it flags first: 1 is perfect; a prototype guessing at random scores the share "
    "of positives.",
    "roc_auc": "The chance that a random positive gets a higher score than a random negative: "
    "1 is perfect, 0.5 is guessing.",
    "recall@p90": "The share of positives caught while at least 9 in 10 of the cases flagged "
    "are real.",
    "f1": "A balance of the share of positives caught and the share of flags that are right.",
    "precision": "Of the cases flagged, the share that were real.",
    "recall": "Of the real positives, the share that were flagged.",
    "accuracy": "The share of cases given the right label.",
    "balanced_accuracy": "The share given the right label, each class counting equally.",
    "log_loss": "How far the probabilities are from what happened: lower is better.",
    "brier": "The mean squared gap between the probability and what happened: lower is better.",
    "macro_f1": "The balance of caught and right flags, averaged over the classes.",
    "rmse": "The typical size of an error, large errors weighing more: lower is better.",
    "mae": "The average size of an error: lower is better.",
    "r2": "The share of the variation in the target the predictions explain: 1 is perfect.",
}


def singular(noun: str) -> str:
    """``machines`` → ``machine``; ``demo rows`` → ``demo row``."""
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def binary_confusion(
    outcome: BinaryOutcome, class_names: Mapping | None, noun: str
) -> pd.DataFrame:
    """A binary outcome's confusion matrix in counts with words: rows ``Actually <name>``,
    columns ``Predicted <name>`` (the positive class first), each cell a count and what it is
    ("57 caught", "11 missed", "38 false alarms", "1,894 left alone"; the headers name the
    classes, ``binary_cells`` says it in full)."""
    cells = binary_cells(outcome, class_names, noun)
    positive, negative = cells["actual"].iloc[0], cells["actual"].iloc[-1]
    words = ["caught", "missed", "false alarms", "left alone"]
    table = pd.DataFrame(
        index=[f"Actually {positive}", f"Actually {negative}"],
        columns=[f"Predicted {positive}", f"Predicted {negative}"],
        dtype=object,
    )
    for cell, word in zip(cells.itertuples(), words, strict=True):
        if cell.count == 1 and word == "false alarms":
            word = "false alarm"
        table.loc[f"Actually {cell.actual}", f"Predicted {cell.decided}"] = f"{cell.count:,} {word}"
    return table


def count_table(confusion: pd.DataFrame) -> pd.DataFrame:
    """``model.outcomes.confusion_table`` with its counts as text ("1,234")."""
    return confusion.map(lambda n: f"{int(n):,}")


def error_cost_text(errors: ErrorCost) -> str:
    """ "about $41,000 a month (95% interval $28,000–$55,000)", rounded as people say it."""
    low, high = round_money(errors.low, errors.currency), round_money(errors.high, errors.currency)
    return (
        f"about {round_money(errors.monthly, errors.currency)} a month "
        f"({errors.confidence:.0%} interval {low}–{high})"
    )


#: The columns of :func:`ownership_view`: the figure of ``model.costs.ownership`` behind each.
OWNERSHIP_COLUMNS = {
    "Hosting / month": "hosting_cost_per_month",
    "Retraining / month": "retrain_cost_per_month",
    "Maintenance / month": "maintenance_cost_per_month",
    "To own / month": "ownership_cost_per_month",
    "To own / year": "ownership_cost_per_year",
    "One-off cost": "one_off_cost",
}


#: The columns of :func:`ownership_view` a decision weighs, and those that make up owning one.
MONEY_COLUMNS = (
    "Prototype", "Errors / month", "To own / month", "Total / month", "One-off cost", "Pays back"
)  # fmt: skip
OWNING_COLUMNS = (
    "Prototype", "Hosting / month", "Retraining / month", "Maintenance / month",
    "To own / month", "To own / year",
)  # fmt: skip


def ownership_rows(metas: Mapping[str, Mapping], assumptions: CostAssumptions) -> dict[str, dict]:
    """``model.costs.ownership`` of each prototype, by name."""
    return {name: ownership(dict(meta), assumptions) for name, meta in metas.items()}


def ownership_view(
    owned: Mapping[str, Mapping], recommendation_table: pd.DataFrame, mvp: str | None
) -> pd.DataFrame:
    """What each prototype costs the business, one row each: hosting, retraining and
    maintenance a month, what owning it costs a month and a year, the one-off cost, what its
    errors cost a month (with the interval), the total a month, and the payback against the
    MVP ("in 2 months?" when the saving's interval includes zero); money as text."""
    by_name = recommendation_table.set_index("prototype")
    rows = []
    for name, figures in owned.items():
        currency = figures["currency"]
        row = {"Prototype": f"{name} (MVP)" if name == mvp else name}
        for column, key in OWNERSHIP_COLUMNS.items():
            row[column] = format_money(figures[key], currency)
        priced = by_name.loc[name] if name in by_name.index else None
        errors = optional_number(priced["errors_per_month"]) if priced is not None else None
        if errors is None:
            row["Errors / month"] = "unknown"
        else:
            low, high = priced["errors_low"], priced["errors_high"]
            row["Errors / month"] = (
                f"{round_money(errors, currency)} ({round_money(low, currency)}–"
                f"{round_money(high, currency)})"
            )
        total = optional_number(priced["total_per_month"]) if priced is not None else None
        row["Total / month"] = round_money(total, currency) if total is not None else "unknown"
        months = optional_number(priced["payback_months"]) if priced is not None else None
        if name == mvp:
            row["Pays back"] = "the MVP"
        elif months is not None:
            uncertain = "within the uncertainty" in str(priced["payback_formula"])
            row["Pays back"] = f"in {_months(months)}{'?' if uncertain else ''}"
        else:
            formula = str(priced["payback_formula"]) if priced is not None else ""
            row["Pays back"] = "never" if formula.startswith("never") else "unknown"
        rows.append(row)
    return pd.DataFrame(rows)


def _months(months: float) -> str:
    if months < 1 / 30:
        return "under a day"
    if months < 1:
        days = max(1, round(months * 30))
        return f"{days} day{'' if days == 1 else 's'}"
    return f"{format_number(round(months, 1))} months"


def ownership_help(
    assumptions: CostAssumptions, task: str = BINARY, noun: str = "cases"
) -> dict[str, str]:
    """How each column of :func:`ownership_view` is computed, with the assumptions filled in:
    the help shown when hovering its header."""
    a = assumptions

    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    volume = f"{format_number(a.predictions_per_month)} predictions a month"
    hosting = (
        f"Serverless: the compute the predictions use (typical time per prediction × {volume})"
        f" × {money(a.compute_price_per_hour)} an hour."
        if a.serverless
        else f"Always-on instances × {money(a.instance_price_per_month)} a month; at least one, "
        f"more when {volume} would keep one over half busy."
    )
    return {
        "Hosting / month": hosting,
        "Retraining / month": (
            f"Training time × {format_number(a.retrains_per_month)} retrains a month × "
            f"{money(a.compute_price_per_hour)} an hour of compute."
        ),
        "Maintenance / month": (
            f"{format_number(a.maintenance_hours_per_month)} engineer hours a month (unless the "
            f"prototype states its own) × {money(a.engineer_hour_rate)} an hour (the day rate "
            "÷ 8)."
        ),
        "To own / month": "Hosting + retraining + maintenance, a month.",
        "To own / year": "What it costs to own a month × 12.",
        "One-off cost": (
            f"Effort to production (person-days) × {money(a.engineer_day_rate)} a day."
        ),
        "Errors / month": (
            f"{_error_rule(a, task, noun)} × {format_number(a.cases_per_month)} {noun} a month; "
            "in brackets the 95% interval."
        ),
        "Total / month": "To own a month + what its errors cost a month.",
        "Pays back": (
            "The one-off cost ÷ what it saves a month against the MVP (the MVP's total a "
            "month − its total a month). A question mark: the saving is within the "
            "uncertainty, so it may never pay back."
        ),
    }


def _error_rule(a: CostAssumptions, task: str, noun: str) -> str:
    """How one case's errors are priced, in words."""
    money = functools.partial(format_money, currency=a.currency)
    if task == BINARY:
        return (
            f"(missed × {money(a.missed_positive_cost)} + false alarms × "
            f"{money(a.false_alarm_cost)}) per demo {singular(noun)}, at each prototype's "
            "threshold,"
        )
    if task == REGRESSION:
        return f"{money(a.cost_per_unit_error)} per unit of error, averaged over the demo {noun},"
    return (
        f"each wrong class at its cost in the cost matrix ({money(a.wrong_class_cost)} where it "
        f"lists none), averaged over the demo {noun},"
    )


__all__ += ["ownership_formulas"]

#: The rows of :func:`ownership_formulas`: the ``model.costs.ownership`` figure behind each.
OWNERSHIP_FORMULA_ROWS = {
    "Hosting, per month": "hosting_cost_per_month",
    "Retraining, per month": "retrain_cost_per_month",
    "Maintenance, per month": "maintenance_cost_per_month",
    "To own, per month": "ownership_cost_per_month",
    "To own, per year": "ownership_cost_per_year",
    "One-off cost": "one_off_cost",
}


def ownership_formulas(
    owned: Mapping[str, Mapping],
    errors: Mapping[str, ErrorCost | None],
    recommendation_table: pd.DataFrame,
) -> pd.DataFrame:
    """Each prototype's money figures as formulas with its own numbers, one row per figure:
    what owning it costs, what its errors cost and its payback against the MVP."""
    payback = dict(
        zip(recommendation_table["prototype"], recommendation_table["payback_formula"], strict=True)
    )
    rows = []
    for name, figures in owned.items():
        for label, key in OWNERSHIP_FORMULA_ROWS.items():
            rows.append({"Prototype": name, "Figure": label, "Formula": figures["formulas"][key]})
        cost = errors.get(name)
        rows.append(
            {
                "Prototype": name,
                "Figure": "Errors, per month",
                "Formula": cost.formula
                if cost is not None
                else "unknown: published without labels",
            }
        )
        if payback.get(name):
            rows.append({"Prototype": name, "Figure": "Pays back", "Formula": payback[name]})
    return pd.DataFrame(rows, columns=["Prototype", "Figure", "Formula"])


__all__ += ["target_unit"]


def target_unit(meta: Mapping) -> str | None:
    """The unit of what a regression predicts: its display unit if publishing gave one, else
    the unit in brackets at the end of its name ("Torque [Nm]" → "Nm"), else None."""
    target = target_name(meta)
    if not target:
        return None
    spec = (meta.get("display_units") or {}).get(target)
    if spec is not None:
        return display_unit(spec).unit
    found = re.search(r"\[([^\[\]]+)\]\s*$", target)
    return found.group(1).strip() if found else None
