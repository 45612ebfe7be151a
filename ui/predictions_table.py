"""The Sprint demo's predictions table: filters, pages of rows, which rows were explained in
advance, the default row and the review queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.labels import PROBABILITY_PREFIX
from model.metrics import REGRESSION
from ui.formatting import class_label, feature_help, format_number, value_in_units

__all__ = [
    "TABLE_PAGE_SIZE",
    "TablePage",
    "deck_rule",
    "display_rows",
    "default_row",
    "default_row_note",
    "explaining_message",
    "feature_values_table",
    "filter_predictions",
    "importance_caption",
    "precomputed_caption",
    "prediction_mask",
    "review_queue",
    "table_key",
    "table_page",
]

CORRECTNESS = ("all", "correct", "wrong")


def filter_predictions(
    predictions: pd.DataFrame,
    classes: Iterable[str] | None = None,
    confidence: tuple[float, float] = (0.0, 1.0),
    correctness: str = "all",
    precomputed_only: bool = False,
    cutoff: tuple[str, str, float] | None = None,
) -> pd.DataFrame:
    """Rows whose predicted class is in ``classes`` (all if None or empty), whose confidence
    lies in the closed range ``confidence``, and that are right or wrong as ``correctness`` asks
    ("all", "correct" or "wrong"; ignored for predictions without known outcomes); with
    ``precomputed_only``, only rows whose SHAP values were computed when publishing; with
    ``cutoff``, classes and correctness at that cut-off (``prediction_mask``)."""
    return predictions[
        prediction_mask(predictions, classes, confidence, correctness, precomputed_only, cutoff)
    ]


def prediction_mask(
    predictions: pd.DataFrame,
    classes: Iterable[str] | None = None,
    confidence: tuple[float, float] = (0.0, 1.0),
    correctness: str = "all",
    precomputed_only: bool = False,
    cutoff: tuple[str, str, float] | None = None,
) -> np.ndarray:
    """``filter_predictions`` as a boolean array over the rows, computed on NumPy arrays so
    that filtering 100,000 rows takes milliseconds. With ``cutoff`` (``(positive, negative,
    threshold)``: a binary model's cases flagged as ``positive`` from that chance, as the
    table's Flagged column shows them), ``classes`` and ``correctness`` go by that decision,
    not by the class the model finds likelier (its 50 %)."""
    if correctness not in CORRECTNESS:
        raise ValueError(f"correctness must be one of {', '.join(CORRECTNESS)}")
    mask = np.ones(len(predictions), dtype=bool)
    chosen = [str(c) for c in classes] if classes else []
    decided = _decided(predictions, cutoff)
    if chosen:
        labels = predictions["predicted"].astype(str) if decided is None else decided
        mask &= labels.isin(chosen).to_numpy()
    if "confidence" in predictions.columns:
        low, high = confidence
        values = predictions["confidence"].to_numpy(dtype=float, na_value=np.nan)
        # A little slack so the slider's rounded ends keep rows exactly on the boundary.
        mask &= (values >= low - 1e-9) & (values <= high + 1e-9)
    if correctness != "all" and decided is not None and "actual" in predictions.columns:
        known = predictions["actual"].notna().to_numpy()
        correct = (decided == predictions["actual"].astype(str)).to_numpy() & known
        mask &= known & (correct == (correctness == "correct"))
    elif correctness != "all" and "correct" in predictions.columns:
        correct = predictions["correct"].to_numpy(dtype=bool, na_value=False)
        mask &= correct == (correctness == "correct")
    if precomputed_only and "precomputed" in predictions.columns:
        mask &= predictions["precomputed"].to_numpy(dtype=bool, na_value=False)
    return mask


def _decided(predictions: pd.DataFrame, cutoff: tuple[str, str, float] | None) -> pd.Series | None:
    """Each row's class at ``cutoff`` (``prediction_mask``), or None without one or without
    the chance it is taken from."""
    if cutoff is None or PROBABILITY_PREFIX + cutoff[0] not in predictions.columns:
        return None
    positive, negative, threshold = cutoff
    chance = predictions[PROBABILITY_PREFIX + positive].to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(chance >= threshold, positive, negative), index=predictions.index)


#: Rows of the predictions table sent to the browser at a time.
TABLE_PAGE_SIZE = 200


@dataclass(frozen=True)
class TablePage:
    """Which slice of the filtered rows a page of the table shows: rows ``start`` (0-based,
    inclusive) to ``stop`` (exclusive) of ``shown``, the page ``number`` (1-based) of
    ``pages``, and ``total`` rows before filtering."""

    number: int
    pages: int
    start: int
    stop: int
    shown: int
    total: int

    @property
    def caption(self) -> str:
        """ "Showing rows 201–400 of 5,120 (filtered from 100,000). Click a row to explain it." """
        if not self.shown:
            return f"No rows of {self.total:,} match these filters."
        text = f"Showing rows {self.start + 1:,}–{self.stop:,} of {self.shown:,}"
        if self.shown != self.total:
            text += f" (filtered from {self.total:,})"
        return text + ". Click a row to explain it."


def table_page(shown: int, total: int, number: int, page_size: int = TABLE_PAGE_SIZE) -> TablePage:
    """Page ``number`` (clamped to the pages there are) of ``shown`` filtered rows."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    pages = max(1, -(-shown // page_size))
    number = min(max(int(number), 1), pages)
    start = (number - 1) * page_size
    return TablePage(number, pages, start, min(start + page_size, shown), shown, total)


def table_key(prefix: str, *view: object) -> str:
    """A widget key for a table showing ``view`` (its filters and page): a row selected in one
    view is not carried to another, where the same position is a different row."""
    digest = hashlib.sha1(repr(view).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def precomputed_caption(n_precomputed: int | None, n_rows: int, deck: Mapping | None) -> str | None:
    """How many rows were explained when publishing, and what selecting another one costs;
    None when every row was (or the predictions do not say, as in workspaces published before
    demo decks). ``deck_rule`` says which rows and why."""
    if n_precomputed is None or n_precomputed >= n_rows:
        return None
    if (deck or {}).get("later") is False:  # a model the app may not load from a file
        return (
            f"{n_precomputed:,} of {n_rows:,} rows were explained when publishing (ticked under "
            "Ready). No other row can be explained: the model cannot be loaded back from its file."
        )
    text = (
        f"{n_precomputed:,} of {n_rows:,} rows were explained when publishing (ticked under "
        "Ready). Any other row is explained when you select it"
    )
    seconds = (deck or {}).get("seconds_per_row")
    if isinstance(seconds, int | float) and np.isfinite(seconds) and seconds > 0:
        text += f", the first time only: {_seconds(seconds)}"
    return text + "."


def deck_rule(deck: Mapping | None) -> str | None:
    """Which rows were explained when publishing, and why: the deck's ``rule``, on one line."""
    rule = " ".join(str((deck or {}).get("rule") or "").split())
    return rule or None


def importance_caption(meta: Mapping) -> str | None:
    """What the global importance averages over when only some rows were explained when
    publishing (the deck's ``importance``); None when it is the plain mean over every row."""
    deck = meta.get("deck") or {}
    if not deck or deck.get("precomputed") is None or deck["precomputed"] >= deck.get("rows", 0):
        return None
    how = str(deck.get("importance") or "").strip()
    return f"Importance is the {how}." if how else None


def _seconds(seconds: float) -> str:
    return "under a second" if seconds < 1 else f"about {seconds:.0f} s"


def default_row(rows: pd.DataFrame) -> int:
    """Position of the row to explain when none is selected: the first of the page explained
    in advance (its explanation is read), else the first."""
    if "precomputed" in rows.columns:
        ready = np.flatnonzero(rows["precomputed"].to_numpy(dtype=bool, na_value=False))
        if len(ready):
            return int(ready[0])
    return 0


def default_row_note(rows: pd.DataFrame, position: int) -> str:
    """Why that row is explained, for the caption under its heading."""
    if position == 0:
        return "no row selected, so the first row of this page is explained"
    return "no row selected, so the first row of this page explained in advance is shown"


def explaining_message(row_id: str, precomputed: object) -> str | None:
    """The spinner's text while a row not explained in advance is explained; None for a
    precomputed row (a read, with nothing to wait for)."""
    if precomputed is None or bool(precomputed):
        return None
    return f"Explaining row {row_id} (first time only)…"


def review_queue(predictions: pd.DataFrame, reviewed: Iterable[str]) -> list[str]:
    """Row ids not yet reviewed, least confident first (ties in row order)."""
    done = {str(r) for r in reviewed}
    remaining = predictions[~predictions.index.astype(str).isin(done)]
    if "confidence" in remaining.columns:
        remaining = remaining.sort_values("confidence", kind="stable")
    return [str(r) for r in remaining.index]


def feature_values_table(
    feature_values: Mapping[str, object], meta: Mapping | None = None
) -> pd.DataFrame:
    """Feature name, value as text in its units ("300.1 K (27.0 °C)") and, where publishing
    described it, what the feature is, for ``st.dataframe``."""
    table = pd.DataFrame(
        {
            "Feature": list(feature_values),
            "Value": [value_in_units(v, meta, f) for f, v in feature_values.items()],
        }
    )
    described = [feature_help(meta or {}, f) or "" for f in feature_values]
    if any(described):
        table["What it is"] = described
    return table


#: The row ids' column: named so that the table sizes it to the ids (a fixed narrow width
#: cut "H-00000" to "H-0000", and every row read the same).
ROW_COLUMN = "Row"


def display_rows(rows: pd.DataFrame, meta: Mapping) -> pd.DataFrame:
    """A page of predictions as the table shows it: classes by their names ("Failure", not
    1), a regression's values rounded for reading (kept as numbers), the index kept and
    named ``ROW_COLUMN``."""
    shown = rows.copy()
    shown.index = shown.index.rename(ROW_COLUMN)
    if meta.get("task") == REGRESSION:
        for column in ("predicted", "actual", "error"):
            if column in shown.columns:
                shown[column] = [
                    float(format_number(v).replace(",", "")) if pd.notna(v) else np.nan
                    for v in shown[column].astype(float)
                ]
        return shown
    for column in ("predicted", "actual"):
        if column in shown.columns:
            shown[column] = [class_label(meta, v) for v in shown[column]]
    return shown
