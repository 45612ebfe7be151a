"""The compiled part of ``model.threaded_tree_shap``: path-dependent tree SHAP by path patterns.

Imported only when a set of rows is explained (numba takes 0.4 s to import). Each function is
compiled with ``nogil=True``, so threads explain row chunks side by side, and cached on disk
(``cache=True``), so a process compiles nothing that an earlier one did.

``extend`` and ``unwound_sum`` are shap's (``tree_shap.h``, Lundberg et al. 2020, Algorithm
2). Where shap walks each tree once per row, extending and unwinding its path of unique
features at every node, :func:`path_dependent_values` walks each tree once: at each leaf it
reads the path's distinct features and the share of the training cover each step keeps, and
then each row only needs its *pattern*, which of those features' conditions it satisfies,
since a leaf's contribution to a row depends on nothing else. A pattern's values are shap's
leaf computation on that path, kept in a table while the leaf's rows are explained.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["CACHED_PATTERNS", "DENSE_SLOTS", "path_dependent_values"]

#: Leaves with at most this many distinct features on their path keep each pattern's values
#: in a table of ``2^DENSE_SLOTS`` rows while the rows are explained; others compute them
#: for each row.
DENSE_SLOTS = 10

#: Leaves with more keep the values of up to ``CACHE_LIMIT`` patterns in a hash table of
#: ``CACHED_PATTERNS`` places (a power of two, at most three quarters full, so that a lookup
#: always ends at the pattern or at a free place). A deep forest's leaf meets about 350
#: patterns in 1,000 rows.
CACHED_PATTERNS = 4096
CACHE_LIMIT = 3 * CACHED_PATTERNS // 4

jit = numba.njit(nogil=True, cache=True, error_model="numpy")


@jit
def extend(zeros, ones, weights, depth, zero, one):
    """shap's ``extend_path``: one more feature on the path, at ``depth``; the path's weights
    (``pweight``) updated for it."""
    zeros[depth] = zero
    ones[depth] = one
    weights[depth] = 1.0 if depth == 0 else 0.0
    for i in range(depth - 1, -1, -1):
        weights[i + 1] += one * weights[i] * (i + 1) / (depth + 1)
        weights[i] = zero * weights[i] * (depth - i) / (depth + 1)


@jit
def unwound_sum(zeros, ones, weights, depth, index):
    """shap's ``unwound_path_sum``: the path's total weight with feature ``index`` taken off."""
    one = ones[index]
    zero = zeros[index]
    next_one = weights[depth]
    total = 0.0
    if one != 0:
        for i in range(depth - 1, -1, -1):
            part = next_one / ((i + 1) * one)
            total += part
            next_one = weights[i] - part * zero * (depth - i)
    else:
        for i in range(depth - 1, -1, -1):
            total += weights[i] / (zero * (depth - i))
    return total * (depth + 1)


@jit
def pattern_values(pattern, k, covers, zeros, ones, weights, into):
    """Each slot's value per unit of leaf value for a row of ``pattern`` (bit j: it
    satisfies the path's conditions on slot j), shap's extend and unwound sum."""
    extend(zeros, ones, weights, 0, 1.0, 1.0)
    for j in range(k):
        extend(zeros, ones, weights, j + 1, covers[j], float((pattern >> j) & 1))
    for j in range(k):
        w = unwound_sum(zeros, ones, weights, k, j + 1)
        into[j] = w * (ones[j + 1] - zeros[j + 1])


@jit
def path_dependent_values(
    rows,
    missing,
    left,
    right,
    default,
    features,
    thresholds,
    values,
    covers,
    max_path,
    cache_limit,
    out,
):
    """Add each row's path-dependent SHAP values over the trees to ``out`` (rows × features ×
    outputs). The trees are shap's ``TreeEnsemble`` arrays (trees × nodes); ``missing`` marks
    the rows' missing values; ``max_path`` is at least the most distinct features on a path;
    ``cache_limit`` the most patterns a deep leaf keeps (``CACHE_LIMIT``)."""
    n_trees, n_nodes = left.shape
    n_outputs = values.shape[2]
    # the walk: a stack of nodes with their level; the path to the current node
    stack = np.empty(2 * n_nodes + 2, dtype=np.int64)
    stack_level = np.empty(2 * n_nodes + 2, dtype=np.int64)
    path_node = np.empty(n_nodes + 1, dtype=np.int64)
    path_left = np.empty(n_nodes + 1, dtype=np.bool_)
    step_slot = np.empty(n_nodes + 1, dtype=np.int64)
    slot_feature = np.empty(n_nodes + 1, dtype=np.int64)
    slot_cover = np.empty(n_nodes + 1)
    zeros = np.empty(n_nodes + 2)
    ones = np.empty(n_nodes + 2)
    weights = np.empty(n_nodes + 2)
    # a leaf's values per pattern, when it has at most DENSE_SLOTS path features
    table = np.empty((2**DENSE_SLOTS, DENSE_SLOTS))
    stamp = np.zeros(2**DENSE_SLOTS, dtype=np.int64)
    generation = 0
    # a deeper leaf's values per pattern met, by open addressing
    cache_keys = np.empty(CACHED_PATTERNS, dtype=np.int64)
    cache_stamp = np.zeros(CACHED_PATTERNS, dtype=np.int64)
    cache = np.empty((CACHED_PATTERNS, max(max_path, 1)))
    scratch = np.empty(n_nodes + 1)
    for t in range(n_trees):
        top = 0
        stack[0] = 0
        stack_level[0] = 0
        while top >= 0:
            node = stack[top]
            level = stack_level[top]
            top -= 1
            path_node[level] = node
            if right[t, node] >= 0:
                top += 1
                stack[top] = right[t, node]
                stack_level[top] = level + 1
                top += 1
                stack[top] = left[t, node]
                stack_level[top] = level + 1
                continue
            # a leaf at the end of `level` steps: its path's features and cover ratios
            k = 0
            for s in range(level):
                parent = path_node[s]
                child = path_node[s + 1]
                path_left[s] = child == left[t, parent]
                feature = features[t, parent]
                slot = 0
                while slot < k and slot_feature[slot] != feature:
                    slot += 1
                if slot == k:
                    slot_feature[k] = feature
                    slot_cover[k] = 1.0
                    k += 1
                step_slot[s] = slot
                slot_cover[slot] *= covers[t, child] / covers[t, parent]
            dense = k <= DENSE_SLOTS
            generation += 1
            cached = 0
            full = (1 << k) - 1
            for r in range(rows.shape[0]):
                pattern = full
                for s in range(level):
                    parent = path_node[s]
                    split = features[t, parent]
                    if missing[r, split]:
                        goes_left = default[t, parent] == left[t, parent]
                    else:
                        goes_left = rows[r, split] <= thresholds[t, parent]
                    if goes_left != path_left[s]:
                        pattern &= ~(1 << step_slot[s])
                if dense:
                    if stamp[pattern] != generation:
                        pattern_values(
                            pattern,
                            k,
                            slot_cover,
                            zeros,
                            ones,
                            weights,
                            table[pattern],
                        )
                        stamp[pattern] = generation
                    contributions = table[pattern]
                else:
                    place = (pattern * 2654435761) & (CACHED_PATTERNS - 1)
                    while cache_stamp[place] == generation and cache_keys[place] != pattern:
                        place = (place + 1) & (CACHED_PATTERNS - 1)
                    if cache_stamp[place] == generation:  # met before on this leaf
                        contributions = cache[place]
                    elif cached < cache_limit:
                        pattern_values(pattern, k, slot_cover, zeros, ones, weights, cache[place])
                        cache_stamp[place] = generation
                        cache_keys[place] = pattern
                        cached += 1
                        contributions = cache[place]
                    else:
                        pattern_values(pattern, k, slot_cover, zeros, ones, weights, scratch)
                        contributions = scratch
                for j in range(k):
                    for c in range(n_outputs):
                        out[r, slot_feature[j], c] += contributions[j] * values[t, node, c]
