"""XGBoost, LightGBM and CatBoost: which library a model is from, and its own exact SHAP values.

Each library computes path-dependent tree SHAP values itself (XGBoost's ``pred_contribs``,
LightGBM's ``pred_contrib``, CatBoost's ``ShapValues``), in the model's raw output: the
predicted value of a regression with an identity link, the log-odds of a binary classifier,
the softmax score of each class of a multiclass one. They are exact, native categorical splits
included, and faster than shap's own tree code. The libraries are optional: a model can only be
one of theirs if its library is imported, so nothing here imports them.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

from model.boosting import LIGHTGBM_TEXT_MODELS

__all__ = [
    "XGBOOST_TOLERANCE",
    "boosting_library",
    "has_native_categorical",
    "lightgbm_log_odds",
    "margins",
    "native_contributions",
    "xgboost_misread",
]

XGBOOST, LIGHTGBM, CATBOOST = "xgboost", "lightgbm", "catboost"

#: XGBoost adds up its trees, and its SHAP values, in float32 (7 significant digits): over a
#: hundred trees the two sums of one row differ by up to about 1e-6 of the output (measured:
#: 6e-7 to 1e-6 on log-odds near 10 and on values near 500,000), a difference in XGBoost's
#: own output rather than in the explanation. Where ``model.xgboost_shap`` reads the trees,
#: the float64 sum of the trees is explained instead, to ``ADDITIVITY_TOLERANCE``; elsewhere
#: (a linear booster, an objective it does not know) XGBoost's own values are checked to this,
#: relative to the output's magnitude.
XGBOOST_TOLERANCE = 1e-5


def boosting_library(final) -> str | None:
    """``"xgboost"``, ``"lightgbm"`` or ``"catboost"`` for those libraries' scikit-learn
    models, else None."""
    bases = {
        XGBOOST: lambda module: module.XGBModel,
        LIGHTGBM: lambda module: module.LGBMModel,
        CATBOOST: lambda module: module.CatBoost,
    }
    if isinstance(final, LIGHTGBM_TEXT_MODELS):  # a LightGBM model text, read by the CLI
        return LIGHTGBM
    for library, base in bases.items():
        module = sys.modules.get(library)
        if module is not None and isinstance(final, base(module)):
            return library
    return None


def has_native_categorical(final, library: str) -> bool:
    """Whether the model splits on categories itself (shap's interventional explainer then
    refuses it, or silently ignores those splits)."""
    if library == XGBOOST:
        return "c" in (final.get_booster().feature_types or [])
    if library == LIGHTGBM:
        booster = final.booster_
        return bool(booster.pandas_categorical) or "cat_boundaries=" in booster.model_to_string()
    return len(final.get_cat_feature_indices()) > 0


def xgboost_misread(final) -> bool:
    """Whether shap 0.51's interventional explainer gets an XGBoost model wrong: it refuses
    several trees an iteration (``XGBRFClassifier``, ``num_parallel_tree``: "boosted random
    forest is not yet supported") and reads a ``dart`` model without the weights dropout
    left its trees (every row of a 20-feature model missed additivity, by up to 1.5 in
    log-odds). ``model.xgboost_shap`` reads both, so they get its own tree values."""
    config = json.loads(final.get_booster().save_config())["learner"]["gradient_booster"]
    if config.get("name") == "dart":
        return True
    parallel = config.get("gbtree_model_param", {}).get("num_parallel_tree", "1")
    return int(parallel) > 1


def lightgbm_log_odds(final) -> tuple[float | None, bool]:
    """For a LightGBM binary classifier: ``(scale, misread)``. Its raw score times ``scale``
    is the log-odds of its probability (``scale`` is its ``sigmoid`` parameter; None where
    no multiple is: a random forest averages its trees, linear trees have no SHAP values of
    their own). ``misread`` says whether shap 0.51's probability explainer gets the model
    wrong on every row (measured on 30 features: up to 0.45 off with ``zero_as_missing``,
    0.15 with ``sigmoid=2``, 0.40 with linear trees, 0.48 with ``boosting_type="rf"``)."""
    booster = final.booster_
    dump = booster.dump_model()
    objective = str(dump.get("objective", "")).split()
    settings = dict(part.split(":", 1) for part in objective[1:] if ":" in part)
    scale = float(settings.get("sigmoid", 1.0))
    linear = "is_linear=1" in booster.model_to_string()
    averaged = bool(dump.get("average_output"))
    misread = scale != 1.0 or linear or averaged or _zero_as_missing(dump["tree_info"])
    return (None if linear or averaged else scale), misread


def _zero_as_missing(trees: list[dict]) -> bool:
    nodes = [tree["tree_structure"] for tree in trees]
    while nodes:
        node = nodes.pop()
        if "left_child" in node:
            if node.get("missing_type") == "Zero":
                return True
            nodes += [node["left_child"], node["right_child"]]
    return False


def scaled(compute, scale: float, rows):
    """``compute(rows)`` (an array or a tuple of arrays) times ``scale``."""
    result = compute(rows)
    if isinstance(result, tuple):
        return tuple(part * scale for part in result)
    return result * scale


def margins(final, library: str, rows) -> np.ndarray:
    """The model's raw output on ``rows`` (as its own ``predict`` takes them), ``(n, C)``."""
    if library == XGBOOST:
        raw = final.predict(rows, output_margin=True)
    elif library == LIGHTGBM:
        raw = final.predict(rows, raw_score=True)
    else:
        raw = final.predict(rows, prediction_type="RawFormulaVal")
    raw = np.asarray(raw, dtype=float)
    return raw.reshape(len(raw), -1)


def native_contributions(final, library: str, rows) -> tuple[np.ndarray, np.ndarray]:
    """The library's own SHAP values of ``rows`` in raw output units.

    Returns ``(values, base)`` of shapes ``(n, M, C)`` and ``(C,)``: ``base`` is the bias
    column, which these libraries give the same on every row (the additivity check, which
    follows, would catch a row where it is not).
    """
    if library == XGBOOST:
        import xgboost

        booster = final.get_booster()
        try:
            iterations = (0, final.best_iteration + 1)
        except AttributeError:  # trained without early stopping: every tree
            iterations = (0, 0)
        matrix = xgboost.DMatrix(rows, enable_categorical=True, missing=np.nan)
        raw = booster.predict(
            matrix, pred_contribs=True, iteration_range=iterations, validate_features=False
        )
    elif library == LIGHTGBM:
        # Every core, as the model's booster uses them (the model's own n_jobs is for
        # serving); shap's call of the booster does the same.
        raw = final.predict(rows, pred_contrib=True, num_threads=os.cpu_count() or 1)
        if isinstance(raw, list):  # sparse input: one sparse matrix per class
            raw = np.hstack([part.toarray() for part in raw])
        elif hasattr(raw, "toarray"):
            raw = raw.toarray()
    else:
        import catboost

        pool = catboost.Pool(rows, cat_features=final.get_cat_feature_indices())
        raw = final.get_feature_importance(pool, type="ShapValues")
    raw = np.asarray(raw, dtype=float)
    n = raw.shape[0]
    if raw.ndim == 2 and library == LIGHTGBM and n and raw.shape[1] % (rows.shape[1] + 1) == 0:
        # LightGBM puts the classes side by side: (n, C * (M + 1))
        raw = raw.reshape(n, -1, rows.shape[1] + 1)
    if raw.ndim == 2:
        raw = raw[:, None, :]
    values = np.transpose(raw[:, :, :-1], (0, 2, 1))  # (n, M, C)
    return values, raw[0, :, -1]
