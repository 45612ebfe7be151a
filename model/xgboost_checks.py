"""An XGBoost model's structure, checked before XGBoost reads or runs it.

XGBoost walks its trees by the stored child indices and reads each row's columns by the stored
split indices, with no bounds checks; its UBJSON reader copies as many bytes as a length says.
A damaged or edited file therefore crashes the process (or reads outside the model) instead of
raising an error. :func:`xgboost_problem` reads the model as Python data first: the JSON file
(``json``), or the UBJSON file or the buffer a pickled or skops-saved booster holds
(:func:`decode_ubjson`, every length checked against the bytes there are), and says what is
wrong in words, or ``None``. Keys appear once (XGBoost keeps the first of a repeated key, Python
the last), so XGBoost reads exactly what was checked. What the values would take in memory is
held to the model file cap (``model.file_limits``) before they are built: a JSON file's from its
commas and brackets, a UBJSON file's as the decoder goes.
"""

from __future__ import annotations

import json
import re
import struct

import numpy as np

from model.file_limits import (
    CONTAINER_BYTES,
    VALUE_BYTES,
    TooLargeToRead,
    json_memory_bytes,
    max_unpacked_bytes,
    megabytes,
)

__all__ = ["decode_ubjson", "read_xgboost_document", "xgboost_problem"]

#: Largest category code a categorical split may hold (XGBoost's own limit is 2**24) and the
#: memory its category bitsets may take in all: a split on code c takes c/8 bytes.
MAX_CATEGORY = 1 << 24
MAX_CATEGORY_BYTES = 256 * 1024 * 1024
#: A tree's arrays of one value per node.
_NODE_ARRAYS = (
    "left_children",
    "right_children",
    "parents",
    "split_indices",
    "split_conditions",
    "default_left",
    "loss_changes",
    "sum_hessian",
    "base_weights",
)
#: UBJSON's number markers as XGBoost writes them (big-endian), alone and in typed arrays.
_SCALARS = {b"i": ">b", b"U": ">B", b"I": ">h", b"l": ">i", b"L": ">q", b"d": ">f", b"D": ">d"}
_TYPED = {b"i": ">i1", b"U": ">u1", b"I": ">i2", b"l": ">i4", b"L": ">i8", b"d": ">f4", b"D": ">f8"}
#: Value kinds of a numeric category column (XGBoost's ``ValueKind``: its integer arrays).
_INTEGER_KINDS = range(9, 17)
#: Memory a decoded UBJSON string takes beyond its characters (a str's 49 bytes and its slot),
#: and a typed array beyond its values (two NumPy array headers, measured 283 bytes in all).
_STRING_BYTES = CONTAINER_BYTES
_ARRAY_BYTES = 288


class _Problem(Exception):
    """What is wrong with the model, in words."""


