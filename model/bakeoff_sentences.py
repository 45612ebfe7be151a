"""The bake-off's trade-offs in sentences: "gbm scores best on PR AUC: 0.82 (95% interval
0.78–0.86), and its compute costs €120 a month." (:func:`tradeoff_sentences`).

Their money is compute (predicting and retraining) and says so: what owning a prototype costs
(hosting, maintenance), which the recommendation calls its cost "to run", is
``model.recommend``'s, and one page shows both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from model.costs import format_money
from model.metrics import format_metric, three_figures
from model.resampled_metrics import metric_info

__all__ = [
    "MAJORITY_METRICS",
    "MAJORITY_SHARE",
    "actual_counts",
    "best_prototype",
    "majority_sentence",
    "tradeoff_sentences",
]

#: Metrics a prototype that always answers the larger class can win: it scores that class's
#: share on accuracy (0.909 for "always no" where 9.1% are readmitted, above every real model).
#: On the others it cannot (PR AUC: the share of positives; ROC AUC: 0.5; recall, F1: 0).
MAJORITY_METRICS = frozenset({"accuracy"})
#: From this share of the rows in one class, the page says what always answering it scores.
MAJORITY_SHARE = 0.8


def best_prototype(estimates: dict[str, float], higher_is_better: bool) -> str | None:
    """The prototype with the best estimate, the first of equals; None if none is known."""
    known = {n: v for n, v in estimates.items() if not math.isnan(v)}
    if not known:
        return None
    pick = max if higher_is_better else min
    return pick(known, key=known.get)  # first of equals, in publishing order


def _ratio(value: float) -> str:
    return f"{value:,.0f}×" if value >= 10 else f"{value:.1f}×"


def _cost_phrase(cost: float, best_cost: float, best: str, currency: str) -> str:
    if math.isnan(cost) or math.isnan(best_cost):
        return "has an unknown compute cost"
    money = format_money(cost, currency)
    best_money = format_money(best_cost, currency)
    if cost == best_cost:
        return f"costs the same in compute ({money} a month)"
    if cost == 0:
        return f"needs no compute (vs {best_money} a month)"
    if best_cost == 0:
        return f"costs {money} a month in compute where {best} needs none"
    ratio = best_cost / cost
    if _ratio(ratio) == "1.0×" or _ratio(1 / ratio) == "1.0×":
        return f"costs about the same in compute ({money} vs {best_money} a month)"
    if ratio > 1:
        return f"is {_ratio(ratio)} cheaper in compute ({money} vs {best_money} a month)"
    return f"is {_ratio(1 / ratio)} dearer in compute ({money} vs {best_money} a month)"


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
        amount = three_figures(abs(difference))
    return f"is {amount} {direction} on {label}"


def tradeoff_sentences(table: pd.DataFrame, metric_key: str | None = None) -> list[str]:
    """The trade-offs in words, against the best-scoring prototype.

    The first sentence names the best-scoring prototype; then one per other prototype, e.g.
    "logistic regression is 14× cheaper in compute ($0.12 vs $1.70 a month) and 0.9 points lower
    on PR AUC (difference not significant)". Significance is read from ``best_significant``
    (from :func:`bakeoff_table`) and left out if the table has none.
    """
    metric_key = metric_key or table.attrs.get("metric_key")
    if metric_key is None or metric_key not in table.columns:
        raise ValueError(f"the table has no column for the metric {metric_key!r}")
    info = metric_info(metric_key)
    currency = table.attrs.get("currency", "USD")
    values = pd.to_numeric(table[metric_key], errors="coerce").astype(float)
    best_name = best_prototype(
        dict(zip(table["prototype"], values, strict=True)), info.higher_is_better
    )
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
        lead += "; its compute cost is unknown."
    else:
        lead += f", and its compute costs {format_money(best_cost, currency)} a month."
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


def actual_counts(meta: Mapping) -> dict[str, int]:
    """How many demo rows are actually in each class, from a prototype's stored confusion
    matrix (rows: the truth, in ``classes`` order); empty without one (a regression)."""
    matrix, classes = meta.get("confusion_matrix"), meta.get("classes") or []
    if not matrix or len(matrix) != len(classes):
        return {}
    return {str(c): int(sum(row)) for c, row in zip(classes, matrix, strict=True)}


def majority_sentence(
    metric_key: str,
    counts: Mapping[str, int],
    noun: str = "rows",
    names: Mapping[str, str] | None = None,
) -> str | None:
    """What a prototype that always answers the larger class would score, where the metric is
    one it can win (:data:`MAJORITY_METRICS`) and that class holds at least
    :data:`MAJORITY_SHARE` of the rows; None otherwise. "majority (always no) scores best on
    Accuracy: 0.909" stood alone while it caught none of the 91 readmissions."""
    total = sum(counts.values())
    if metric_key not in MAJORITY_METRICS or len(counts) < 2 or total == 0:
        return None
    larger = max(counts, key=counts.get)
    share = counts[larger] / total
    if share < MAJORITY_SHARE:
        return None
    named = {str(k): str(v) for k, v in (names or {}).items()}
    rest = total - counts[larger]
    if len(counts) == 2:
        (other,) = [c for c in counts if c != larger]
        missed = f"it catches none of the {rest:,} “{named.get(other, other)}”"
    else:
        missed = f"it gets none of the other {rest:,} {noun} right"
    info = metric_info(metric_key)
    return (
        f"Always answering “{named.get(larger, larger)}” ({share:.1%} of the {total:,} {noun}) "
        f"scores {format_metric(metric_key, share)} on {info.label}, and {missed}: "
        f"so a high {info.label} here says little."
    )


def _float(value) -> float:
    number = pd.to_numeric(value, errors="coerce")
    return math.nan if number is None or pd.isna(number) else float(number)
