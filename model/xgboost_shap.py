"""XGBoost's trees in float64: their output and their path-dependent tree SHAP values.

XGBoost adds up its trees, and its own SHAP values, in float32 (7 significant digits): over a
hundred trees a value near 500,000 drifts by up to a few units in the 6th digit, so its SHAP
values and its own prediction miss each other by more than 1e-6 of the output. The trees
themselves are exact numbers (each leaf a float32 value, each split a float32 threshold or a
set of categories), so this module reads them from the model's JSON and computes, in float64:

- the model's output, ``base margin + sum of the leaves a row reaches`` (XGBoost's own
  output up to its float32 rounding: the two are checked to ``FLOAT32_AGREEMENT``);
- the path-dependent tree SHAP values of that output (the values XGBoost's ``pred_contribs``
  and shap's path-dependent ``TreeExplainer`` give, without the float32 sums).

Each leaf contributes the Shapley values of the game
``v(S) = leaf value * prod_{j in S} o_j(x) * prod_{j not in S} z_j`` over the features ``j``
on its path, where ``o_j(x)`` says whether the row meets every split of ``j`` on the path and
``z_j`` is the product of those splits' cover fractions: Lundberg et al.'s tree SHAP, computed
here for every pattern of ``o`` once per leaf and looked up per row. The leaf each row reaches
is checked against XGBoost's own ``pred_leaf``, so a split read wrongly is never used.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from math import factorial

import numpy as np
import pandas as pd

__all__ = ["FLOAT32_AGREEMENT", "XGBoostTrees", "contributions", "xgboost_trees"]

#: How far XGBoost's float32 output may be from the float64 sum of its trees, relative to the
#: output's magnitude (at least 1): its float32 running sum over a few hundred trees.
FLOAT32_AGREEMENT = 1e-5
#: Rows explained together: a block holds (rows, leaves of a tree, features on a path) floats.
BLOCK_ROWS = 2048
#: Up to this many distinct features on a path every value is computed here in float64 (a
#: leaf's table holds 2**d values per feature); deeper trees keep XGBoost's own values
#: where they add up, computing here only the rows where they do not.
MAX_PATH_FEATURES = 8
#: Rows on which that is checked: a base margin read wrongly shows on every row.
CHECKED_ROWS = 64

_LINKS = {
    "binary:logistic": "logit",
    "reg:logistic": "logit",
    "binary:logitraw": "identity",
    "reg:squarederror": "identity",
    "reg:absoluteerror": "identity",
    "reg:pseudohubererror": "identity",
    "reg:quantileerror": "identity",
    "reg:squaredlogerror": "identity",
    "multi:softprob": "identity",
    "multi:softmax": "identity",
    "count:poisson": "log",
    "reg:gamma": "log",
    "reg:tweedie": "log",
}


@dataclass
class _Leaf:
    node: int
    value: float
    output: int  # the class (output column) the tree adds to
    features: list[int]  # distinct features on the path
    fractions: np.ndarray  # z_j: product of the cover fractions of j's splits
    conditions: list[list[tuple[int, bool]]]  # per feature: (node, goes left) on the path


@dataclass
class XGBoostTrees:
    """An XGBoost model's trees read into float64: its output and tree SHAP values."""

    booster: object
    trees: list[dict]
    tree_outputs: list[int]
    base_margin: np.ndarray  # (C,)
    n_features: int
    n_outputs: int
    iterations: tuple[int, int]
    link: str  # how the output becomes a prediction: "identity", "logit" or "log"
    #: per categorical feature (by position), its categories in training order, if stored
    categories: dict = field(default_factory=dict)
    #: The rows ``outputs`` last saw (a fingerprint), their outputs and the leaves they reach:
    #: an explanation asks for the outputs and then for the values of the same rows
    _last_outputs: tuple | None = None

    def matrix(self, rows) -> np.ndarray:
        """``rows`` as XGBoost reads them: float32, categories as their codes, NaN missing."""
        if isinstance(rows, pd.DataFrame):
            columns = []
            for j, (_, column) in enumerate(rows.items()):
                if isinstance(column.dtype, pd.CategoricalDtype):
                    known = self.categories.get(j)
                    if known is None:
                        codes = column.cat.codes.to_numpy().astype(np.float32)
                    else:  # XGBoost codes categories as it saw them in training
                        codes = known.get_indexer(column.astype(object)).astype(np.float32)
                    codes[codes < 0] = np.nan
                    columns.append(codes)
                else:
                    columns.append(column.to_numpy(dtype=np.float32, na_value=np.nan))
            return np.column_stack(columns) if columns else np.empty((len(rows), 0), np.float32)
        if hasattr(rows, "tocoo"):  # scipy sparse: XGBoost reads absent entries as missing
            entries = rows.tocoo()
            dense = np.full(entries.shape, np.nan, dtype=np.float32)
            dense[entries.row, entries.col] = entries.data
            return dense
        return np.asarray(rows, dtype=np.float32)

    def _leaves(self, index: int) -> list[_Leaf]:
        tree = self.trees[index]
        if "leaves" in tree:
            return tree["leaves"]
        leaves: list[_Leaf] = []
        cover = tree["sum_hessian"]

        def walk(node: int, path: list[tuple[int, int, bool, float]]):
            left, right = tree["left_children"][node], tree["right_children"][node]
            if left == -1:
                features = list(dict.fromkeys(feature for feature, *_ in path))
                fractions = np.ones(len(features))
                conditions: list[list[tuple[int, bool]]] = [[] for _ in features]
                for feature, parent, goes_left, fraction in path:
                    k = features.index(feature)
                    fractions[k] *= fraction
                    conditions[k].append((parent, goes_left))
                value = float(tree["leaf_values"][node])
                leaves.append(
                    _Leaf(node, value, self.tree_outputs[index], features, fractions, conditions)
                )
                return
            feature = tree["split_indices"][node]
            for child, goes_left in ((left, True), (right, False)):
                fraction = cover[child] / cover[node] if cover[node] > 0 else 0.0
                walk(child, [*path, (feature, node, goes_left, fraction)])

        walk(0, [])
        tree["leaves"] = leaves
        return leaves

    def _dmatrix(self, rows):
        import xgboost

        return xgboost.DMatrix(rows, enable_categorical=True, missing=np.nan)

    def _predict(self, matrix, **kind) -> np.ndarray:
        raw = self.booster.predict(
            matrix, iteration_range=self.iterations, validate_features=False, **kind
        )
        return np.asarray(raw)

    def reached_leaves(self, rows, matrix=None) -> np.ndarray:
        """The leaf (node id) each row reaches in each tree, as XGBoost says, ``(n, T)``."""
        matrix = self._dmatrix(rows) if matrix is None else matrix
        leaves = self._predict(matrix, pred_leaf=True)
        return leaves.astype(np.int64).reshape(_n_rows(rows), -1)

    def outputs(self, rows, matrix=None) -> np.ndarray:
        """The model's output on ``rows`` in float64, ``(n, C)``: the base margin plus the
        leaves XGBoost's own traversal reaches. Raises ``ValueError`` where XGBoost's float32
        output is further from it than ``FLOAT32_AGREEMENT`` on the first rows (the base
        margin was read wrongly)."""
        key = _fingerprint(rows)
        if key is not None and self._last_outputs is not None and self._last_outputs[0] == key:
            return self._last_outputs[1].copy()
        reached = self.reached_leaves(rows, matrix)
        outputs = np.tile(self.base_margin, (len(reached), 1))
        for t, tree in enumerate(self.trees):
            outputs[:, self.tree_outputs[t]] += tree["leaf_values"][reached[:, t]]
        head = rows.iloc[:CHECKED_ROWS] if isinstance(rows, pd.DataFrame) else rows[:CHECKED_ROWS]
        own = self._predict(self._dmatrix(head), output_margin=True).astype(float)
        own = own.reshape(_n_rows(head), -1)
        gap = np.abs(outputs[: _n_rows(head)] - own) / np.maximum(1.0, np.abs(own))
        if len(gap) and gap.max() > FLOAT32_AGREEMENT:
            raise ValueError(
                f"the float64 sum of the XGBoost trees is {gap.max():.2g} off XGBoost's output"
            )
        self._last_outputs = (key, outputs, reached)
        return outputs.copy()

    def base(self) -> np.ndarray:
        """The expected output over the trees' training cover, ``(C,)``: the base value of
        the path-dependent SHAP values (a leaf's weight, the product of the cover fractions
        down its path, is its cover over the root's)."""
        base = self.base_margin.copy()
        for t, tree in enumerate(self.trees):
            cover = np.asarray(tree["sum_hessian"], dtype=float)
            if cover[0] > 0:
                leaves = np.asarray(tree["left_children"]) == -1
                weights = cover[leaves] / cover[0]
                base[self.tree_outputs[t]] += float(tree["leaf_values"][leaves] @ weights)
        return base

    def _paths(self, index: int) -> dict:
        """Tree ``index``'s leaves as arrays (built once): per leaf ``l`` and position ``p``
        on its path, the node, its direction and the slot (distinct feature) it belongs to;
        per slot its feature; per leaf the Shapley table times its value."""
        tree = self.trees[index]
        if "paths" in tree:
            return tree["paths"]
        leaves = self._leaves(index)
        depth = max(1, max(sum(len(c) for c in leaf.conditions) for leaf in leaves))
        slots = max(1, max(len(leaf.features) for leaf in leaves))
        L = len(leaves)
        nodes = np.zeros((L, depth), dtype=np.int64)
        left = np.ones((L, depth), dtype=bool)
        bits = np.zeros((L, depth), dtype=np.int64)  # 1 << slot; 0 where the path has ended
        features = np.zeros((L, slots), dtype=np.int64)
        tables = np.zeros((L, 1 << slots, slots))
        for i, leaf in enumerate(leaves):
            p = 0
            for k, conditions in enumerate(leaf.conditions):
                for node, goes_left in conditions:
                    nodes[i, p], left[i, p], bits[i, p] = node, goes_left, 1 << k
                    p += 1
            d = len(leaf.features)
            features[i, :d] = leaf.features
            if d:
                tables[i, : 1 << d, :d] = leaf.value * _shapley_table(leaf.fractions)
        tree["paths"] = {
            "nodes": nodes,
            "left": left,
            "bits": bits,
            "full": np.array([(1 << len(leaf.features)) - 1 for leaf in leaves]),
            # slot (leaf, k) -> its feature, as a matrix: the values are phi @ to_features
            "to_features": np.eye(self.n_features)[features.ravel()],
            "tables": tables,
            "leaf_nodes": np.array([leaf.node for leaf in leaves]),
            "output": self.tree_outputs[index],
        }
        return tree["paths"]

    def _decisions(self, tree: dict, x: np.ndarray) -> np.ndarray:
        """Whether each row goes left at each node, ``(n, nodes)`` (leaves: anything)."""
        split = np.asarray(tree["split_indices"])
        value = x[:, split]
        left = value < np.asarray(tree["split_conditions"], dtype=np.float32)[None, :]
        for node, categories in tree["categories_of"].items():
            # categories in the node's set go right
            left[:, node] = ~np.isin(value[:, node], categories)
        default = np.asarray(tree["default_left"], dtype=bool)
        return np.where(np.isnan(value), default[None, :], left)

    def _tree_values(self, t: int, tree: dict, x: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Add tree ``t``'s SHAP values of rows ``x`` to ``values``; return the leaf each row
        reaches."""
        paths = self._paths(t)
        decisions = self._decisions(tree, x)
        met = decisions[:, paths["nodes"]] == paths["left"][None]  # (n, L, depth)
        failed = np.bitwise_or.reduce(np.where(met, 0, paths["bits"][None]), axis=2)
        patterns = paths["full"][None, :] & ~failed  # (n, L): the slots whose splits are met
        at_leaf = patterns == paths["full"][None, :]
        leaves = np.arange(len(paths["full"]))[None, :]
        phi = paths["tables"][leaves, patterns]  # (n, L, slots)
        values[:, :, paths["output"]] += phi.reshape(len(x), -1) @ paths["to_features"]
        return paths["leaf_nodes"][np.argmax(at_leaf, axis=1)]

    def path_features(self) -> int:
        """The most distinct features on one path from a root to a leaf."""
        return max(
            (len(leaf.features) for t in range(len(self.trees)) for leaf in self._leaves(t)),
            default=0,
        )

    def shap_values(self, rows, reached=None) -> np.ndarray:
        """Path-dependent tree SHAP values of the float64 output, ``(n, M, C)``. Raises
        ``ValueError`` if a row's leaf read here is not the one XGBoost reaches (``reached``,
        from ``reached_leaves``, if the caller has it)."""
        x = self.matrix(rows)
        n = len(x)
        values = np.zeros((n, self.n_features, self.n_outputs))
        mine = np.zeros((n, len(self.trees)), dtype=np.int64)
        for start in range(0, n, BLOCK_ROWS):  # a block's (rows, leaves, slots) stays small
            block = slice(start, start + BLOCK_ROWS)
            for t, tree in enumerate(self.trees):
                mine[block, t] = self._tree_values(t, tree, x[block], values[block])
        if reached is None and n:
            reached = self.reached_leaves(rows)
        if n and not np.array_equal(mine, reached):
            raise ValueError("a split of the XGBoost trees was read differently from XGBoost")
        return values


def _n_rows(rows) -> int:
    return rows.shape[0]


def _fingerprint(rows) -> tuple | None:
    if isinstance(rows, pd.DataFrame):
        hashed = pd.util.hash_pandas_object(rows, index=False).to_numpy()
    elif isinstance(rows, np.ndarray) and rows.dtype != object:
        hashed = np.ascontiguousarray(rows)
    else:
        return None  # sparse or object: its bytes are addresses, not values
    return rows.shape, hashlib.blake2b(hashed.tobytes(), digest_size=16).hexdigest()


@cache
def _subset_tables(d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For ``d`` players: which subsets each pattern contains, each subset's members and the
    Shapley weights ``W[S, i]`` (``phi = v @ W``)."""
    subsets = np.arange(1 << d)
    members = ((subsets[:, None] >> np.arange(d)[None, :]) & 1).astype(bool)  # (2**d, d)
    contains = (subsets[None, :] & ~subsets[:, None]) == 0  # [pattern, S]: S within pattern
    sizes = members.sum(axis=1)
    weight = np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])
    inside = weight[np.maximum(sizes - 1, 0)][:, None]  # i in S: w(|S| - 1)
    outside = -weight[np.minimum(sizes, d - 1)][:, None]  # i not in S: -w(|S|)
    weights = np.where(members, inside, outside)
    return members, contains, weights


