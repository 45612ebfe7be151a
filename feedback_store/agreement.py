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

A regression's verdicts are compared by what the reviewers said of the prediction, not by the
dollar (or minute...) values: "correct", "wrong" or "unsure". Two reviewers who both say "wrong"
agree; the right values they give are then checked against each other by ``values_apart``
(``VALUE_RULE``), and ``agreement`` says on how many rows they were close. κ on continuous
values would call $453,600 and $453,601 a disagreement. Rows are (sprint, prototype, row_id):
the same row id reviewed in two sprints is two rows. The κ and α statistics are implemented here
with NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_store.reading import VerdictReader

__all__ = [
    "AS_PREDICTED",
    "UNSURE",
    "VALUE_RULE",
    "VALUE_SPREAD_SHARE",
    "agreement",
    "cohen_kappa",
    "conflicts",
    "fleiss_kappa",
    "krippendorff_alpha",
    "labels_of",
    "pairwise_agreement",
    "reviewer_labels",
    "strength",
    "values_apart",
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
    np.add.at(matrix, ([index[x] for x in a], [index[y] for y in b]), 1)
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


def krippendorff_alpha(counts: Sequence[Sequence[int]] | np.ndarray) -> float:
    """Krippendorff's α for nominal labels from a table of counts: one row per item, one column
    per category. Rows may have different numbers of raters; rows with fewer than 2 are not
    pairable and add nothing. NaN when every rating is one category.

    α = 1 − (n − 1) · Σ_u (m_u² − Σ_c n_uc²) / (m_u − 1) / (n² − Σ_c n_c²), with m_u the
    ratings of item u, n_uc those in category c, n_c and n the totals over pairable items.
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[1] == 0 or (table < 0).any():
        raise ValueError("krippendorff_alpha needs a 2-D table of counts (items × labels)")
    raters = table.sum(axis=1)
    table, raters = table[raters >= 2], raters[raters >= 2]
    if not len(table):
        raise ValueError("krippendorff_alpha needs at least one item with 2 or more ratings")
    observed = float(((raters**2 - (table**2).sum(axis=1)) / (raters - 1)).sum())
    totals = table.sum(axis=0)
    n = float(totals.sum())
    expected = n**2 - float((totals**2).sum())
    if math.isclose(expected, 0.0):
        return math.nan
    return 1 - (n - 1) * observed / expected


#: Rows a κ must rest on before it is given a strength: from one shared row, κ = 0.00 read
#: "slight agreement beyond chance" beside reviewers who agreed on 0%.
MIN_KAPPA_ROWS = 10


def strength(kappa: float | None) -> str | None:
    """Landis and Koch's words for a κ: "slight", "fair", "moderate", "substantial"...;
    "none" at zero (as written to two decimals), "poor" below it."""
    if kappa is None or math.isnan(kappa):
        return None
    if round(kappa, 2) == 0:
        return "none"
    if kappa < 0:
        return "poor"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost perfect"


# -- a regression's right values ------------------------------------------------------------

#: Right values given for one row of a regression make one answer when their spread (largest
#: minus smallest) is at most this share of their median, in size. House prices: two values
#: $10,000 apart around $450,000 agree; $453,600 and $700,000 do not.
VALUE_SPREAD_SHARE = 0.10
VALUE_RULE = (
    "For a regression, reviewers agree on a row when their verdicts agree (correct, wrong). "
    "The right values of those who say wrong make one label, their median (written to the "
    "finest precision a reviewer used), unless they are far apart: largest minus smallest more "
    f"than {VALUE_SPREAD_SHARE:.0%} of their median, or on both sides of the prediction shown "
    "(one says higher, one lower). Such rows are disputed and get no label under the majority "
    "rule."
)


def right_value(label: Any) -> float | None:
    """A regression label as a finite number, or None if it is none."""
    try:
        value = float(label)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def values_apart(values: Sequence[float], shown: float | None = None) -> str | None:
    """Why the right values given for one row are too far apart to make one label (see
    ``VALUE_RULE``), or None when they agree (one value always does)."""
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    middle = float(np.median(values))
    if high - low > VALUE_SPREAD_SHARE * abs(middle):
        return (
            f"right values far apart: {number_text(low)} to {number_text(high)}, more than "
            f"{VALUE_SPREAD_SHARE:.0%} of their median ({number_text(middle)})"
        )
    if shown is not None and low < shown < high:
        return (
            f"right values on both sides of the prediction shown ({number_text(shown)}): "
            f"{number_text(low)} and {number_text(high)}"
        )
    return None


def combined_value(values: Sequence[float]) -> float:
    """The one label right values that agree make: their median, to the finest precision any
    of them was written with (453,600 and 460,000 make 456,800, not 456800.0000001)."""
    return round(float(np.median(values)), max(_decimals(v) for v in values))


def sensible_value(value: float) -> float:
    """A model's output to six significant figures (567666.3464360634 is 567,666): more
    digits say nothing about a prediction."""
    return float(f"{value:.6g}")


def number_text(value: float) -> str:
    """A value with thousands separators and the decimals it needs (453,600; 12.5)."""
    return f"{value:,.{_decimals(value)}f}"


def _decimals(value: float, most: int = 6) -> int:
    """How many decimals write ``value`` exactly (up to ``most``)."""
    return next((d for d in range(most) if round(value, d) == value), most)


def compared_labels(labels: pd.DataFrame) -> np.ndarray:
    """What agreement compares for each verdict: its label, or for a regression its verdict
    ("correct", "wrong"; "unsure" for an unsure)."""
    label = labels["label"].to_numpy(dtype=object)
    if "task" not in labels.columns or "verdict" not in labels.columns or labels.empty:
        return label
    regression = (labels["task"] == "regression").to_numpy(dtype=bool)
    if not regression.any():
        return label
    kind = np.where(label == UNSURE, UNSURE, labels["verdict"].to_numpy(dtype=object))
    return np.where(regression, kind, label).astype(object)


# -- labels ------------------------------------------------------------------------------------


def reviewer_labels(
    store: VerdictReader, sprint: str | None = None, prototype: str | None = None
) -> pd.DataFrame:
    """Each current verdict with the label it stands for (see the module docstring).

    Columns: sprint, prototype, row_id, source, reviewer, verdict_id, verdict, label, shown
    (the prediction shown), corrected_label, comment, task, features, prediction, recorded_at.
    """
    return labels_of(store.verdicts(sprint=sprint, prototype=prototype))


def _labels(
    store: VerdictReader, sprint: str | None, prototype: str | None, labels: pd.DataFrame | None
) -> pd.DataFrame:
    """``labels`` if the caller passed them (``reviewer_labels(store, sprint, prototype)``,
    read once for several of these functions; they only read it), else read now."""
    return reviewer_labels(store, sprint, prototype) if labels is None else labels


def labels_of(verdicts: pd.DataFrame) -> pd.DataFrame:
    """``reviewer_labels`` for a frame of current verdicts as ``FeedbackStore.verdicts`` returns.

    Works on whole columns: a dict per verdict made 100,000 verdicts take seconds.
    """
    if verdicts.empty:
        return _labels_frame([])
    columns = _native_columns(verdicts, _LABEL_COLUMNS)
    # A verdict recorded without its prediction borrows one shown on the same version only:
    # version 1's prediction is no label for a verdict on version 2, which predicts otherwise.
    versions = (
        [None if pd.isna(v) else int(v) for v in verdicts["prototype_version"].tolist()]
        if "prototype_version" in verdicts.columns
        else [None] * len(verdicts)
    )
    keys = list(
        zip(columns["sprint"], columns["prototype"], columns["row_id"], versions, strict=True)
    )
    tasks = columns["task"]
    shown = list(map(_shown, columns["prediction"], tasks))
    known = {key: text for key, text in zip(keys, shown, strict=True) if text is not None}
    if len(known) < len(keys):
        shown = [
            known.get(key) if text is None else text for key, text in zip(keys, shown, strict=True)
        ]
    columns["shown"] = shown
    columns["label"] = list(
        map(_label, columns["verdict"], columns["corrected_label"], tasks, shown)
    )
    columns["corrected_label"] = list(map(_text, columns["corrected_label"]))
    columns["comment"] = [_text(comment) or "" for comment in columns["comment"]]
    for name in _LABEL_COLUMNS:
        columns.setdefault(name, [math.nan] * len(verdicts))  # as pandas fills a missing key
    return _labels_frame(columns)


def _labels_frame(columns: dict[str, list[Any]] | list[Any]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, columns=_LABEL_COLUMNS)
    for column in ("label", "shown", "corrected_label"):
        frame[column] = frame[column].astype(object)
    return frame


_NATIVE_TYPES = frozenset({str, int, float, bool, type(None), dict, list})


def _native_columns(frame: pd.DataFrame, names: list[str]) -> dict[str, list[Any]]:
    """The frame's columns among ``names`` as lists of the values ``to_dict`` would give."""
    present = [name for name in names if name in frame.columns]
    columns = {name: frame[name].tolist() for name in present}
    # to_dict makes numpy scalars in object columns Python ones; the store never gives any.
    boxed = [name for name in present if not _NATIVE_TYPES.issuperset(map(type, columns[name]))]
    if boxed:
        columns.update(frame[boxed].to_dict(orient="list"))
    return columns


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _shown(prediction: Any, task: Any) -> str | None:
    if not isinstance(prediction, dict) or prediction.get("label") is None:
        return None
    return _normalise(prediction["label"], task)


def _normalise(value: Any, task: Any) -> str:
    if task == "regression":
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _label(verdict: Any, corrected_label: Any, task: Any, shown: str | None) -> str:
    if verdict == "unsure":
        return UNSURE
    if verdict == "wrong":
        return _normalise(corrected_label, task)
    return shown if shown is not None else AS_PREDICTED


# -- agreement ---------------------------------------------------------------------------------


def agreement(
    store: VerdictReader,
    sprint: str | None = None,
    prototype: str | None = None,
    *,
    labels: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """How far reviewers agree on the rows that two or more of them reviewed.

    Returns ``rows`` (rows with ≥ 2 reviewers), ``reviewers`` (who reviewed those rows),
    ``percent_agreement`` (share of those rows on which every reviewer gave the same label,
    0–100), ``method``, ``kappa`` (the method's agreement beyond chance), ``cohen_kappa``,
    ``fleiss_kappa``, ``kappa_rows`` (rows it is computed on), ``raters_per_row`` (n, when
    every row has the same), ``rows_left_out`` (rows not in it), ``strength`` (Landis and
    Koch's words) and ``sentence``.

    The method is "cohen" when exactly two reviewers overlap, "fleiss" when more do and every
    row has the same number of them, and "krippendorff" (Krippendorff's α for nominal labels,
    in ``kappa``) when rows have different numbers: Fleiss' κ cannot take those, and keeping
    only the rows of the usual number left out every row a third reviewer disputed (κ = 1.00
    beside 77% same answer). Every shared row is in the figure, so ``rows_left_out`` is 0.
    None without overlap; ``kappa`` is NaN when chance agreement is 1 (every label the same).

    A regression's rows are compared on the verdicts (see the module docstring), and the
    result has ``right_values``: ``rows`` (rows where two or more reviewers gave a right
    value), ``close`` (those whose values agree under ``VALUE_RULE``) and ``rule`` (its words).
    ``labels``: ``reviewer_labels(store, sprint, prototype)`` if the caller has it (read only).
    """
    shared = _SharedRows(_labels(store, sprint, prototype, labels))
    reviewers = sorted(set(shared.reviewer.tolist()))
    result: dict[str, Any] = {
        "rows": shared.n_rows,
        "reviewers": reviewers,
        "percent_agreement": None,
        "method": None,
        "kappa": None,
        "cohen_kappa": None,
        "fleiss_kappa": None,
        "kappa_rows": 0,
        "raters_per_row": None,
        "rows_left_out": shared.n_rows,
        "strength": None,
    }
    if not shared.n_rows:
        result["sentence"] = "No row has been reviewed by more than one person yet."
        return result
    agreed = int((shared.distinct_labels() == 1).sum())
    result["percent_agreement"] = 100 * agreed / shared.n_rows
    if shared.valued.any():
        valued, apart = shared.right_values()
        result["right_values"] = {
            "rows": int(valued.sum()),
            "close": int((valued & ~apart).sum()),
            "rule": VALUE_RULE,
        }
    if len(reviewers) == 2:
        # Each shared row has one verdict by each of the two: the store keeps one per reviewer.
        first, second = reviewers
        labels = shared.label
        kappa = cohen_kappa(labels[shared.reviewer == first], labels[shared.reviewer == second])
        result.update(method="cohen", kappa=kappa, cohen_kappa=kappa, kappa_rows=shared.n_rows,
                      raters_per_row=2, rows_left_out=0)  # fmt: skip
    else:
        sizes = shared.sizes()
        table = shared.counts()
        if (sizes == sizes[0]).all():
            kappa = fleiss_kappa(table)
            result.update(method="fleiss", kappa=kappa, fleiss_kappa=kappa,
                          raters_per_row=int(sizes[0]))  # fmt: skip
        else:
            result.update(method="krippendorff", kappa=krippendorff_alpha(table))
        result.update(kappa_rows=shared.n_rows, rows_left_out=0)
    enough = result["kappa_rows"] >= MIN_KAPPA_ROWS
    result["strength"] = strength(result["kappa"]) if enough else None
    result["sentence"] = _sentence(result, agreed)
    return result


def _sentence(result: dict[str, Any], agreed: int) -> str:
    rows = result["rows"]
    values = result.get("right_values")
    text = (
        f"On the {rows} row{'s' if rows != 1 else ''} reviewed by more than one person,"
        f" reviewers gave the same {'verdict' if values else 'answer'} on {agreed}"
        f" ({result['percent_agreement']:.0f}%)"
    )
    if values and values["rows"]:
        n = values["rows"]
        text += (
            f"; where two or more gave a right value ({n} row{'s' if n != 1 else ''}), the"
            f" values were within {VALUE_SPREAD_SHARE:.0%} of each other on {values['close']}"
        )
    kappa = result["kappa"]
    name = _METHOD_NAMES[result["method"]] + (" of the verdicts" if values else "")
    if kappa is None or math.isnan(kappa):
        return text + "."
    n = result["kappa_rows"]
    if n < MIN_KAPPA_ROWS:
        return (
            f"{text}; {name} = {kappa:.2f} from {n} row{'s' if n != 1 else ''}, too few to "
            "say how far that is beyond chance."
        )
    words = {"none": "no agreement beyond chance", "poor": "less agreement than chance"}
    said = words.get(result["strength"], f"{result['strength']} agreement beyond chance")
    on = f"all {n} rows" if n == rows else f"{n} of the {rows} rows"
    why = {
        "fleiss": f", {result['raters_per_row']} reviewers on each",
        "krippendorff": ", a measure that allows a different number of reviewers on each row",
    }.get(result["method"], "")
    return f"{text}; {said} ({name} = {kappa:.2f} on {on}{why})."


_METHOD_NAMES = {"cohen": "Cohen's κ", "fleiss": "Fleiss' κ", "krippendorff": "Krippendorff's α"}


class _SharedRows:
    """The verdicts on rows that two or more reviewers reviewed, as whole columns.

    Rows are numbered 0, 1, ... in order of first appearance in ``labels`` and their verdicts
    come row by row, each row's in frame order: what grouping by row gives, group by group.
    ``position`` is each verdict's position in ``labels``.
    """

    def __init__(self, labels: pd.DataFrame) -> None:
        if labels.empty:
            row = np.zeros(0)
        else:
            # ngroup numbers rows as first seen, and a key with a missing part NaN (no row).
            row = labels.groupby(ROW_KEY, sort=False).ngroup().to_numpy(dtype=float)
        kept = np.flatnonzero(~np.isnan(row))
        row = row[kept].astype(np.int64)
        shared = np.bincount(row)[row] >= 2
        order = np.argsort(row[shared], kind="stable")
        self.position = kept[shared][order]
        first_seen, self.row = np.unique(row[shared][order], return_inverse=True)
        self.n_rows = len(first_seen)
        self.reviewer = labels["reviewer"].to_numpy(dtype=object)[self.position]
        self.label = compared_labels(labels)[self.position]
        self.value = labels["label"].to_numpy(dtype=object)[self.position]
        if "task" in labels.columns and not labels.empty:
            regression = (labels["task"] == "regression").to_numpy(dtype=bool)[self.position]
        else:
            regression = np.zeros(len(self.position), dtype=bool)
        self.valued = regression & (self.label == "wrong")
        self.shown = (
            labels["shown"].to_numpy(dtype=object)[self.position]
            if "shown" in labels.columns
            else np.full(len(self.position), None, dtype=object)
        )

    def sizes(self) -> np.ndarray:
        """How many verdicts each row has."""
        return np.bincount(self.row, minlength=self.n_rows)

    def counts(self) -> np.ndarray:
        """Per row, how many gave each label (labels sorted as text): the statistics' table."""
        codes, categories = pd.factorize(self.label, use_na_sentinel=False)
        order = np.argsort(np.argsort([str(c) for c in categories], kind="stable"))
        table = np.zeros((self.n_rows, len(categories)), dtype=np.int64)
        np.add.at(table, (self.row, order[codes]), 1)
        return table

    def right_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: whether two or more reviewers gave a right value (a regression's "wrong"),
        and whether those values are too far apart to make one label (``values_apart``)."""
        valued = np.bincount(self.row[self.valued], minlength=self.n_rows) >= 2
        apart = np.zeros(self.n_rows, dtype=bool)
        at = np.flatnonzero(self.valued & valued[self.row])
        given: dict[int, list[float]] = {}
        shown: dict[int, float | None] = {}
        for row, value, seen in zip(
            self.row[at].tolist(), self.value[at].tolist(), self.shown[at].tolist(), strict=True
        ):
            number = right_value(value)
            if number is not None:
                given.setdefault(row, []).append(number)
            shown.setdefault(row, right_value(seen))
        for row, values in given.items():
            apart[row] = values_apart(values, shown[row]) is not None
        return valued, apart

    def distinct_labels(self) -> np.ndarray:
        """How many different labels each row has (``Series.nunique``: missing ones not)."""
        codes, _ = pd.factorize(self.label)
        pairs = pd.DataFrame({"row": self.row, "label": codes})[codes >= 0].drop_duplicates()
        return np.bincount(pairs["row"].to_numpy(), minlength=self.n_rows)


def pairwise_agreement(
    store: VerdictReader,
    sprint: str | None = None,
    prototype: str | None = None,
    *,
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per pair of reviewers who share rows: shared rows, % agreement, Cohen's κ.

    Columns: reviewer_a, reviewer_b (alphabetical), shared_rows, percent_agreement (0–100),
    cohen_kappa (NaN when both always gave one and the same label).
    ``labels``: ``reviewer_labels(store, sprint, prototype)`` if the caller has it (read only).
    """
    shared = _SharedRows(_labels(store, sprint, prototype, labels))
    given = pd.DataFrame({"row": shared.row, "reviewer": shared.reviewer, "label": shared.label})
    given = given.drop_duplicates(["row", "reviewer"], keep="last")  # a reviewer's last counts
    both = given.merge(given, on="row", suffixes=("_a", "_b"))
    both = both[(both["reviewer_a"] < both["reviewer_b"]).to_numpy(dtype=bool)]
    first = both["label_a"].to_numpy(dtype=object)
    second = both["label_b"].to_numpy(dtype=object)
    pairs = both.groupby(["reviewer_a", "reviewer_b"], sort=False).indices
    rows = []
    for a, b in sorted(pairs):
        at = pairs[(a, b)]
        rows.append(
            {
                "reviewer_a": a,
                "reviewer_b": b,
                "shared_rows": len(at),
                "percent_agreement": 100 * int((first[at] == second[at]).sum()) / len(at),
                "cohen_kappa": cohen_kappa(first[at], second[at]),
            }
        )
    return pd.DataFrame(rows, columns=_PAIR_COLUMNS)


def conflicts(
    store: VerdictReader,
    sprint: str | None = None,
    prototype: str | None = None,
    *,
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows on which reviewers' current labels differ, one line per reviewer of such a row.

    Columns: sprint, prototype, row_id, shown (the prediction shown), reviewer, verdict,
    label, comment, verdict_id, recorded_at. An "unsure" next to a label is a conflict too;
    so is a regression's row whose right values are far apart (``values_apart``).
    ``labels``: ``reviewer_labels(store, sprint, prototype)`` if the caller has it (read only).
    """
    labels = _labels(store, sprint, prototype, labels)
    shared = _SharedRows(labels)
    differ = shared.distinct_labels() > 1
    if shared.valued.any():
        differ |= shared.right_values()[1]
    disagreeing = differ[shared.row]
    if not disagreeing.any():
        return pd.DataFrame(columns=_CONFLICT_COLUMNS)
    return labels.iloc[shared.position[disagreeing]][_CONFLICT_COLUMNS].reset_index(drop=True)
