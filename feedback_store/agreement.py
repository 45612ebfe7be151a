"""How far reviewers agree on the rows several of them reviewed.

What is compared is each reviewer's *label* for the row, from their current (not withdrawn)
verdict:

- "wrong": the corrected label they gave;
- "correct": the prediction they were shown (the ``label`` of the prediction snapshot; when a
  verdict has no snapshot, another reviewer's snapshot of the same row, else the placeholder
  ``AS_PREDICTED``);
- "unsure": the category ``"unsure"`` of its own. An unsure is information about the row, so it
  is compared like a label: "unsure" against "1" is a disagreement, two unsures agree. Leaving
  unsures out would report more agreement than the reviewers have.

Regression labels are compared as numbers written the same way ("12.50" equals "12.5"), so
only identical values agree. Rows are (sprint, prototype, row_id): the same row id reviewed in
two sprints is two rows. The κ statistics are implemented here with NumPy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_store.store import FeedbackStore

__all__ = [
    "AS_PREDICTED",
    "UNSURE",
    "agreement",
    "cohen_kappa",
    "conflicts",
    "fleiss_kappa",
    "labels_of",
    "pairwise_agreement",
    "reviewer_labels",
    "strength",
]

UNSURE = "unsure"
AS_PREDICTED = "(as predicted, prediction not recorded)"
ROW_KEY = ["sprint", "prototype", "row_id"]

_LABEL_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "reviewer", "verdict_id", "verdict", "label",
    "shown", "corrected_label", "comment", "task", "features", "prediction", "recorded_at",
]  # fmt: skip
_PAIR_COLUMNS = ["reviewer_a", "reviewer_b", "shared_rows", "percent_agreement", "cohen_kappa"]
_CONFLICT_COLUMNS = [
    "sprint", "prototype", "row_id", "shown", "reviewer", "verdict", "label", "comment",
    "verdict_id", "recorded_at",
]  # fmt: skip


# -- the statistics --------------------------------------------------------------------------


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's κ of two raters' labels on the same items (NaN when chance agreement is 1).

    κ = (p_o − p_e) / (1 − p_e), with p_o the observed share of agreement and p_e the agreement
    expected from each rater's label frequencies.
    """
    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"both raters need a label for every item: got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("cohen_kappa needs at least one item rated by both raters")
    categories = sorted({*a, *b}, key=str)
    index = {category: i for i, category in enumerate(categories)}
    matrix = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        matrix[index[x], index[y]] += 1
    matrix /= matrix.sum()
    observed = float(np.trace(matrix))
    expected = float(matrix.sum(axis=1) @ matrix.sum(axis=0))
    if math.isclose(expected, 1.0):
        return math.nan
    return (observed - expected) / (1 - expected)


def fleiss_kappa(counts: Sequence[Sequence[int]] | np.ndarray) -> float:
    """Fleiss' κ from a table of counts: one row per item, one column per category.

    Every row must sum to the same number of raters n ≥ 2 (which raters they are may differ
    from row to row). NaN when chance agreement is 1 (everyone always used one category).
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0 or table.shape[1] == 0:
        raise ValueError("fleiss_kappa needs a 2-D table: one row per item, one column per label")
    if (table < 0).any():
        raise ValueError("fleiss_kappa counts must not be negative")
    raters = table.sum(axis=1)
    n = raters[0]
    if not np.allclose(raters, n) or n < 2:
        raise ValueError(
            "fleiss_kappa needs the same number (at least 2) of ratings on every row; got"
            f" {sorted(set(raters.astype(int).tolist()))}"
        )
    per_item = ((table**2).sum(axis=1) - n) / (n * (n - 1))
    observed = float(per_item.mean())
    shares = table.sum(axis=0) / table.sum()
    expected = float((shares**2).sum())
    if math.isclose(expected, 1.0):
        return math.nan
    return (observed - expected) / (1 - expected)


def strength(kappa: float | None) -> str | None:
    """Landis and Koch's words for a κ: "slight", "fair", "moderate", "substantial"..."""
    if kappa is None or math.isnan(kappa):
        return None
    if kappa < 0:
        return "poor"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost perfect"


