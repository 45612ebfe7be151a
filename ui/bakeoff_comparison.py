"""The bake-off's figures as tables for display: the decision table (each prototype's score
with its interval, the comparison with the reference, costs, latency, the Pareto status), the
prototypes side by side, their models, segments and disagreements; and which metrics and
features the page offers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from model.bakeoff import COST_COLUMNS
from model.costs import format_money
from model.metrics import BINARY, HEADLINE_METRIC, METRICS, format_metric, three_figures
from model.outcomes import capital
from model.stats import available_metrics
from ui.formatting import escape_markdown, percent_to_a_tenth
from ui.review_card import DEMO_ROWS_NOUN
from ui.sprint_summary import DEMO_METRICS

__all__ = [
    "BAKEOFF_METRICS",
    "MEASURED_COLUMNS",
    "MEGABYTE",
    "bakeoff_display",
    "bakeoff_metrics",
    "comparison_table",
    "comparison_view",
    "disagreement_view",
    "display_table",
    "escape_table",
    "interval_points",
    "model_details",
    "optional_number",
    "segment_features",
    "segment_view",
]


MEGABYTE = 1_000_000


def _points(value: float, is_fraction: bool) -> str:
    if math.isnan(value):
        return "—"
    if is_fraction:
        return f"{value * 100:+.1f}"
    return three_figures(value, signed=True)


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
    # a prototype whose running cost is unknown is on no front: it cannot be judged
    costs = pd.to_numeric(table["running_cost_per_month"], errors="coerce")
    out["Pareto"] = [
        "not judged: cost unknown" if np.isnan(c) else "dominated" if d else "on the front"
        for d, c in zip(table["dominated"], costs, strict=True)
    ]
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


def bakeoff_metrics(task: str) -> list[str]:
    """The metric keys the bake-off offers for ``task``, the task's headline metric first."""
    offered = BAKEOFF_METRICS.get(task) or list(available_metrics(task))
    headline = HEADLINE_METRIC.get(task)
    if headline not in offered:
        return list(offered)
    return [headline, *(key for key in offered if key != headline)]


def segment_features(meta: Mapping, text_columns: Iterable[str] = ()) -> list[str]:
    """The features a bake-off can be split by, categorical ones first, from a prototype's
    metadata (empty when it was published without feature names); free-text columns (its
    own ``text_columns`` and ``text_columns`` given, another prototype's) are left out: each
    text is a segment of its own, which ``model.bakeoff_segments`` refuses."""
    texts = {*meta.get("text_columns", []), *text_columns}
    features = [f for f in meta.get("features", []) if f not in texts]
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


def segment_view(
    table: pd.DataFrame, noun: str = "rows", positives: str = "positive cases"
) -> pd.DataFrame:
    """``bakeoff.segment_table`` as text: the segment, its rows and positives (headed in
    words: ``noun`` such as "machines", ``positives`` such as "failures"), then the metric per
    prototype ("—" where it is undefined, e.g. a segment without positives)."""
    key = table.attrs.get("metric_key", "")
    feature = table.attrs.get("feature") or table.index.name or "Segment"
    out = pd.DataFrame({feature: [str(s) for s in table.index]})
    # "Rows", not "Rows in the demo set": the generic noun's header took a column's room
    out["Rows" if noun == DEMO_ROWS_NOUN else capital(noun)] = [
        f"{int(n):,}" for n in table["rows"]
    ]
    if table["positives"].notna().any():
        out[f"Of them {positives}"] = [_count(n) for n in table["positives"]]
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
                # to a tenth, as the cut-offs they are decided at are shown
                out[shown] = [percent_to_a_tenth(v) for v in rows[column]]
    return out
