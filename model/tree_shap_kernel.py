"""The compiled part of ``model.threaded_tree_shap``: path-dependent tree SHAP by path patterns.

Imported only when a set of rows is explained (numba takes 0.4 s to import). Each function is
compiled with ``nogil=True``, so threads explain row chunks side by side, and cached on disk
(``cache=True``), so a process compiles nothing that an earlier one did.

Where shap walks each tree once per row (Lundberg et al. 2020, Algorithm 2: extending and
unwinding its path of unique features at every node, ``tree_shap.h``),
:func:`path_dependent_values` walks each tree once for all rows: a leaf's contribution to a row
depends only on the row's *pattern*, which of the path's features' conditions it meets, so
each leaf computes the values of each pattern its rows have once (:func:`pattern_values`),
keeps them in a table while its rows are explained, and adds them to each row's.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["CACHED_PATTERNS", "DENSE_SLOTS", "path_dependent_values", "quadrature"]

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


def quadrature(most_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]: row ``n`` holds the ``n`` of them, exact
    for polynomials up to degree ``2n - 1``, for ``n`` up to what ``most_slots`` needs."""
    most = max(1, (most_slots + 1) // 2)
    nodes = np.zeros((most + 1, most))
    weights = np.zeros((most + 1, most))
    for n in range(1, most + 1):
        x, w = np.polynomial.legendre.leggauss(n)
        nodes[n, :n] = (x + 1) / 2
        weights[n, :n] = w / 2
    return nodes, weights


@jit
def pattern_values(pattern, k, covers, nodes, weights, factors, suffix, into):
    """Each slot's value per unit of leaf value for a row of ``pattern`` (bit j: it meets the
    path's conditions on slot j), on a path of ``k`` slots that keep ``covers`` of the cover.

    One leaf's path-dependent game is ``v · Π_j (a_j if j in S else R_j)``, so slot ``i``'s
    Shapley value is ``v (a_i - R_i) Σ_m w_m c_m``, with ``c_m`` the coefficients of
    ``Π_{j≠i} (R_j + a_j z)`` and ``w_m = m!(k-1-m)!/k!``; since ``w_m`` is the integral of
    ``t^m (1-t)^(k-1-m)`` over [0, 1], that is ``v (a_i - R_i) ∫ Π_{j≠i} (R_j (1-t) + a_j t)
    dt`` (as in Linear TreeSHAP, Yu et al. 2022): a polynomial of degree ``k - 1``, which
    ``(k + 1) // 2`` Gauss nodes integrate exactly. Products without slot ``i`` are a prefix
    times a suffix, so a pattern costs about ``1.5 k²`` multiplications."""
    n = (k + 1) // 2
    for i in range(k):
        into[i] = 0.0
    for q in range(n):
        t = nodes[n, q]
        w = weights[n, q]
        for j in range(k):
            factors[j] = covers[j] * (1.0 - t) + ((pattern >> j) & 1) * t
        suffix[k] = 1.0
        for j in range(k - 1, -1, -1):
            suffix[j] = suffix[j + 1] * factors[j]
        prefix = 1.0
        for i in range(k):
            into[i] += w * prefix * suffix[i + 1]
            prefix *= factors[i]
    for i in range(k):
        into[i] *= ((pattern >> i) & 1) - covers[i]


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
    max_depth,
    max_path,
    nodes,
    weights,
    cache_limit,
    out,
):
    """Add each row's path-dependent SHAP values over the trees to ``out`` (rows × features ×
    outputs). The trees are shap's ``TreeEnsemble`` arrays (trees × nodes); ``missing`` marks
    the rows' missing values; ``max_depth`` is the deepest leaf's number of steps and
    ``max_path`` at least the most distinct features on a path; ``nodes`` and ``weights``
    come from :func:`quadrature`; ``cache_limit`` is the most patterns a deep leaf keeps
    (``CACHE_LIMIT``).

    Each tree is walked once, depth first. At each node every row's pattern is carried down
    from its parent's (the bit of the parent's feature cleared where the row goes the other
    way), so a leaf finds all rows' patterns ready, and computes each pattern's values once.
    """
    n_rows = rows.shape[0]
    n_trees = left.shape[0]
    n_outputs = values.shape[2]
    levels = max_depth + 2  # one more than the deepest leaf needs, to be safe
    stack = np.empty(2 * levels + 2, dtype=np.int64)
    stack_level = np.empty(2 * levels + 2, dtype=np.int64)
    path_node = np.empty(levels, dtype=np.int64)
    level_slot = np.empty(levels, dtype=np.int64)  # the slot of each step's feature
    level_slots = np.empty(levels, dtype=np.int64)  # distinct features down to each step
    patterns = np.empty((levels, n_rows), dtype=np.int64)
    goes_left = np.empty((levels, n_rows), dtype=np.bool_)
    slot_feature = np.empty(levels, dtype=np.int64)
    slot_cover = np.empty(levels)
    factors = np.empty(levels)
    suffix = np.empty(levels + 1)
    # a leaf's values per pattern: a table when it has at most DENSE_SLOTS path features
    table = np.empty((2**DENSE_SLOTS, DENSE_SLOTS))
    stamp = np.zeros(2**DENSE_SLOTS, dtype=np.int64)
    generation = 0
    # a deeper leaf's values per pattern met, by open addressing
    cache_keys = np.empty(CACHED_PATTERNS, dtype=np.int64)
    cache_stamp = np.zeros(CACHED_PATTERNS, dtype=np.int64)
    cache = np.empty((CACHED_PATTERNS, max(max_path, 1)))
    scratch = np.empty(levels)
    for t in range(n_trees):
        top = 0
        stack[0] = 0
        stack_level[0] = 0
        while top >= 0:
            node = stack[top]
            level = stack_level[top]
            top -= 1
            path_node[level] = node
            if level == 0:
                for r in range(n_rows):
                    patterns[0, r] = -1  # every bit set: nothing failed yet
            else:
                parent = path_node[level - 1]
                went_left = node == left[t, parent]
                cleared = ~(1 << level_slot[level - 1])
                for r in range(n_rows):
                    pattern = patterns[level - 1, r]
                    if goes_left[level - 1, r] != went_left:
                        pattern &= cleared
                    patterns[level, r] = pattern
            if right[t, node] >= 0:  # a split: its feature's slot, where every row goes
                split = features[t, node]
                slot = -1
                for s in range(level):
                    if features[t, path_node[s]] == split:
                        slot = level_slot[s]
                        break
                known = level_slots[level - 1] if level > 0 else 0
                level_slot[level] = known if slot < 0 else slot
                level_slots[level] = known + 1 if slot < 0 else known
                threshold = thresholds[t, node]
                default_left = default[t, node] == left[t, node]
                for r in range(n_rows):
                    if missing[r, split]:
                        goes_left[level, r] = default_left
                    else:
                        goes_left[level, r] = rows[r, split] <= threshold
                top += 1
                stack[top] = right[t, node]
                stack_level[top] = level + 1
                top += 1
                stack[top] = left[t, node]
                stack_level[top] = level + 1
                continue
            # a leaf at the end of `level` steps: its path's features and cover ratios
            k = level_slots[level - 1] if level > 0 else 0
            for s in range(k):
                slot_cover[s] = 1.0
            for s in range(level):
                parent = path_node[s]
                child = path_node[s + 1] if s + 1 < level else node
                slot_feature[level_slot[s]] = features[t, parent]
                slot_cover[level_slot[s]] *= covers[t, child] / covers[t, parent]
            dense = k <= DENSE_SLOTS
            generation += 1
            cached = 0
            full = (1 << k) - 1
            for r in range(n_rows):
                pattern = patterns[level, r] & full
                if dense:
                    if stamp[pattern] != generation:
                        pattern_values(
                            pattern, k, slot_cover, nodes, weights, factors, suffix,
                            table[pattern],
                        )  # fmt: skip
                        stamp[pattern] = generation
                    contributions = table[pattern]
                else:
                    place = (pattern * 2654435761) & (CACHED_PATTERNS - 1)
                    while cache_stamp[place] == generation and cache_keys[place] != pattern:
                        place = (place + 1) & (CACHED_PATTERNS - 1)
                    if cache_stamp[place] == generation:  # met before on this leaf
                        contributions = cache[place]
                    elif cached < cache_limit:
                        pattern_values(
                            pattern, k, slot_cover, nodes, weights, factors, suffix,
                            cache[place],
                        )  # fmt: skip
                        cache_stamp[place] = generation
                        cache_keys[place] = pattern
                        cached += 1
                        contributions = cache[place]
                    else:
                        pattern_values(
                            pattern, k, slot_cover, nodes, weights, factors, suffix, scratch
                        )
                        contributions = scratch
                for j in range(k):
                    for c in range(n_outputs):
                        out[r, slot_feature[j], c] += contributions[j] * values[t, node, c]