# -- labels ------------------------------------------------------------------------------------


def reviewer_labels(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    """Each current verdict with the label it stands for (see the module docstring).

    Columns: sprint, prototype, row_id, source, reviewer, verdict_id, verdict, label, shown
    (the prediction shown), corrected_label, comment, task, features, prediction, recorded_at.
    """
    return labels_of(store.verdicts(sprint=sprint, prototype=prototype))


def labels_of(verdicts: pd.DataFrame) -> pd.DataFrame:
    """``reviewer_labels`` for a frame of current verdicts as ``FeedbackStore.verdicts`` returns."""
    records = verdicts.to_dict(orient="records")
    known: dict[tuple[str, str, str], str] = {}
    for record in records:
        shown = _shown(record)
        record["shown"] = shown
        if shown is not None:
            known[_key(record)] = shown
    for record in records:
        if record["shown"] is None:
            record["shown"] = known.get(_key(record))
        record["label"] = _label(record)
        record["corrected_label"] = _text(record["corrected_label"])
        record["comment"] = _text(record["comment"]) or ""
    frame = pd.DataFrame(records, columns=_LABEL_COLUMNS)
    for column in ("label", "shown", "corrected_label"):
        frame[column] = frame[column].astype(object)
    return frame


def _key(record: dict[str, Any]) -> tuple[str, str, str]:
    return record["sprint"], record["prototype"], record["row_id"]


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _shown(record: dict[str, Any]) -> str | None:
    prediction = record["prediction"]
    if not isinstance(prediction, dict) or prediction.get("label") is None:
        return None
    return _normalise(prediction["label"], record["task"])


def _normalise(value: Any, task: Any) -> str:
    if task == "regression":
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _label(record: dict[str, Any]) -> str:
    if record["verdict"] == "unsure":
        return UNSURE
    if record["verdict"] == "wrong":
        return _normalise(record["corrected_label"], record["task"])
    return record["shown"] if record["shown"] is not None else AS_PREDICTED


# -- agreement ---------------------------------------------------------------------------------


def agreement(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> dict[str, Any]:
    """How far reviewers agree on the rows that two or more of them reviewed.

    Returns ``rows`` (rows with ≥ 2 reviewers), ``reviewers`` (who reviewed those rows),
    ``percent_agreement`` (share of those rows on which every reviewer gave the same label,
    0–100), ``method`` ("cohen" when exactly two reviewers overlap, "fleiss" for more, None
    without overlap), ``kappa`` (the method's κ), ``cohen_kappa``, ``fleiss_kappa``,
    ``kappa_rows`` (rows the κ is computed on), ``raters_per_row`` (Fleiss: n),
    ``rows_left_out`` (rows not in the κ), ``strength`` (Landis and Koch) and ``sentence``.

    Fleiss' κ needs the same number of raters on every row: it uses the rows with the most
    common number of raters (the larger number on a tie); rows with another number count in
    ``rows`` and ``percent_agreement`` but are left out of κ, and ``rows_left_out`` says how
    many. κ is NaN when chance agreement is 1 (every label the same).
    """
    groups = _overlapping(reviewer_labels(store, sprint, prototype))
    reviewers = sorted({r for group in groups for r in group["reviewer"]})
    result: dict[str, Any] = {
        "rows": len(groups),
        "reviewers": reviewers,
        "percent_agreement": None,
        "method": None,
        "kappa": None,
        "cohen_kappa": None,
        "fleiss_kappa": None,
        "kappa_rows": 0,
        "raters_per_row": None,
        "rows_left_out": len(groups),
        "strength": None,
    }
    if not groups:
        result["sentence"] = "No row has been reviewed by more than one person yet."
        return result
    agreed = sum(group["label"].nunique() == 1 for group in groups)
    result["percent_agreement"] = 100 * agreed / len(groups)
    if len(reviewers) == 2:
        first, second = reviewers
        pairs = [group.set_index("reviewer")["label"] for group in groups]
        kappa = cohen_kappa([p[first] for p in pairs], [p[second] for p in pairs])
        result.update(method="cohen", kappa=kappa, cohen_kappa=kappa, kappa_rows=len(groups),
                      raters_per_row=2, rows_left_out=0)  # fmt: skip
    else:
        sizes = pd.Series([len(group) for group in groups])
        frequency = sizes.value_counts()
        n = int(max(frequency[frequency == frequency.max()].index))
        used = [group for group in groups if len(group) == n]
        categories = sorted({label for group in used for label in group["label"]}, key=str)
        table = [[(group["label"] == c).sum() for c in categories] for group in used]
        kappa = fleiss_kappa(table)
        result.update(method="fleiss", kappa=kappa, fleiss_kappa=kappa, kappa_rows=len(used),
                      raters_per_row=n, rows_left_out=len(groups) - len(used))  # fmt: skip
    result["strength"] = strength(result["kappa"])
    result["sentence"] = _sentence(result, agreed)
    return result


def _sentence(result: dict[str, Any], agreed: int) -> str:
    rows = result["rows"]
    text = (
        f"On the {rows} row{'s' if rows != 1 else ''} reviewed by more than one person,"
        f" reviewers gave the same answer on {agreed} ({result['percent_agreement']:.0f}%)"
    )
    kappa = result["kappa"]
    name = "Cohen's" if result["method"] == "cohen" else "Fleiss'"
    if kappa is None or math.isnan(kappa):
        return text + "."
    return f"{text}; {name} κ = {kappa:.2f} ({result['strength']} agreement beyond chance)."


def _overlapping(labels: pd.DataFrame) -> list[pd.DataFrame]:
    if labels.empty:
        return []
    return [group for _, group in labels.groupby(ROW_KEY, sort=False) if len(group) >= 2]


def pairwise_agreement(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    """One row per pair of reviewers who share rows: shared rows, % agreement, Cohen's κ.

    Columns: reviewer_a, reviewer_b (alphabetical), shared_rows, percent_agreement (0–100),
    cohen_kappa (NaN when both always gave one and the same label).
    """
    groups = _overlapping(reviewer_labels(store, sprint, prototype))
    shared: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for group in groups:
        by_reviewer = dict(zip(group["reviewer"], group["label"], strict=True))
        for a, b in itertools.combinations(sorted(by_reviewer), 2):
            shared.setdefault((a, b), []).append((by_reviewer[a], by_reviewer[b]))
    rows = []
    for (a, b), pairs in sorted(shared.items()):
        first, second = zip(*pairs, strict=True)
        rows.append(
            {
                "reviewer_a": a,
                "reviewer_b": b,
                "shared_rows": len(pairs),
                "percent_agreement": 100 * sum(x == y for x, y in pairs) / len(pairs),
                "cohen_kappa": cohen_kappa(first, second),
            }
        )
    return pd.DataFrame(rows, columns=_PAIR_COLUMNS)


def conflicts(
    store: FeedbackStore, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    """Rows on which reviewers' current labels differ, one line per reviewer of such a row.

    Columns: sprint, prototype, row_id, shown (the prediction shown), reviewer, verdict,
    label, comment, verdict_id, recorded_at. An "unsure" next to a label is a conflict too.
    """
    groups = _overlapping(reviewer_labels(store, sprint, prototype))
    disagreeing = [group for group in groups if group["label"].nunique() > 1]
    if not disagreeing:
        return pd.DataFrame(columns=_CONFLICT_COLUMNS)
    frame = pd.concat(disagreeing, ignore_index=True)
    return frame[_CONFLICT_COLUMNS].reset_index(drop=True)
