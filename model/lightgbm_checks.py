"""LightGBM model text, checked before LightGBM reads or runs it.

LightGBM reads its model text with pointer walks that trust the text (a truncated tree reads
past the end of the buffer, ``tree_sizes`` are offsets it jumps to unchecked) and predicts by
following the stored child indices and reading leaf values and columns by the stored
numbers, with no bounds checks: a damaged or edited file crashes the process, or silently
predicts from memory outside the model. :func:`lightgbm_problem` reads the text as LightGBM
does, strictly (each value once, whole numbers where LightGBM reads whole numbers, every
array as long as its tree says), and checks every tree: each node and leaf reached exactly
once from the root, each split on a column the model has, each categorical split's
categories and each linear leaf's columns inside their arrays. It says what is wrong in
words, or ``None``. A line that would take more memory split into values than the model file
cap allows (``model.file_limits``) is refused before it is split.
"""

from __future__ import annotations

import json
import re

import numpy as np

from model.file_limits import TooLargeToRead, json_memory_bytes, max_unpacked_bytes, megabytes

__all__ = ["NotModelText", "lightgbm_problem"]

_INT = re.compile(rb"-?\d{1,10}")
_FLOAT = re.compile(rb"[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|nan|inf|-?inf)", re.I)
_FEATURE_INFO = re.compile(rb"none|\[[^\[\]:\s]+:[^\[\]:\s]+\]|-?\d+(:-?\d+)*")
_PARAMETER = re.compile(rb"\[[A-Za-z0-9_]+: .*\]")
#: A tree's keys, as LightGBM writes them (22 at most: LightGBM reads no more lines).
_TREE_KEYS = {
    b"num_leaves",
    b"num_cat",
    b"split_feature",
    b"split_gain",
    b"threshold",
    b"decision_type",
    b"left_child",
    b"right_child",
    b"leaf_value",
    b"leaf_weight",
    b"leaf_count",
    b"internal_value",
    b"internal_weight",
    b"internal_count",
    b"is_linear",
    b"shrinkage",
    b"cat_boundaries",
    b"cat_threshold",
    b"leaf_const",
    b"num_features",
    b"leaf_features",
    b"leaf_coeff",
}
#: Per split node, and whether each holds whole numbers.
_NODE_ARRAYS = {
    b"split_feature": True,
    b"split_gain": False,
    b"threshold": False,
    b"decision_type": True,
    b"left_child": True,
    b"right_child": True,
    b"internal_value": False,
    b"internal_weight": False,
    b"internal_count": True,
}
_LEAF_ARRAYS = {
    b"leaf_value": False,
    b"leaf_weight": False,
    b"leaf_count": True,
    b"leaf_const": False,
    b"num_features": True,
}
_REQUIRED_HEADER = (
    b"num_class",
    b"label_index",
    b"max_feature_idx",
    b"feature_names",
    b"feature_infos",
)
_CLASSIFIERS = {b"binary": 1, b"multiclass": 2, b"multiclassova": 2, b"cross_entropy": 1}
#: The objectives LightGBM writes in model text (an unknown one is a "[Fatal]" on load); a
#: model without one (trained with a function as its objective) has none.
_OBJECTIVES = {
    *_CLASSIFIERS,
    b"",
    b"regression",
    b"regression_l1",
    b"huber",
    b"fair",
    b"poisson",
    b"quantile",
    b"mape",
    b"gamma",
    b"tweedie",
    b"cross_entropy_lambda",
    b"lambdarank",
    b"rank_xendcg",
}


#: Memory one value of a line takes while it is checked: its bytes object (33 bytes and its
#: characters) and slot, and as a whole number a Python int and slot and a NumPy int64.
_TOKEN_BYTES = 88
#: Lines shorter than this are split without counting: a few MB at the most.
_LONG_LINE = 1 << 16


def _tokens(value: bytes) -> list[bytes]:
    """``value`` split as LightGBM splits it: at spaces, empty pieces dropped.
    :class:`~model.file_limits.TooLargeToRead` if its values would take more memory than the
    model file cap."""
    if len(value) > _LONG_LINE:
        memory = (value.count(b" ") + 1) * _TOKEN_BYTES + len(value)
        if memory > max_unpacked_bytes():
            raise TooLargeToRead(
                f"a line of it would take about {megabytes(memory)} MB in memory once read"
            )
    return [token for token in value.split(b" ") if token]


class NotModelText(ValueError):
    """The bytes are not LightGBM model text at all."""


class _Problem(Exception):
    """What is wrong with the model, in words."""


