"""What an explainer returns: :class:`Explanation` (SHAP values, base values, outputs, and how
each row was explained), :class:`ExplanationError`, and the names of the model-agnostic
explainers (:mod:`model.explain` chooses and runs them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from model.config import SEED
from model.estimate import ESTIMATE_EXPLAINER, Estimate

__all__ = [
    "ESTIMATE",
    "ESTIMATE_SEED",
    "EXACT",
    "IMPORTANCE_BARS",
    "PERMUTATION",
    "Explanation",
    "ExplanationError",
    "estimate_error",
    "is_estimated",
    "of_positive_class",
    "others_importance",
    "stated_error",
]

#: The explainer of rows the fast explainer gets wrong, and of every row without one.
EXACT = "exact (independent background)"
#: The explainer of more than ``MAX_EXACT_FEATURES`` features where ``EXACT`` would take too long.
ESTIMATE = ESTIMATE_EXPLAINER
#: What prototypes published before the estimator recorded (shap's PermutationExplainer, one
#: unseeded permutation); their rows explained later get ``ESTIMATE``.
PERMUTATION = "permutation"
#: Every estimate is seeded with this, publishing and explaining a row later alike.
ESTIMATE_SEED = SEED
#: Bars of an importance chart: the ``IMPORTANCE_BARS - 1`` largest features one by one, the
#: others as one bar of their combined effect (:func:`others_importance`).
IMPORTANCE_BARS = 10


class ExplanationError(ValueError):
    """The model cannot be explained exactly; the message says why."""


@dataclass
class Explanation:
    """SHAP values for ``n`` rows, ``M`` source features and ``C`` explained outputs.

    ``values[r, m, c]`` is feature ``features[m]``'s contribution to output ``c`` on row ``r``;
    ``base_values[c] + values[r, :, c].sum() == outputs[r, c]``, in ``unit``: ``"probability"``
    (of the explained class), ``"value"`` (a regression's prediction) or ``"log-odds"`` (the
    raw score a boosting classifier adds its trees up to: the log-odds of a binary model's
    positive class, a multiclass model's softmax score of each class). ``predictions`` are the
    model's probabilities (or values) of the explained classes, equal to ``outputs`` unless
    the unit is log-odds.

    ``explainer`` is the explainer of most rows; ``methods`` counts the rows each explainer
    explained (the fast explainer first), and ``row_methods`` names it for every row.
    ``max_additivity_error`` is the largest ``|base + sum - output| / max(1, |output|)``.

    Where rows were estimated (``ESTIMATE``), ``estimate_error`` is the largest half-width of
    their contributions (95%, all of a row's contributions at once), ``target_error`` the error
    they were sampled to, ``row_errors`` each row's largest half-width (0 for rows explained
    exactly) and ``estimate`` the estimator's own record of the estimated rows; all None when
    every value is exact.
    """

    values: np.ndarray
    base_values: np.ndarray
    outputs: np.ndarray
    features: list[str]
    explainer: str
    max_additivity_error: float
    unit: str = "probability"
    methods: dict[str, int] = field(default_factory=dict)
    row_methods: np.ndarray | None = field(default=None, repr=False)
    predictions: np.ndarray | None = field(default=None, repr=False)
    estimate_error: float | None = None
    target_error: float | None = None
    row_errors: np.ndarray | None = field(default=None, repr=False)
    estimate: Estimate | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.row_methods is None:
            self.row_methods = np.full(len(self.values), self.explainer, dtype=object)
        if not self.methods:
            self.methods = dict(Counter(self.row_methods))
        if self.predictions is None:
            self.predictions = self.outputs

    def of_the_other_class(self, label: str) -> Explanation:
        """The same explanation of a binary model's other class, ``label``: a probability p
        becomes 1 − p and log-odds z become −z, so every contribution changes sign; the
        stated errors stay. Words of free text (``words``) change sign and class too."""
        if self.unit == "probability":
            base, outputs = 1.0 - self.base_values, 1.0 - self.outputs
        else:
            base, outputs = -self.base_values, -self.outputs
        other = replace(
            self,
            values=-self.values,
            base_values=base,
            outputs=outputs,
            predictions=None if self.predictions is None else 1.0 - self.predictions,
        )
        words = getattr(self, "words", None)
        if words is not None:
            other.words = words.assign(contribution=-words["contribution"], explained_class=label)
        return other

    def methods_meta(self, row_ids) -> dict:
        """What a published prototype records of how its rows ``row_ids`` (in the order of
        ``values``) were explained, besides ``explainer`` and ``methods``:

        ``explainer_rows``: for each explainer other than ``explainer`` (that of most rows),
        the ids of the rows it explained; ``estimate_error``: the largest stated error of an
        estimated contribution (None if none was estimated); ``estimate``: the estimate's
        ``seed``, ``target_error``, ``rows`` (estimated rows), ``converged`` (rows whose errors
        met the target) and ``top_resolved`` (rows whose top feature is told apart from the
        next), or None.
        """
        ids = np.asarray([str(row_id) for row_id in row_ids], dtype=object)
        rows = {
            name: ids[self.row_methods == name].tolist()
            for name in self.methods
            if name != self.explainer
        }
        estimate = None
        if self.estimate is not None:
            estimate = {
                "seed": ESTIMATE_SEED,
                "target_error": self.target_error,
                "rows": len(self.estimate.values),
                "converged": int(self.estimate.converged.sum()),
                "top_resolved": int(self.estimate.top_resolved.sum()),
            }
        return {
            "explainer_rows": rows,
            "estimate_error": self.estimate_error,
            "estimate": estimate,
        }


def of_positive_class(
    explanation: Explanation, task: str, classes: list[str], positive: str | None
) -> Explanation:
    """``explanation`` of a binary model's ``classes[1]`` (what every explainer explains) as
    one of ``positive``, the class the prototype counts and flags; unchanged otherwise."""
    if task != "binary" or positive is None or len(classes) != 2 or positive == classes[1]:
        return explanation
    return explanation.of_the_other_class(positive)


def stated_error(meta: Mapping, explanation: Mapping | None = None) -> float | None:
    """The stated error (95% half-width of each value) of ``explanation``'s estimate, or of
    the prototype's (``meta``: the largest over its estimated rows); None where none was
    measured."""
    for source in (explanation or {}, meta):
        for key in ("estimate_error", "stated_error"):
            value = source.get(key)
            if isinstance(value, int | float) and value == value:
                return float(value)
    return None


def is_estimated(explainer: object) -> bool:
    """Whether an explainer's name (as stored with a row) is an estimate's, not exact."""
    text = str(explainer or "").lower()
    return any(word in text for word in ("permutation", "estimate", "sampl", "approximate"))


def estimate_error(meta: Mapping, explanation: Mapping) -> float | None:
    """The stated half-width of each of ``explanation``'s values where they were estimated;
    None for exact values or an error not measured."""
    if not is_estimated(explanation.get("explainer")):
        return None
    return stated_error(meta, explanation)


def others_importance(
    values: np.ndarray,
    features: list[str],
    weights,
    importance: Mapping[str, float],
    bars: int = IMPORTANCE_BARS,
) -> dict | None:
    """What an importance chart of ``bars`` bars draws as its last one: the features after
    the ``bars - 1`` largest of ``importance`` (largest first, ties in ``features``' order), and
    the (weighted) mean over the rows of |the sum of their contributions|, summed over the
    explained classes as ``importance`` is: how far they move a row together. Not the sum of
    their mean |contribution| (48 features of a wide model summed to 3.40, four times the top
    feature's 0.87, where together they moved a row by 0.71). ``values`` is
    ``(rows, features, classes)``. ``{"features": [...], "importance": float}``; None when
    every feature has a bar of its own."""
    if len(features) <= bars:
        return None
    ranked = sorted(range(len(features)), key=lambda m: -float(importance[features[m]]))
    rest = sorted(ranked[bars - 1 :])
    together = np.abs(np.asarray(values, dtype=float)[:, rest, :].sum(axis=1))  # (rows, classes)
    weights = np.asarray(weights, dtype=float)
    if len(weights) and not np.all(weights == weights[0]):
        mean = np.average(together, axis=0, weights=weights)
    else:
        mean = together.mean(axis=0)
    return {"features": [features[m] for m in rest], "importance": float(mean.sum())}
