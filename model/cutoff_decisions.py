"""A binary prototype's decisions at a cut-off on the chance of its positive class: the
threshold the Sprint demo's counts, the Bake-off and Present step 1 flag a case from (the one
at which its errors cost least), so that each case's own view says the same decision.

- :func:`decide`: flagged or not, for one case's chance.
- :func:`sureness`: how far a chance is from the cut-off, 0 at the cut-off and 1 at certainty
  (0 % or 100 %); at a 50 % cut-off it is the model's own confidence rescaled as
  ``ui.review_card`` does, so "unsure" means the same at either cut-off.
- :func:`least_sure_first`: demo rows by that sureness, the closest to the cut-off first.

Without a cut-off (no labels, no costs) the pages keep the model's own 50 % class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.labels import PROBABILITY_PREFIX

__all__ = ["Cutoff", "decide", "least_sure_first", "sureness"]


@dataclass(frozen=True)
class Cutoff:
    """Flag a case as ``positive`` when its chance of it is at least ``threshold``; else
    ``negative``."""

    positive: str
    negative: str
    threshold: float

    def __post_init__(self) -> None:
        # 0 is a cut-off too: the cheapest for a model that cannot tell cases apart may be to
        # flag every case, as the counts then do
        if not (isinstance(self.threshold, float | int) and 0 <= self.threshold <= 1):
            raise ValueError(f"a cut-off is a chance from 0 to 1, got {self.threshold!r}")

    @classmethod
    def of(cls, classes: list[str], positive: object, threshold: float) -> Cutoff:
        """The cut-off of a binary model with ``classes``, whose ``positive`` class is flagged
        from ``threshold``."""
        positive = str(positive)
        others = [str(c) for c in classes if str(c) != positive]
        if len(others) != 1:
            raise ValueError(f"a cut-off needs two classes, one of them {positive!r}: {classes}")
        return cls(positive, others[0], float(threshold))

    @property
    def column(self) -> str:
        """The predictions' column of the chance of the positive class."""
        return PROBABILITY_PREFIX + self.positive

    def chance(self, probabilities: Mapping[str, float] | pd.Series) -> float:
        """The chance of the positive class among ``probabilities`` (by class, or a
        predictions row with ``p:<class>`` columns)."""
        if isinstance(probabilities, pd.Series):
            return float(probabilities[self.column])
        return float(probabilities[self.positive])


def decide(chance: float, cutoff: Cutoff) -> str:
    """The class decided for a case with ``chance`` of the positive class."""
    return cutoff.positive if float(chance) >= cutoff.threshold else cutoff.negative


def sureness(chance: float, cutoff: Cutoff) -> float:
    """How far ``chance`` is from the cut-off, as a share of the way to certainty on its side:
    0 at the cut-off, 1 at 0 % or 100 %. A 9.6 % chance at a 6.7 % cut-off is 0.03 (2.9 of the
    93.3 points up to 100 %); a 3 % chance is 0.55 (3.7 of the 6.7 points down to 0 %)."""
    chance, threshold = float(chance), cutoff.threshold
    if not math.isfinite(chance):
        return math.nan
    if chance >= threshold:
        return 1.0 if threshold >= 1 else (chance - threshold) / (1 - threshold)
    return (threshold - chance) / threshold  # threshold > chance >= 0 here


def least_sure_first(predictions: pd.DataFrame, cutoff: Cutoff) -> pd.Index:
    """The index of ``predictions`` by :func:`sureness` at ``cutoff``, closest to it first
    (ties in row order)."""
    chance = predictions[cutoff.column].to_numpy(dtype=float, na_value=np.nan)
    threshold = cutoff.threshold
    above = (chance - threshold) / (1 - threshold) if threshold < 1 else np.ones_like(chance)
    below = (threshold - chance) / threshold if threshold > 0 else np.zeros_like(chance)
    sure = np.where(chance >= threshold, above, below)
    order = pd.Series(sure, index=predictions.index).fillna(np.inf)
    return order.sort_values(kind="stable").index