def lightgbm_problem(text: bytes) -> str | None:
    """What is wrong with the LightGBM model ``text`` (UTF-8, ``\\n`` line ends, no NUL), in
    words; ``None`` when LightGBM can read and run it safely. :class:`NotModelText` when it
    is not model text."""
    if not text.startswith(b"tree\n"):
        raise NotModelText("it does not start as LightGBM model text does ('tree')")
    try:
        header, start = _header(text)
        missing = [key.decode() for key in _REQUIRED_HEADER if key not in header]
        if missing:
            raise _Problem(f"it has no {', '.join(missing)}")
        n_features = _int(header, b"max_feature_idx", 0) + 1
        n_classes = _int(header, b"num_class", 1)
        per_round = _int(header, b"num_tree_per_iteration", 1, default=header[b"num_class"])
        _int(header, b"label_index", -(2**31))
        if per_round != n_classes:
            raise _Problem(f"it has {per_round} trees a round for {n_classes} classes")
        for key in (b"feature_names", b"feature_infos", b"monotone_constraints"):
            if key in header and len(_tokens(header[key])) != n_features:
                raise _Problem(f"its {key.decode()} do not name its {n_features} columns")
        if not all(_FEATURE_INFO.fullmatch(info) for info in _tokens(header[b"feature_infos"])):
            raise _Problem("its feature_infos are not what LightGBM writes")
        _check_objective(header.get(b"objective", b""), n_classes)
        starts, end = _trees(text, start, n_features)
        if not starts or len(starts) % per_round:
            raise _Problem(f"it holds {len(starts)} trees, not whole rounds of {per_round}")
        if b"tree_sizes" in header:
            _check_sizes(header[b"tree_sizes"], starts, end)
        _check_parameters(text, end)
    except _Problem as problem:
        return str(problem)
    return None


def _header(text: bytes) -> tuple[dict[bytes, bytes], int]:
    """The key/value lines before the first tree, and where that tree starts."""
    header: dict[bytes, bytes] = {}
    at = 0
    while at < len(text):
        stop = text.find(b"\n", at)
        stop = len(text) if stop < 0 else stop
        line = text[at:stop]
        if line.startswith(b"Tree="):
            return header, at
        if line:
            key, _, value = line.partition(b"=")
            if not key or (
                b"=" in value and key not in (b"feature_names", b"monotone_constraints")
            ):
                raise _Problem(f"its line {line[:40]!r} is not one LightGBM reads")
            if key in header:
                raise _Problem(f"its {key.decode(errors='replace')} is given twice")
            header[key] = value
        at = stop + 1
    raise _Problem("it holds no trees")


def _int(mapping: dict, key: bytes, low: int, default: bytes | None = None) -> int:
    text = mapping.get(key, default)
    if text is None:
        raise _Problem(f"it has no {key.decode()}")
    if not _INT.fullmatch(text) or not low <= int(text) < 2**31:
        raise _Problem(f"its {key.decode()} is {text[:20].decode(errors='replace')!r}")
    return int(text)


def _check_objective(objective: bytes, n_classes: int) -> None:
    name, *options = _tokens(objective) or [b""]
    if name not in _OBJECTIVES:
        raise _Problem(f"its objective {name[:40].decode(errors='replace')!r} is none LightGBM has")
    settings = dict(option.partition(b":")[::2] for option in options)
    if name in _CLASSIFIERS and (n_classes >= 2) != (_CLASSIFIERS[name] == 2):
        raise _Problem(f"its objective {name.decode()} is for other than {n_classes} classes")
    if name not in _CLASSIFIERS and n_classes != 1:
        raise _Problem(f"its objective {name.decode(errors='replace')!r} has {n_classes} classes")
    if (
        name in (b"multiclass", b"multiclassova")
        and settings.get(b"num_class") != str(n_classes).encode()
    ):
        raise _Problem(f"its objective names other than its {n_classes} classes")
    sigmoid = settings.get(b"sigmoid", b"1")
    if not _FLOAT.fullmatch(sigmoid) or not float(sigmoid) > 0:
        raise _Problem(f"its objective's sigmoid is {sigmoid[:20].decode(errors='replace')!r}")


def _trees(text: bytes, at: int, n_features: int) -> tuple[list[int], int]:
    """Where each tree starts, and where ``end of trees`` does; each tree checked."""
    starts: list[int] = []
    while True:
        while text.startswith(b"\n", at):
            at += 1
        if not text.startswith(b"Tree=", at):
            break
        stop = text.find(b"\n", at)
        if stop < 0 or text[at + 5 : stop] != str(len(starts)).encode():
            raise _Problem(f"tree {len(starts)} is not numbered {len(starts)}")
        starts.append(at)
        at = _tree(text, stop + 1, len(starts) - 1, n_features)
    if not text.startswith(b"end of trees\n", at):
        where = f"after tree {len(starts) - 1}" if starts else "before its first tree"
        raise _Problem(f"it has no 'end of trees' {where} (it is truncated or edited)")
    return starts, at