# -- reading -------------------------------------------------------------------------------------
class _Budget:
    """The memory the decoded values may still take; spending past it stops the decoder."""

    def __init__(self, max_bytes: int, size: int):
        self.left = self.max_bytes = max_bytes
        self.size = size

    def spend(self, nbytes: int, at: int) -> None:
        self.left -= nbytes
        if self.left < 0:
            spent = self.max_bytes - self.left
            likely = max(spent, spent * self.size // max(at, 1))  # at this rate to the end
            raise TooLargeToRead(
                f"its values would take about {megabytes(likely)} MB in memory once read"
            )


def decode_ubjson(data: bytes, max_bytes: int | None = None):
    """The value in the UBJSON ``data`` as XGBoost writes it: objects as dicts (each key once),
    arrays as lists, typed arrays as NumPy arrays. ``ValueError`` saying where it breaks;
    :class:`~model.file_limits.TooLargeToRead` once the values would take more than
    ``max_bytes`` in memory (by default the model file cap)."""
    view = memoryview(data)
    limit = max_unpacked_bytes() if max_bytes is None else max_bytes
    value, end = _ubj_value(view, 0, 0, _Budget(limit, len(view)))
    if end != len(view):
        raise ValueError(f"{len(view) - end:,} bytes after the model's end")
    return value


def _need(view, at: int, size: int) -> None:
    if size < 0 or at + size > len(view):
        raise ValueError(f"the file ends at byte {len(view):,} inside a value at byte {at:,}")


def _ubj_length(view, at: int) -> tuple[int, int]:
    _need(view, at, 9)
    if view[at] != ord("L"):
        raise ValueError(f"a length at byte {at:,} is not an int64")
    (size,) = struct.unpack_from(">q", view, at + 1)
    if size < 0:
        raise ValueError(f"a negative length at byte {at:,}")
    return size, at + 9


def _ubj_value(view, at: int, depth: int, budget: _Budget):
    if depth > 64:
        raise ValueError("values nested over 64 deep")
    _need(view, at, 1)
    marker, at = bytes(view[at : at + 1]), at + 1
    budget.spend(CONTAINER_BYTES if marker in (b"{", b"[") else VALUE_BYTES, at)
    if marker in _SCALARS:
        fmt = _SCALARS[marker]
        _need(view, at, struct.calcsize(fmt))
        return struct.unpack_from(fmt, view, at)[0], at + struct.calcsize(fmt)
    if marker in (b"T", b"F", b"Z"):
        return {b"T": True, b"F": False, b"Z": None}[marker], at
    if marker == b"S":
        size, at = _ubj_length(view, at)
        _need(view, at, size)
        budget.spend(_STRING_BYTES + size, at)
        return bytes(view[at : at + size]).decode("utf-8", "surrogateescape"), at + size
    if marker == b"{":
        result: dict = {}
        while True:
            _need(view, at, 1)
            if view[at] == ord("}"):
                return result, at + 1
            size, at = _ubj_length(view, at)
            _need(view, at, size)
            budget.spend(_STRING_BYTES + size, at)
            key = bytes(view[at : at + size]).decode("utf-8", "surrogateescape")
            if key in result:
                raise ValueError(f"the key {key!r} appears twice in one object")
            result[key], at = _ubj_value(view, at + size, depth + 1, budget)
    if marker == b"[":
        _need(view, at, 1)
        if view[at] == ord("$"):
            _need(view, at, 3)
            kind = bytes(view[at + 1 : at + 2])
            if kind not in _TYPED or view[at + 2] != ord("#"):
                raise ValueError(f"an array of an unknown type at byte {at:,}")
            count, at = _ubj_length(view, at + 3)
            dtype = np.dtype(_TYPED[kind])
            _need(view, at, count * dtype.itemsize)
            budget.spend(_ARRAY_BYTES + count * dtype.itemsize, at)
            values = np.frombuffer(view, dtype, count, at).astype(dtype.newbyteorder("="))
            return values, at + count * dtype.itemsize
        items = []
        if view[at] == ord("#"):
            count, at = _ubj_length(view, at + 1)
            _need(view, at, count)  # each value takes a byte at least
            for _ in range(count):
                item, at = _ubj_value(view, at, depth + 1, budget)
                items.append(item)
            return items, at
        while True:
            _need(view, at, 1)
            if view[at] == ord("]"):
                return items, at + 1
            item, at = _ubj_value(view, at, depth + 1, budget)
            items.append(item)
    raise ValueError(f"an unknown marker {marker!r} at byte {at - 1:,}")


def _no_repeats(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def read_xgboost_document(data: bytes, max_bytes: int | None = None):
    """The model in ``data`` (XGBoost JSON, or UBJSON by its first bytes) as Python data;
    ``ValueError`` saying why it cannot be read, :class:`~model.file_limits.TooLargeToRead`
    if its values would take more than ``max_bytes`` in memory (by default the model file
    cap)."""
    limit = max_unpacked_bytes() if max_bytes is None else max_bytes
    if data[:2] == b"{L":
        return decode_ubjson(data, limit)
    memory = json_memory_bytes(data)
    if memory > limit:
        raise TooLargeToRead(
            f"its JSON would take about {megabytes(memory)} MB in memory once read"
        )
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_repeats)
    except UnicodeDecodeError:
        raise ValueError("it is neither XGBoost JSON nor UBJSON") from None
    except RecursionError:
        raise ValueError("its values are nested too deep") from None
    except ValueError as error:
        if "Exceeds the limit" in str(error):  # Python's cap on digits: not advice to pass on
            raise ValueError(
                "it holds a number of more than 4,300 digits, which no model writes"
            ) from None
        raise


# -- checking ------------------------------------------------------------------------------------
def xgboost_problem(document, serialized: bool = False) -> str | None:
    """What is wrong with the XGBoost model ``document`` (:func:`read_xgboost_document`), in
    words; ``None`` when XGBoost can read and run it safely. ``serialized``: the
    ``{"Config", "Model"}`` buffer a pickled booster holds rather than a saved model."""
    try:
        if serialized:
            _check_serialized(document)
        else:
            _check_model(document)
    except _Problem as problem:
        return str(problem)
    return None


def _get(mapping, key: str, kind: type | tuple = dict, where: str = ""):
    if not isinstance(mapping, dict) or key not in mapping:
        raise _Problem(f"{where or 'the model'} has no {key!r}")
    value = mapping[key]
    if not isinstance(value, kind):
        raise _Problem(f"{where or 'the model'}'s {key!r} is not what XGBoost writes")
    return value


def _int_text(mapping, key: str, low: int, where: str, default: str | None = None) -> int:
    text = mapping.get(key, default) if isinstance(mapping, dict) else None
    if not isinstance(text, str) or not re.fullmatch(r"-?\d{1,10}", text):
        raise _Problem(f"{where} {key} is {text!r}, not a whole number")
    value = int(text)
    if not low <= value < 2**31:
        raise _Problem(f"{where} {key} is {value:,}")
    return value


def _integers(values, what: str) -> np.ndarray:
    array = values if isinstance(values, np.ndarray) else None
    if array is None:
        if not isinstance(values, list):
            raise _Problem(f"{what} is not a list")
        try:
            array = np.array(values) if values else np.zeros(0, np.int64)
        except (OverflowError, ValueError):
            array = None
    if array is None or array.ndim != 1 or array.dtype.kind not in "iub":
        raise _Problem(f"{what} holds values that are not whole numbers")
    return array.astype(np.int64)


def _length(values, what: str) -> int:
    if not isinstance(values, (list, np.ndarray)):
        raise _Problem(f"{what} is not a list")
    return len(values)


def _check_serialized(document) -> None:
    config = _get(document, "Config")
    model = _get(document, "Model")
    learner = _check_model(model)
    saved = _get(_get(config, "learner"), "learner_model_param", dict, "its configuration")
    if saved != learner["learner_model_param"]:
        raise _Problem("its configuration and its model disagree on the number of columns")
    objective = _get(config["learner"], "objective", dict, "its configuration")
    _check_objective(objective, learner["learner_model_param"])


def _check_model(document) -> dict:
    learner = _get(document, "learner")
    params = _get(learner, "learner_model_param", dict, "the learner")
    n_features = _int_text(params, "num_feature", 0, "the model's")
    n_classes = _int_text(params, "num_class", 0, "the model's")
    n_targets = _int_text(params, "num_target", 1, "the model's", default="1")
    groups = max(n_classes, n_targets, 1)
    _check_base_score(params.get("base_score"), groups)
    _check_objective(_get(learner, "objective", dict, "the learner"), params)
    for key in ("feature_names", "feature_types"):
        values = learner.get(key, [])
        if not isinstance(values, list) or len(values) not in (0, n_features):
            raise _Problem(f"{key} does not name its {n_features:,} columns")
        if not all(isinstance(value, str) for value in values):
            raise _Problem(f"{key} holds values that are not names")
    booster = _get(learner, "gradient_booster", dict, "the learner")
    name = booster.get("name")
    if name == "gblinear":
        weights = _get(booster, "model", dict, "the linear booster").get("weights")
        if _length(weights, "the linear weights") != (n_features + 1) * groups:
            raise _Problem(
                f"the linear model has {len(weights):,} weights for {n_features:,} columns and "
                f"{groups:,} outputs"
            )
        return learner
    if name == "dart":
        inner = _get(booster, "gbtree", dict, "the dart booster")
        trees = _check_trees(_get(inner, "model", dict, "the dart booster"), n_features, groups)
        if _length(booster.get("weight_drop"), "the dart weights") != trees:
            raise _Problem(f"the dart booster has weights for other than its {trees:,} trees")
        return learner
    if name != "gbtree":
        raise _Problem(f"its booster {name!r} is none XGBoost has")
    _check_trees(_get(booster, "model", dict, "the booster"), n_features, groups)
    return learner


def _check_base_score(text, groups: int) -> None:
    if not isinstance(text, str):
        raise _Problem("the model has no base score")
    values = text[1:-1].split(",") if text.startswith("[") and text.endswith("]") else [text]
    if len(values) not in (1, groups):
        raise _Problem(f"the model has {len(values):,} base scores for {groups:,} outputs")


def _check_objective(objective: dict, params: dict) -> None:
    name = objective.get("name")
    if not isinstance(name, str):
        raise _Problem("the model names no objective")
    if name.startswith("multi:"):
        stated = objective.get("softmax_multiclass_param", {})
        if not isinstance(stated, dict) or stated.get("num_class") != params.get("num_class"):
            raise _Problem(
                f"its objective's number of classes ({stated.get('num_class')!r}) is not the "
                f"model's ({params.get('num_class')!r})"
            )


def _check_trees(model: dict, n_features: int, groups: int) -> int:
    params = _get(model, "gbtree_model_param", dict, "the booster")
    n_trees = _int_text(params, "num_trees", 0, "the booster's")
    _int_text(params, "num_parallel_tree", 1, "the booster's", default="1")
    trees = _get(model, "trees", list, "the booster")
    if len(trees) != n_trees:
        raise _Problem(f"the booster says {n_trees:,} trees and holds {len(trees):,}")
    if groups > max(n_trees, 1):  # each output has a tree a round
        raise _Problem(f"the model has {groups:,} outputs and {n_trees:,} trees")
    info = _integers(_get(model, "tree_info", (list, np.ndarray), "the booster"), "tree_info")
    if len(info) != n_trees or (n_trees and (info.min() < 0 or info.max() >= groups)):
        raise _Problem(f"tree_info does not give each of {n_trees:,} trees one of {groups} outputs")
    if "iteration_indptr" in model:
        indptr = _integers(model["iteration_indptr"], "iteration_indptr")
        if (
            len(indptr) == 0
            or indptr[0] != 0
            or indptr[-1] != n_trees
            or np.any(np.diff(indptr) < 0)
        ):
            raise _Problem("iteration_indptr does not divide the trees into rounds")
    if "cats" in model:
        _check_categories(model["cats"], n_features)
    category_bytes = 0
    for index, tree in enumerate(trees):
        category_bytes += _check_tree(tree, index, n_features)
        if category_bytes > MAX_CATEGORY_BYTES:
            raise _Problem("its categorical splits would take over 256 MB")
    return n_trees


def _check_categories(cats, n_features: int) -> None:
    """The categories a model stores for re-coding a data frame's (XGBoost 3.1 and later)."""
    if not isinstance(cats, dict):
        raise _Problem("its stored categories are not what XGBoost writes")
    columns = _get(cats, "enc", list, "its stored categories")
    segments = _integers(cats.get("feature_segments", []), "the category segments")
    order = _integers(cats.get("sorted_idx", []), "the category order")
    if not columns and not len(segments):
        return
    if len(columns) != n_features or len(segments) != n_features + 1 or segments[0] != 0:
        raise _Problem(f"its stored categories are not for its {n_features:,} columns")
    for column, encoded in enumerate(columns):
        if not isinstance(encoded, dict):
            raise _Problem(f"the categories of column {column} are not what XGBoost writes")
        values = encoded.get("values")
        if "offsets" in encoded:
            offsets = _integers(encoded["offsets"], f"column {column}'s category offsets")
            count = max(len(offsets) - 1, 0)
            size = _length(values, f"column {column}'s categories")
            if len(offsets) and (
                offsets[0] != 0 or np.any(np.diff(offsets) < 0) or offsets[-1] > size
            ):
                raise _Problem(f"column {column}'s category names point outside their text")
        elif encoded.get("type") in _INTEGER_KINDS:
            count = _length(values, f"column {column}'s categories")
        else:
            raise _Problem(f"the categories of column {column} are of an unknown type")
        if segments[column + 1] - segments[column] != count:
            raise _Problem(f"the category segments do not count column {column}'s categories")
    if len(order):
        if len(order) != segments[-1]:
            raise _Problem("the category order is not one place for each category")
        for column in range(n_features):
            part = order[segments[column] : segments[column + 1]]
            if not np.array_equal(np.sort(part), np.arange(len(part))):
                raise _Problem(f"the category order of column {column} is not a permutation")


def _check_tree(tree, index: int, n_features: int) -> int:
    """Check one tree; the bytes its category bitsets will take."""
    where = f"tree {index}"
    if not isinstance(tree, dict) or tree.get("id") != index:
        raise _Problem(f"{where} is not stored in its place (its id is not {index})")
    params = _get(tree, "tree_param", dict, where)
    n_nodes = _int_text(params, "num_nodes", 1, f"{where}'s")
    n_deleted = _int_text(params, "num_deleted", 0, f"{where}'s")
    vector = _int_text(params, "size_leaf_vector", 0, f"{where}'s", default="1")
    if vector > 1:
        raise _Problem(f"{where} has leaves of {vector} values (a multi-output tree)")
    for key in _NODE_ARRAYS:
        if _length(tree.get(key), f"{where}'s {key}") != n_nodes:
            raise _Problem(f"{where} has {len(tree[key]):,} {key} for {n_nodes:,} nodes")
    left = _integers(tree["left_children"], f"{where}'s left_children")
    right = _integers(tree["right_children"], f"{where}'s right_children")
    parents = _integers(tree["parents"], f"{where}'s parents")
    features = _integers(tree["split_indices"], f"{where}'s split_indices")
    _integers(tree["default_left"], f"{where}'s default_left")
    for children in (left, right):
        bad = np.flatnonzero((children != -1) & ((children < 1) | (children >= n_nodes)))
        if len(bad):
            node, child = int(bad[0]), int(children[bad[0]])
            if child == 0:
                raise _Problem(f"{where} node {node} points back to the root (a loop)")
            raise _Problem(f"{where} node {node} points to child {child} of {n_nodes} nodes")
    split = left != -1
    half = np.flatnonzero(split != (right != -1))
    if len(half):
        raise _Problem(f"{where} node {int(half[0])} has one child")
    bad = np.flatnonzero((parents[1:] < 0) | (parents[1:] >= n_nodes))
    if len(bad):
        node = int(bad[0]) + 1
        raise _Problem(f"{where} node {node} names parent {int(parents[node])} of {n_nodes} nodes")
    reached = _reach(left, right, split, where)
    for children in (left, right):
        nodes = np.flatnonzero(split)
        wrong = nodes[parents[children[nodes]] != nodes]
        if len(wrong):
            child = int(children[wrong[0]])
            raise _Problem(f"{where} node {child}'s parent is not node {int(wrong[0])}")
    if np.any(split & ~reached):
        raise _Problem(f"{where} node {int(np.flatnonzero(split & ~reached)[0])} is never reached")
    if int(np.count_nonzero(~reached)) != n_deleted:
        raise _Problem(
            f"{where} has {np.count_nonzero(~reached):,} unreached nodes, not {n_deleted}"
        )
    bad = np.flatnonzero(split & ((features < 0) | (features >= n_features)))
    if len(bad):
        node = int(bad[0])
        raise _Problem(
            f"{where} node {node} splits on column {int(features[node])} of {n_features}"
        )
    return _check_category_splits(tree, where, n_nodes, split)


def _reach(left, right, split, where: str) -> np.ndarray:
    """Which nodes the root reaches; a node reached twice (a loop) is a problem."""
    reached = np.zeros(len(left), bool)
    reached[0] = True
    frontier = np.array([0]) if split[0] else np.zeros(0, np.int64)
    while len(frontier):
        children = np.concatenate([left[frontier], right[frontier]])
        unique, counts = np.unique(children, return_counts=True)
        again = unique[(counts > 1) | reached[unique]]
        if len(again):
            raise _Problem(f"{where} node {int(again[0])} is reached twice (a loop)")
        reached[children] = True
        frontier = children[split[children]]
    return reached


def _check_category_splits(tree: dict, where: str, n_nodes: int, split: np.ndarray) -> int:
    if "split_type" not in tree:
        return 0
    kinds = _integers(tree["split_type"], f"{where}'s split_type")
    nodes = _integers(tree.get("categories_nodes", []), f"{where}'s categories_nodes")
    starts = _integers(tree.get("categories_segments", []), f"{where}'s categories_segments")
    sizes = _integers(tree.get("categories_sizes", []), f"{where}'s categories_sizes")
    categories = _integers(tree.get("categories", []), f"{where}'s categories")
    if len(kinds) != n_nodes or np.any((kinds != 0) & (kinds != 1)):
        raise _Problem(f"{where}'s split types are not one of two kinds for each node")
    if len(starts) != len(nodes) or len(sizes) != len(nodes):
        raise _Problem(f"{where}'s categorical splits do not each have their categories")
    if len(nodes) and (nodes.min() < 0 or nodes.max() >= n_nodes or np.any(np.diff(nodes) <= 0)):
        raise _Problem(f"{where}'s categorical splits name nodes it does not have")
    expected = np.flatnonzero(kinds == 1)
    if not np.array_equal(expected, nodes) or not np.all(split[nodes]):
        raise _Problem(f"{where}'s categorical splits are not the nodes marked categorical")
    if len(nodes) and (
        sizes.min() < 1 or starts.min() < 0 or np.max(starts + sizes) > len(categories)
    ):
        raise _Problem(f"{where}'s categorical splits point outside its categories")
    if len(categories) and (categories.min() < 0 or categories.max() >= MAX_CATEGORY):
        raise _Problem(f"{where} splits on a category code outside 0 to {MAX_CATEGORY:,}")
    return sum(
        int(categories[start : start + size].max()) // 8 + 4
        for start, size in zip(starts.tolist(), sizes.tolist(), strict=True)
    )
