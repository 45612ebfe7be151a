"""Path-dependent tree SHAP on every core: shap's values, compiled, one thread per core.

shap's path-dependent ``TreeExplainer`` (forests, single trees, gradient boosting regressors)
runs its C code on one core and holds the GIL while it does, so neither threads nor anything
else in the process can share the work; worker processes can, but start in about 2.4 s each
(``model.config.SHAP_PARALLEL_MIN_ROWS``). This computes the same values
(``model.tree_shap_kernel``: each tree walked once for all rows, a leaf's values computed once
per pattern of conditions its rows meet, by Linear TreeSHAP's integral) in code numba
(shap's own dependency) compiles to release the GIL, so that the rows are split into one chunk
per core and explained in threads: no process to start, nothing to pickle. Each row's values
are shap's up to the order of float64 sums (tested within 1e-12 of shap's on forests, extra
trees, single trees and gradient boosting regressors, with missing values, several classes and
paths of more than 10 distinct features), and publishing checks every row's additivity as
before.

It reads the trees from shap's explainer (``explainer.model``), so every comparison is the
one shap makes: ``x <= threshold`` goes left, a missing value goes to the node's default
child. Trees with categorical splits, or a limit on the trees used, keep shap's explainer
(:func:`threaded_explainer`). The first set a process explains pays for importing numba and
reading the compiled code from numba's cache (0.2 s here; compiling it, the first time on a
machine, 1.7 s).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["ThreadedTreeExplainer", "threaded_explainer", "training_counts"]

#: Deeper trees keep shap's explainer: a row's pattern is a 63-bit integer.
MAX_DEPTH = 62

#: Rows per thread at least: fewer, and starting the thread costs more than it saves.
_MIN_ROWS_PER_THREAD = 64


def threaded_explainer(explainer, covers: np.ndarray | None = None):
    """A :class:`ThreadedTreeExplainer` of shap's path-dependent ``explainer`` (with
    ``covers`` instead of its trees' own, see :func:`training_counts`), or ``explainer``
    itself where its trees have categorical splits or a tree limit, or numba cannot be
    imported."""
    model = explainer.model
    splits = np.asarray(model.children_left) >= 0
    if np.any(np.asarray(model.threshold_types)[splits] != 0):
        return explainer
    n_trees = np.asarray(model.children_left).shape[0]
    if int(model.max_depth) > MAX_DEPTH:
        return explainer
    if getattr(model, "tree_limit", None) not in (None, -1, n_trees):
        return explainer
    try:
        import numba  # noqa: F401 - shap's dependency; checked here, used when computing
    except ImportError:
        return explainer
    return ThreadedTreeExplainer(explainer, covers)


def training_counts(final, explainer) -> np.ndarray | None:
    """How many training rows reached each node of a scikit-learn tree model weighted by class
    (``class_weight``), in the shape of ``explainer.model.node_sample_weight``; None for any
    other model.

    Path-dependent SHAP values start from the trees' mean output over the training rows as
    the trees weigh them: a forest with ``class_weight="balanced"`` on 4% failures weighs
    them as half the rows, so every explanation started from "the model's average, 50%"
    where its mean chance on those rows was 6%. Counting each row once (``n_node_samples``)
    starts them from that mean; the values still add up to every row's output."""
    if getattr(final, "class_weight", None) is None:
        return None
    trees = [getattr(member, "tree_", None) for member in getattr(final, "estimators_", [final])]
    shape = np.asarray(explainer.model.node_sample_weight).shape
    if any(tree is None for tree in trees) or len(trees) != shape[0]:
        return None
    counts = np.zeros(shape)
    for t, tree in enumerate(trees):
        if tree.node_count > shape[1]:
            return None
        counts[t, : tree.node_count] = tree.n_node_samples
    return counts


class ThreadedTreeExplainer:
    """shap's path-dependent tree SHAP values of ``explainer``'s trees, computed in threads.

    Answers as shap's explainer does: ``shap_values(rows)``, ``(n, M)`` for one output and
    ``(n, M, C)`` for several, and ``expected_value``. ``n_jobs`` (joblib's convention: -1 for
    every core) says how many threads may share the rows.
    """

    #: ``model.tree_shap.tree_shap_values`` passes its worker count here instead of starting
    #: worker processes.
    threads_rows = True

    def __init__(self, explainer, covers: np.ndarray | None = None):
        self.explainer = explainer
        model = explainer.model
        self._children_left = np.ascontiguousarray(model.children_left, dtype=np.int64)
        self._children_right = np.ascontiguousarray(model.children_right, dtype=np.int64)
        self._children_default = np.ascontiguousarray(model.children_default, dtype=np.int64)
        self._features = np.ascontiguousarray(model.features, dtype=np.int64)
        self._thresholds = np.ascontiguousarray(model.thresholds, dtype=np.float64)
        self._values = np.ascontiguousarray(model.values, dtype=np.float64)
        own = model.node_sample_weight if covers is None else covers
        self._covers = np.ascontiguousarray(own, dtype=np.float64)
        self._base_offset = np.asarray(model.base_offset, dtype=np.float64).reshape(-1)
        self.n_outputs = self._values.shape[-1]
        self._input_dtype = model.input_dtype
        self._max_depth = int(model.max_depth)
        # shap's bias term: every tree's root value (its cover-weighted mean) and the offset;
        # with other covers, their mean of the leaves' values
        if covers is None:
            expected = self._base_offset + self._values[:, 0, :].sum(axis=0)
        else:
            leaves = (self._children_left < 0) & (self._covers > 0)
            shares = np.where(leaves, self._covers, 0.0) / self._covers[:, :1]
            expected = self._base_offset + np.einsum("tn,tnc->c", shares, self._values)
        self.expected_value = expected[0] if self.n_outputs == 1 else expected

    def shap_values(self, rows, check_additivity: bool = False, n_jobs: int = 1) -> np.ndarray:
        """The path-dependent SHAP values of ``rows`` (as the trees take them)."""
        # as shap takes them: in the trees' own input type first (float32 for
        # scikit-learn's, which compare float32 values with float64 thresholds)
        rows = np.asarray(rows)
        rows = np.ascontiguousarray(rows.astype(self._input_dtype), dtype=np.float64)
        from model import tree_shap_kernel as kernel_module  # numba: only when explaining

        kernel = kernel_module.path_dependent_values
        max_path = min(self._max_depth, rows.shape[1])
        nodes, weights = kernel_module.quadrature(max_path)
        missing = np.isnan(rows)
        out = np.zeros((len(rows), rows.shape[1], self.n_outputs))
        threads = max(1, min(_threads(n_jobs), len(rows) // _MIN_ROWS_PER_THREAD))
        bounds = np.linspace(0, len(rows), threads + 1).astype(int)

        def explain(start: int, end: int) -> None:
            kernel(
                rows[start:end],
                missing[start:end],
                self._children_left,
                self._children_right,
                self._children_default,
                self._features,
                self._thresholds,
                self._values,
                self._covers,
                self._max_depth,
                max_path,
                nodes,
                weights,
                kernel_module.CACHE_LIMIT,
                out[start:end],
            )

        if threads == 1:
            explain(0, len(rows))
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(explain, bounds[:-1], bounds[1:]))
        return out[:, :, 0] if self.n_outputs == 1 else out


def _threads(n_jobs: int) -> int:
    """joblib's reading of ``n_jobs`` (-1: every core, -2: all but one) without joblib."""
    cores = os.cpu_count() or 1
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return max(1, min(n_jobs, cores))
