"""Class labels as users see them, and the prediction columns named after them.

Publishing writes these names and every reader (statistics, the bake-off, the review) reads
them, so they live here, below all of them, rather than in the module that writes them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PROBABILITY_PREFIX", "label_strings"]

#: Predictions hold the probability of each class in a column ``p:<class label>``.
PROBABILITY_PREFIX = "p:"


def label_strings(values) -> np.ndarray:
    """Class labels as the strings users see and type: ``1`` and ``1.0`` both become ``"1"``."""
    array = np.asarray(values)
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        array = array.astype(np.int64)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    return array.astype(str).astype(object)