def _tree(text: bytes, at: int, index: int, n_features: int) -> int:
    """Check the tree whose lines start at ``at``; where its block ends."""
    values: dict[bytes, bytes] = {}
    while True:
        stop = text.find(b"\n", at)
        if stop < 0:
            raise _Problem(f"it ends inside tree {index} (it is truncated)")
        line = text[at:stop]
        at = stop + 1
        if not line:
            break
        key, equals, value = line.partition(b"=")
        if not equals or key not in _TREE_KEYS:
            raise _Problem(f"tree {index} has a line LightGBM does not write: {line[:40]!r}")
        if key in values:
            raise _Problem(f"tree {index} gives {key.decode()} twice")
        values[key] = value
    _check_tree(values, index, n_features)
    return at


def _numbers(values: dict, key: bytes, count: int, whole: bool, where: str) -> np.ndarray:
    tokens = _tokens(values.get(key, b""))
    if len(tokens) != count:
        raise _Problem(f"{where} has {len(tokens)} values of {key.decode()}, not {count}")
    pattern = _INT if whole else _FLOAT
    bad = next((token for token in tokens if not pattern.fullmatch(token)), None)
    if bad is not None:
        raise _Problem(f"{where} has {bad[:20].decode(errors='replace')!r} in {key.decode()}")
    if whole:
        return np.array([int(token) for token in tokens], dtype=np.int64)
    return np.zeros(0)


def _check_tree(values: dict, index: int, n_features: int) -> None:
    where = f"tree {index}"
    for key in (b"num_leaves", b"num_cat", b"leaf_value"):
        if key not in values:
            raise _Problem(f"{where} has no {key.decode()}")
    n_leaves = _int(values, b"num_leaves", 1)
    n_cats = _int(values, b"num_cat", 0)
    linear = _int(values, b"is_linear", 0, default=b"0")
    if linear > 1:
        raise _Problem(f"{where}'s is_linear is {linear}")
    _numbers(values, b"leaf_value", n_leaves, False, where)
    if b"shrinkage" in values:
        _numbers(values, b"shrinkage", 1, False, where)
    if n_leaves == 1 and not linear:
        return  # LightGBM reads nothing more of a one-leaf tree
    for key, whole in _LEAF_ARRAYS.items():
        if key in values:
            _numbers(values, key, n_leaves, whole, where)
    if linear:
        _check_linear(values, n_leaves, n_features, where)
    for key in (b"left_child", b"right_child", b"split_feature", b"threshold"):
        if key not in values:
            raise _Problem(f"{where} has no {key.decode()}")
    arrays = {
        key: _numbers(values, key, n_leaves - 1, whole, where)
        for key, whole in _NODE_ARRAYS.items()
        if key in values
    }
    if n_leaves > 1:
        _check_nodes(arrays[b"left_child"], arrays[b"right_child"], n_leaves, where)
    features = arrays[b"split_feature"]
    bad = np.flatnonzero((features < 0) | (features >= n_features))
    if len(bad):
        node = int(bad[0])
        raise _Problem(f"{where} node {node} splits on column {features[node]} of {n_features}")
    kinds = arrays.get(b"decision_type", np.zeros(n_leaves - 1, np.int64))
    if np.any((kinds < 0) | (kinds > 11)):
        raise _Problem(f"{where} has a decision_type LightGBM does not write")
    _check_categories(values, kinds, n_cats, where)


def _check_nodes(left: np.ndarray, right: np.ndarray, n_leaves: int, where: str) -> None:
    """Each child a node (``0 … n-2``) or a leaf (``~0 … ~(n-1)``), every node and leaf reached
    exactly once from the root: a tree, with no loop and no leaf shared or left out."""
    n_nodes = n_leaves - 1
    for children in (left, right):
        bad = np.flatnonzero((children >= n_nodes) | (children < -n_leaves))
        if len(bad):
            node, child = int(bad[0]), int(children[bad[0]])
            if child >= 0:
                raise _Problem(f"{where} node {node} points to child {child} of {n_nodes} nodes")
            raise _Problem(
                f"{where} node {node} points to leaf {~child} (stored as {child}) of "
                f"{n_leaves} leaves"
            )
    seen_nodes = np.zeros(n_nodes, bool)
    seen_leaves = np.zeros(n_leaves, bool)
    seen_nodes[0] = True
    frontier = np.array([0])
    while len(frontier):
        children = np.concatenate([left[frontier], right[frontier]])
        nodes, leaves = children[children >= 0], ~children[children < 0]
        if len(np.unique(nodes)) < len(nodes) or np.any(seen_nodes[nodes]):
            again = next(int(n) for n in nodes if seen_nodes[n] or np.sum(nodes == n) > 1)
            if again == 0:
                raise _Problem(f"{where} points back to its root (a loop)")
            raise _Problem(f"{where} node {again} is reached twice (a loop or a shared branch)")
        if len(np.unique(leaves)) < len(leaves) or np.any(seen_leaves[leaves]):
            raise _Problem(f"{where} reaches a leaf twice")
        seen_nodes[nodes] = True
        seen_leaves[leaves] = True
        frontier = nodes
    if not seen_nodes.all() or not seen_leaves.all():
        missing = np.flatnonzero(~seen_nodes)
        what = f"node {int(missing[0])}" if len(missing) else "a leaf"
        raise _Problem(f"{where}'s {what} is never reached")


