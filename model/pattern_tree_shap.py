"""Interventional tree SHAP by path patterns: shap's exact values, in time linear in rows.

shap's interventional explainer (``TreeExplainer(..., feature_perturbation="interventional")``)
walks every tree once for each pair of a row and a background row: rows × background rows ×
leaves × depth. This computes the same values another way. For one leaf of one tree, a row
``x`` and a background row ``z``, all that matters is which of the features split on along the
leaf's path each one satisfies (all of the path's conditions on that feature). With ``A`` the
path features only ``x`` satisfies and ``B`` those only ``z`` satisfies, the hybrid row that
takes the features in ``S`` from ``x`` and the others from ``z`` reaches the leaf exactly when
``A ⊆ S`` and ``S ∩ B = ∅`` (and no path feature is satisfied by neither). That game's Shapley
values are, for the leaf's value ``v``::

    j in A:  v · (|A| - 1)! |B|! / (|A| + |B|)!
    j in B: -v · |A|! (|B| - 1)! / (|A| + |B|)!

So a row's contribution from a leaf depends only on its *pattern* (which path features it
satisfies) and on how many background rows have each pattern. With ``k`` path features there
are ``2^k`` patterns: the background rows are counted into a table per leaf once, and each row
to explain then costs one lookup per leaf (rows × leaves × depth, no background factor). The
result is shap's interventional values exactly (up to the order of float64 sums): the tests
compare them with shap's on every library's trees, and publishing checks every row's
additivity as before.

It reads the trees from shap's own ``TreeExplainer`` (``explainer.model``, after
``model.explain_trees.SplitCodes`` has recoded its thresholds), so every model shap's
interventional explainer is used for gets it, and it compares as shap's C code does: ``x <=
threshold`` goes left, a missing value goes to the node's default child. Trees with more than
``MAX_PATH_FEATURES`` features on one path, or categorical splits, keep shap's explainer
(:func:`pattern_explainer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
from scipy import sparse

__all__ = ["MAX_PATH_FEATURES", "PatternTreeExplainer", "pattern_explainer"]

#: Most distinct features on one root-to-leaf path for which the pattern tables are built:
#: ``2^k`` patterns per leaf, a ``4^k × k`` weight table (6: 64 patterns, XGBoost's default
#: depth).
MAX_PATH_FEATURES = 6

#: Most table cells (leaves × patterns × path features × outputs, float64) built: 64 MB;
#: past it, shap's own explainer (100 XGBoost trees of depth 6 take 2.5 million).
MAX_TABLE_CELLS = 8_000_000

#: Rows × leaves × path length computed at once, to bound the memory of a large set.
_CHUNK_CELLS = 4_000_000


def pattern_explainer(explainer):
    """A :class:`PatternTreeExplainer` of shap's interventional ``explainer`` (its trees and
    background rows), or ``explainer`` itself where patterns would not pay: categorical
    splits, more than :data:`MAX_PATH_FEATURES` features on a path, or tables past
    :data:`MAX_TABLE_CELLS`."""
    model = explainer.model
    splits = np.asarray(model.children_left) >= 0
    if np.any(np.asarray(model.threshold_types)[splits] != 0):
        return explainer
    paths = _leaf_paths(model)
    if paths is None:
        return explainer
    return PatternTreeExplainer(model, np.asarray(explainer.data, dtype=float), paths)


@dataclass
class _Paths:
    """Every leaf's root-to-leaf path, padded to the longest (``D`` steps): the node at each
    step (flat index into the ``(trees × nodes)`` arrays; -1 past the path's end), whether the
    path went left there, and the slot (0..K-1) of the step's feature among the path's
    features."""

    nodes: np.ndarray  # (L, D) int
    left: np.ndarray  # (L, D) bool
    slots: np.ndarray  # (L, D) int
    slot_features: np.ndarray  # (L, K) int; padding slots: feature 0
    leaves: np.ndarray  # (L,) flat node index of each leaf
    n_slots: int  # K


def _leaf_paths(model) -> _Paths | None:
    """The paths of ``model``'s leaves (a shap ``TreeEnsemble``), or None when one has more
    than ``MAX_PATH_FEATURES`` distinct features or the tables would be too large."""
    left_children = np.asarray(model.children_left)
    right_children = np.asarray(model.children_right)
    features = np.asarray(model.features)
    n_trees, n_nodes = left_children.shape
    trees = int(getattr(model, "tree_limit", n_trees) or n_trees)
    records = []  # (leaf, [(node, went_left)], [features in order of first use])
    for t in range(trees):
        stack = [(0, [])]
        while stack:
            node, path = stack.pop()
            left, right = left_children[t, node], right_children[t, node]
            if left < 0:
                seen = list(dict.fromkeys(int(features[t, n]) for n, _ in path))
                if len(seen) > MAX_PATH_FEATURES:
                    return None
                records.append((t * n_nodes + node, path, seen))
                continue
            stack.append((right, [*path, (node, False)]))
            stack.append((left, [*path, (node, True)]))
    n_leaves = len(records)
    depth = max((len(path) for _, path, _ in records), default=0)
    n_slots = max((len(seen) for _, _, seen in records), default=0)
    n_outputs = np.asarray(model.values).shape[-1]
    if n_leaves * (2**n_slots) * max(n_slots, 1) * n_outputs > MAX_TABLE_CELLS:
        return None
    nodes = np.full((n_leaves, max(depth, 1)), -1, dtype=np.int64)
    left = np.zeros((n_leaves, max(depth, 1)), dtype=bool)
    slots = np.zeros((n_leaves, max(depth, 1)), dtype=np.int64)
    slot_features = np.zeros((n_leaves, max(n_slots, 1)), dtype=np.int64)
    leaves = np.empty(n_leaves, dtype=np.int64)
    for i, (leaf, path, seen) in enumerate(records):
        leaves[i] = leaf
        tree = leaf // n_nodes
        slot_of = {feature: s for s, feature in enumerate(seen)}
        slot_features[i, : len(seen)] = seen
        for d, (node, went_left) in enumerate(path):
            nodes[i, d] = tree * n_nodes + node
            left[i, d] = went_left
            slots[i, d] = slot_of[int(features[tree, node])]
    return _Paths(nodes, left, slots, slot_features, leaves, n_slots)


def _pattern_weights(k: int) -> np.ndarray:
    """``W[px, pz, j]``: leaf ``j``-th path feature's Shapley value per unit of leaf value for
    a row of pattern ``px`` against a background row of pattern ``pz`` (bit ``j`` set: the
    row satisfies the path's conditions on its ``j``-th feature)."""
    size = 2**k
    full = size - 1
    px, pz = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    only_x = px & ~pz & full
    only_z = ~px & pz & full
    reached = (~px & ~pz & full) == 0  # no feature that neither satisfies
    popcount = np.array([bin(i).count("1") for i in range(size)])
    a, b = popcount[only_x], popcount[only_z]
    fact = np.array([factorial(i) for i in range(k + 1)], dtype=float)
    total = fact[np.clip(a + b, 0, k)]
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where(a > 0, fact[np.clip(a - 1, 0, k)] * fact[b] / total, 0.0)
        loss = np.where(b > 0, fact[a] * fact[np.clip(b - 1, 0, k)] / total, 0.0)
    weights = np.zeros((size, size, max(k, 1)))
    for j in range(k):
        bit = 1 << j
        weights[:, :, j] = np.where(
            ~reached, 0.0, np.where(only_x & bit, gain, np.where(only_z & bit, -loss, 0.0))
        )
    return weights


class PatternTreeExplainer:
    """shap's interventional tree SHAP values of a tree ensemble, computed by path patterns
    (see the module's docstring). Answers as shap's explainer does: ``shap_values(rows)``,
    ``(n, M)`` for one output and ``(n, M, C)`` for several, and ``expected_value``, the
    mean output over the background rows."""

    def __init__(self, model, background: np.ndarray, paths: _Paths):
        self.n_features = background.shape[1]
        self.n_outputs = np.asarray(model.values).shape[-1]
        self._n_slots = paths.n_slots
        left_children = np.asarray(model.children_left).ravel()
        splits = np.flatnonzero(left_children >= 0)
        self._split_features = np.asarray(model.features).ravel()[splits]
        self._split_thresholds = np.asarray(model.thresholds, dtype=float).ravel()[splits]
        self._split_default_left = (
            np.asarray(model.children_default).ravel()[splits] == (left_children[splits])
        )
        # Each step of a path fails where the row goes the other way at its node: columns
        # [goes left | goes right | never] of _comparisons, by step (D, L); its pattern bit.
        column = np.full(len(left_children), -1)
        column[splits] = np.arange(len(splits))
        step_column = column[np.maximum(paths.nodes, 0)] + np.where(paths.left, len(splits), 0)
        never = 2 * len(splits)
        self._fail_columns = np.where(paths.nodes >= 0, step_column, never).T.copy()
        self._fail_bits = np.left_shift(1, paths.slots).astype(np.uint8).T.copy()
        values = np.asarray(model.values, dtype=float).reshape(-1, self.n_outputs)
        leaf_values = values[paths.leaves]  # (L, C)
        k = paths.n_slots
        n_leaves = len(paths.leaves)
        patterns = self._patterns(background)  # (n_b, L)
        counts = np.bincount(
            (np.arange(n_leaves) * 2**k + patterns).ravel(), minlength=n_leaves * 2**k
        ).reshape(n_leaves, 2**k) / len(background)
        weights = _pattern_weights(k)  # (px, pz, K)
        per_unit = counts @ weights.transpose(1, 0, 2).reshape(2**k, -1)  # (L, px·K)
        per_unit = per_unit.reshape(n_leaves * 2**k, -1)  # (L·2^k, K)
        # one table per output: (C, L·2^k, K), each leaf's rows scaled by its value
        self._tables = [
            per_unit * np.repeat(leaf_values[:, c], 2**k)[:, None] for c in range(self.n_outputs)
        ]
        self._leaf_offsets = np.arange(n_leaves) * 2**k
        base = np.asarray(model.base_offset, dtype=float).reshape(-1)
        reached = counts[:, -1]  # the share of background rows that reach each leaf
        expected = base + reached @ leaf_values
        self.expected_value = expected[0] if self.n_outputs == 1 else expected
        # (leaf, slot) → its feature, to add each leaf's values up per feature
        slots = paths.slot_features.size
        self._to_features = sparse.csr_array(
            (np.ones(slots), (np.arange(slots), paths.slot_features.ravel())),
            shape=(slots, self.n_features),
        )

    def _patterns(self, rows: np.ndarray) -> np.ndarray:
        """``(n, L)``: each row's pattern at each leaf, bit ``j`` set when it satisfies every
        condition of the leaf's path on its ``j``-th feature."""
        values = rows[:, self._split_features]  # (n, splits)
        goes_left = np.where(
            np.isnan(values), self._split_default_left, values <= self._split_thresholds
        )
        comparisons = np.concatenate(
            [goes_left, ~goes_left, np.zeros((len(rows), 1), dtype=bool)], axis=1
        ).view(np.uint8)
        fails = np.zeros((len(rows), self._fail_columns.shape[1]), dtype=np.uint8)
        for columns, bits in zip(self._fail_columns, self._fail_bits, strict=True):
            fails |= comparisons[:, columns] * bits
        return (2**self._n_slots - 1) ^ fails

    def shap_values(self, rows, check_additivity: bool = False) -> np.ndarray:
        """The interventional SHAP values of ``rows`` (as the trees take them)."""
        rows = np.asarray(rows, dtype=float)
        n_leaves, n_slots = len(self._leaf_offsets), self._tables[0].shape[1]
        chunk = max(1, _CHUNK_CELLS // max(n_leaves * n_slots, 1))
        out = np.empty((len(rows), self.n_features, self.n_outputs))
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            at = self._leaf_offsets + self._patterns(part)  # (n, L): each leaf's table row
            for c, table in enumerate(self._tables):
                looked_up = table[at].reshape(len(part), -1)  # (n, L·K)
                out[start : start + chunk, :, c] = looked_up @ self._to_features
        return out[:, :, 0] if self.n_outputs == 1 else out