def _shapley_table(fractions: np.ndarray) -> np.ndarray:
    """Shapley values of ``v(S) = [S within pattern] * prod_{j not in S} z_j`` for every
    pattern (the features whose splits a row meets), ``(2**d, d)``."""
    members, contains, weights = _subset_tables(len(fractions))
    outside = np.prod(np.where(members, 1.0, fractions[None, :]), axis=1)  # (2**d,)
    return (contains * outside[None, :]) @ weights


def _base_margin(config: dict, n_outputs: int) -> np.ndarray:
    raw = config["learner"]["learner_model_param"]["base_score"]
    scores = np.atleast_1d(np.asarray(json.loads(raw) if raw.startswith("[") else [raw], float))
    objective = config["learner"]["objective"]["name"]
    link = _LINKS[objective]
    if link == "logit":
        scores = np.log(scores / (1.0 - scores))
    elif link == "log":
        scores = np.log(scores)
    return np.broadcast_to(scores, (n_outputs,)).astype(float).copy()


def xgboost_trees(final) -> XGBoostTrees | None:
    """The trees of a fitted XGBoost scikit-learn model, or None where this module does not
    read them (a linear booster, an objective whose link it does not know, vector leaves)."""
    booster = final.get_booster()
    model = json.loads(booster.save_raw("json"))
    config = json.loads(booster.save_config())
    learner = model["learner"]
    gradient = learner["gradient_booster"]
    if learner["objective"]["name"] not in _LINKS:
        return None
    if gradient.get("name") == "dart":  # trees weighted by what dropout left of them
        weights = [float(np.float32(w)) for w in gradient.get("weight_drop", [])]
        gradient = gradient["gbtree"]
    elif gradient.get("name") == "gbtree":
        weights = None
    else:
        return None
    trees = gradient["model"]["trees"]
    if any(int(t["tree_param"].get("size_leaf_vector", "1")) > 1 for t in trees):
        return None
    indptr = gradient["model"]["iteration_indptr"]
    try:
        last = final.best_iteration + 1
    except AttributeError:  # trained without early stopping: every tree
        last = len(indptr) - 1
    trees = trees[: indptr[last]]
    tree_outputs = [int(c) for c in gradient["model"]["tree_info"][: len(trees)]]
    n_outputs = max(1, int(learner["learner_model_param"].get("num_class", "0")))
    for t, tree in enumerate(trees):
        categories_of = {}
        for k, node in enumerate(tree.get("categories_nodes", [])):
            start, size = tree["categories_segments"][k], tree["categories_sizes"][k]
            categories_of[node] = np.asarray(tree["categories"][start : start + size], np.float32)
        tree["categories_of"] = categories_of
        tree["leaf_values"] = np.asarray(tree["split_conditions"], dtype=np.float32).astype(float)
        if weights is not None:
            tree["leaf_values"] *= weights[t]
    return XGBoostTrees(
        booster,
        trees,
        tree_outputs,
        _base_margin(config, n_outputs),
        int(learner["learner_model_param"]["num_feature"]),
        n_outputs,
        (0, last),
        _LINKS[learner["objective"]["name"]],
        _training_categories(gradient["model"].get("cats") or {}),
    )


