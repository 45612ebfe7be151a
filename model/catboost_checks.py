"""A CatBoost model's structure, as CatBoost itself exports it, checked before it is used here.

CatBoost's binary ``.cbm`` is read by CatBoost alone, and CatBoost trusts it: a flipped byte in
a feature's index or a split's border number made it read and write outside its arrays (a
segfault, at once or later). ``model.native_checks`` loads a file in a separate process and has
CatBoost export it as JSON there; :func:`catboost_problem` checks that export: each feature
stored in its place and each column once, every split on a feature and a border the model has,
and every tree with the leaves its depth and outputs need. It says what is wrong in words, or
``None``.
"""

from __future__ import annotations

__all__ = ["catboost_problem"]

#: CatBoost grows trees 16 deep at most; a non-symmetric tree is read recursively.
MAX_DEPTH = 16
_INDEXED = {"FloatFeature": "float_feature_index", "OneHotFeature": "cat_feature_index"}


class _Problem(Exception):
    """What is wrong with the model, in words."""


def catboost_problem(document, other_features: int = 0) -> str | None:
    """What is wrong with CatBoost's JSON export ``document`` of a model, in words; ``None``
    when its features, splits and leaves agree. ``other_features``: the model's text and
    embedding features, which the export leaves out."""
    try:
        _check(document, other_features)
    except _Problem as problem:
        return str(problem)
    return None


def _list(value, what: str) -> list:
    if value is None:  # CatBoost exports an empty list as null (a one-leaf tree's splits)
        return []
    if not isinstance(value, list):
        raise _Problem(f"its {what} are not a list")
    return value


def _index(value, size: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < size:
        raise _Problem(f"{what} is {value!r}, outside 0 to {size - 1}")
    return value


def _check(document, other_features: int) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("features_info"), dict):
        raise _Problem("its export has no features")
    info = document["features_info"]
    floats = _list(info.get("float_features", []), "float features")
    cats = _list(info.get("categorical_features", []), "categorical features")
    columns: list[int] = []
    n_columns = len(floats) + len(cats) + other_features
    for kind, features in (("float", floats), ("categorical", cats)):
        for place, feature in enumerate(features):
            if not isinstance(feature, dict) or feature.get("feature_index") != place:
                stored = feature.get("feature_index") if isinstance(feature, dict) else None
                raise _Problem(f"its {kind} feature {place} is stored as feature {stored!r}")
            where = f"its {kind} feature {place} reads column"
            columns.append(_index(feature.get("flat_feature_index"), n_columns, where))
    if len(set(columns)) != len(columns):
        raise _Problem("two of its features read the same column")
    for place, feature in enumerate(floats):
        borders = _list(feature.get("borders", []), f"float feature {place}'s borders")
        if any(later < earlier for earlier, later in zip(borders, borders[1:], strict=False)):
            raise _Problem(f"float feature {place}'s borders are out of order")
    ctrs = _list(info.get("ctrs", []), "category statistics")
    binary = sum(len(feature.get("borders", [])) for feature in floats)
    binary += sum(len(_list(feature.get("values", []), "one-hot values")) for feature in cats)
    binary += sum(len(_list(ctr.get("borders", []), "statistic borders")) for ctr in ctrs)
    sizes = {"float_feature_index": len(floats), "cat_feature_index": len(cats)}
    bias = document.get("scale_and_bias", [1, [0]])
    if not (isinstance(bias, list) and len(bias) == 2 and isinstance(bias[1], list) and bias[1]):
        raise _Problem("its scale and bias are not what CatBoost writes")
    outputs = len(bias[1])
    if "oblivious_trees" in document:
        for number, tree in enumerate(_list(document["oblivious_trees"], "trees")):
            _check_oblivious(tree, number, outputs, binary, sizes)
    for number, tree in enumerate(_list(document.get("trees", []), "trees")):
        _check_node(tree, f"tree {number}", 0, outputs, binary, sizes)


def _check_split(split, where: str, binary: int, sizes: dict) -> None:
    if not isinstance(split, dict):
        raise _Problem(f"{where} has a split that is not what CatBoost writes")
    kind = split.get("split_type")
    if kind in _INDEXED:
        key = _INDEXED[kind]
        _index(split.get(key), sizes[key], f"{where} splits on a feature whose index")
    if kind in ("FloatFeature", "OneHotFeature", "OnlineCtr"):
        _index(split.get("split_index"), binary, f"{where}'s split number")


def _check_oblivious(tree, number: int, outputs: int, binary: int, sizes: dict) -> None:
    where = f"tree {number}"
    if not isinstance(tree, dict):
        raise _Problem(f"{where} is not what CatBoost writes")
    splits = _list(tree.get("splits"), f"{where}'s splits")
    if len(splits) > MAX_DEPTH:
        raise _Problem(f"{where} is {len(splits)} deep, deeper than CatBoost grows")
    for split in splits:
        _check_split(split, where, binary, sizes)
    leaves = 2 ** len(splits)
    values = _list(tree.get("leaf_values", []), f"{where}'s leaf values")
    if len(values) != leaves * outputs:
        raise _Problem(
            f"{where} has {len(values)} leaf values for {leaves} leaves of {outputs} outputs"
        )
    if "leaf_weights" in tree and len(_list(tree["leaf_weights"], "leaf weights")) != leaves:
        raise _Problem(f"{where} has leaf weights for other than its {leaves} leaves")


def _check_node(node, where: str, depth: int, outputs: int, binary: int, sizes: dict) -> None:
    if depth > MAX_DEPTH or not isinstance(node, dict):
        raise _Problem(f"{where} is not a tree CatBoost grows")
    if "split" not in node:
        value = node.get("value")
        count = len(value) if isinstance(value, list) else 1
        if count != outputs:
            raise _Problem(f"{where} has a leaf of {count} values for {outputs} outputs")
        return
    _check_split(node["split"], where, binary, sizes)
    for side in ("left", "right"):
        _check_node(node.get(side), where, depth + 1, outputs, binary, sizes)