def _check_categories(values: dict, kinds: np.ndarray, n_cats: int, where: str) -> None:
    categorical = np.flatnonzero(kinds & 1)
    if n_cats == 0:
        if len(categorical):
            raise _Problem(f"{where} has a categorical split and no categories")
        return
    bounds = _numbers(values, b"cat_boundaries", n_cats + 1, True, where)
    if bounds[0] != 0 or np.any(np.diff(bounds) < 0):
        raise _Problem(f"{where}'s cat_boundaries do not divide its categories")
    thresholds = _tokens(values.get(b"cat_threshold", b""))
    if len(thresholds) != bounds[-1]:
        raise _Problem(f"{where} has {len(thresholds)} cat_threshold for {int(bounds[-1])}")
    for token in thresholds:
        if not re.fullmatch(rb"\d{1,10}", token) or int(token) >= 2**32:
            raise _Problem(f"{where} has {token[:20]!r} in cat_threshold")
    cuts = _tokens(values[b"threshold"])
    for node in categorical.tolist():
        cut = cuts[node]
        if not re.fullmatch(rb"\d{1,10}", cut) or int(cut) >= n_cats:
            raise _Problem(f"{where} node {node} splits on category set {cut[:20]!r} of {n_cats}")


def _check_linear(values: dict, n_leaves: int, n_features: int, where: str) -> None:
    if b"num_features" not in values:
        return
    counts = _numbers(values, b"num_features", n_leaves, True, where)
    if np.any(counts < 0):
        raise _Problem(f"{where} has a linear leaf with fewer than no columns")
    total = int(counts.sum())
    columns = _numbers(values, b"leaf_features", total, True, where)
    _numbers(values, b"leaf_coeff", total, False, where)
    if total and (columns.min() < 0 or columns.max() >= n_features):
        raise _Problem(f"{where} has a linear leaf on a column the model does not have")


def _check_sizes(sizes_text: bytes, starts: list[int], end: int) -> None:
    """``tree_sizes`` are the offsets LightGBM jumps to: each must land on its tree."""
    sizes = _tokens(sizes_text)
    if len(sizes) != len(starts) or not all(re.fullmatch(rb"\d{1,12}", s) for s in sizes):
        raise _Problem(f"its tree_sizes are not the sizes of its {len(starts)} trees")
    expected = np.diff([*starts, end])
    if not np.array_equal(np.array([int(size) for size in sizes]), expected):
        raise _Problem(f"its tree_sizes are not the sizes of its {len(starts)} trees")


def _check_parameters(text: bytes, end: int) -> None:
    """The ``parameters:`` lines LightGBM hands back, each ``[name: value]``, and the pandas
    categories the Python package reads from the last line."""
    rest = text[end:]
    last = rest.rstrip().rpartition(b"\n")[2]
    if last.startswith(b"pandas_categorical:"):
        categories = last[len(b"pandas_categorical:") :]
        memory = json_memory_bytes(categories)
        if memory > max_unpacked_bytes():
            raise TooLargeToRead(
                f"its pandas_categorical would take about {megabytes(memory)} MB in memory"
            )
        try:
            json.loads(categories)
        except ValueError:
            raise _Problem("its pandas_categorical line is not JSON") from None
    start = rest.find(b"\nparameters:\n")
    if start < 0:
        return
    stop = rest.find(b"\nend of parameters", start)
    if stop < 0:
        raise _Problem("its parameters have no end (it is truncated)")
    for line in rest[start + len(b"\nparameters:\n") : stop].split(b"\n"):
        if line and not _PARAMETER.fullmatch(line):
            raise _Problem(f"its parameter line {line[:40]!r} is not one LightGBM writes")