def _training_categories(cats: dict) -> dict:
    """The text categories XGBoost stored per feature (``{position: Index}``); XGBoost 3
    codes a frame's categories by these names, whatever the frame's own order."""
    categories = {}
    for j, encoding in enumerate(cats.get("enc", [])):
        offsets, values = encoding.get("offsets") or [], encoding.get("values") or []
        if len(offsets) > 1:
            raw = bytes(values)
            names = [raw[a:b].decode() for a, b in zip(offsets, offsets[1:], strict=False)]
            categories[j] = pd.Index(names, dtype=object)
    return categories


def contributions(trees: XGBoostTrees, rows, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Path-dependent SHAP values of the float64 output ``(values (n, M, C), base (C,))``.

    Computed here in float64 (faster than XGBoost's ``pred_contribs`` on one thread). For
    trees with more than ``MAX_PATH_FEATURES`` distinct features on a path, XGBoost's own
    values (summed in float32) are kept on the rows where, with the float64 base, they add up
    to the float64 output within ``tolerance`` of its magnitude (at least 1), and only the
    other rows' values are computed here.
    """
    if trees.path_features() <= MAX_PATH_FEATURES:
        trees.outputs(rows)
        return trees.shap_values(rows, trees._last_outputs[2]), trees.base()
    matrix = trees._dmatrix(rows)
    own = trees._predict(matrix, pred_contribs=True).astype(float)
    if own.ndim == 2:
        own = own[:, None, :]
    values = np.transpose(own[:, :, :-1], (0, 2, 1))  # (n, M, C)
    base = trees.base()
    outputs = trees.outputs(rows, matrix)
    gap = np.abs(base[None, :] + values.sum(axis=1) - outputs)
    wrong = np.flatnonzero(np.max(gap / np.maximum(1.0, np.abs(outputs)), axis=1) > tolerance)
    if len(wrong):
        picked = rows.iloc[wrong] if isinstance(rows, pd.DataFrame) else rows[wrong]
        known = trees._last_outputs
        reached = known[2][wrong] if known is not None else None  # this call's
        values[wrong] = trees.shap_values(picked, reached)
    return values, base
