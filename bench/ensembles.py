"""Section h's ensemble rows. First, a soft vote of a random forest and extra trees behind a
one-hot of the machine type, explained as publishing explains it (the weighted sum of its
members' path-dependent tree values, ``model.explain_ensembles``), against shap's
path-dependent ``TreeExplainer`` on each member and the same weighted sum: shap explains no
``VotingClassifier`` itself, so that is its fastest exact explainer of the model. The rows are
the widened AI4I readings (9 source features); until 2026-12-05 such a vote went to the exact
explainer (2**9 coalitions a row) or, above 12 features, to the sampled estimate.

Then a random forest grown to full depth (scikit-learn's default, no ``max_depth``: about 30
levels here), the forest most teams train, against shap's path-dependent ``TreeExplainer``
on the one-hot columns: publishing computes the same values in compiled code, by
path patterns (``model.threaded_tree_shap``), here on one thread as every row of this section.

And XGBoost's own ensembles of another shape, a random forest (``XGBRFClassifier``) and a
``dart`` model, behind the same one-hot type: shap's interventional explainer refuses the
first and misreads the second, so publishing explains both by their trees as
``model.xgboost_shap`` reads them (path-dependent, log-odds). Baseline: shap's path-dependent
``TreeExplainer`` (which asks XGBoost for its own float32 values), transforming included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.data import resampled_rows, training_rows, widened
from bench.explainers import _plain_names, _transformed_tree_shap, against_summed_shap
from bench.report import Row
from model.config import SEED

__all__ = [
    "VOTE_WEIGHTS",
    "XGBOOST_KINDS",
    "bench_deep_forest",
    "bench_ensembles",
    "deep_forest_model",
    "bench_xgboost_kinds",
    "soft_vote_model",
    "xgboost_kind_model",
]

#: The forest's and the extra trees' weights in the vote.
VOTE_WEIGHTS = (2, 1)
#: XGBoost's ensembles that shap's interventional explainer cannot read.
XGBOOST_KINDS = ("random forest", "dart")


def soft_vote_model(trees: int):
    """``(pipeline, columns)``: the machine type one-hot, then a soft vote of a random forest
    and extra trees (``VOTE_WEIGHTS``) of ``trees`` trees each, on the widened readings."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier, VotingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = training_rows()
    X = widened(X)
    prep = ColumnTransformer(
        [("type", OneHotEncoder(handle_unknown="ignore"), ["Type"])], remainder="passthrough"
    )
    vote = VotingClassifier(
        [
            ("forest", RandomForestClassifier(trees, max_depth=8, random_state=SEED)),
            ("extra", ExtraTreesClassifier(trees, max_depth=8, random_state=SEED)),
        ],
        voting="soft",
        weights=list(VOTE_WEIGHTS),
    )
    return Pipeline([("prep", prep), ("vote", vote)]).fit(X, y), list(X.columns)


def _members_tree_shap(estimator, X: pd.DataFrame) -> np.ndarray:
    """The baseline: shap's path-dependent ``TreeExplainer`` on each member, on the rows as
    the one-hot step hands them over (transforming included), weighted and summed: the
    positive class, one column per transformed column."""
    import shap

    Z = estimator[:-1].transform(X)
    vote = estimator[-1]
    total = sum(
        weight * np.asarray(shap.TreeExplainer(member).shap_values(Z))[..., 1]
        for weight, member in zip(VOTE_WEIGHTS, vote.estimators_, strict=True)
    )
    return total / sum(VOTE_WEIGHTS)


def bench_ensembles(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """The soft vote's row: ours against the members' shap values, compared after summing
    shap's one-hot columns by source."""
    estimator, columns = soft_vote_model(10 if quick else 100)
    described = (
        "shap's path-dependent TreeExplainer on each member (random forest, extra trees; "
        f"weights {VOTE_WEIGHTS[0]}:{VOTE_WEIGHTS[1]}) on the one-hot columns, transforming "
        "included, weighted and summed;"
    )
    return [
        against_summed_shap(
            f"sklearn soft vote of two forests, {n:,} rows",
            estimator,
            widened(resampled_rows(n)[0])[columns],
            _members_tree_shap,
            described,
            repeats,
            log,
        )
    ]


def deep_forest_model(trees: int):
    """``(pipeline, columns)``: the machine type one-hot, then a random forest of ``trees``
    trees grown to full depth, on the widened readings."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = training_rows()
    X = widened(X)
    prep = ColumnTransformer(
        [("type", OneHotEncoder(handle_unknown="ignore"), ["Type"])], remainder="passthrough"
    )
    forest = RandomForestClassifier(trees, random_state=SEED, n_jobs=1)
    return Pipeline([("prep", prep), ("model", forest)]).fit(X, y), list(X.columns)


def bench_deep_forest(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """The full-depth forest's row: ours against shap's path-dependent values."""
    estimator, columns = deep_forest_model(5 if quick else 30)
    depth = max(tree.get_depth() for tree in estimator[-1].estimators_)
    return [
        against_summed_shap(
            f"sklearn forest grown to full depth, {n:,} rows",
            estimator,
            widened(resampled_rows(n)[0])[columns],
            _transformed_tree_shap,
            f"shap's path-dependent TreeExplainer on the one-hot columns (trees up to {depth} "
            "levels deep), transforming included;",
            repeats,
            log,
        )
    ]


def xgboost_kind_model(kind: str, trees: int):
    """``(pipeline, columns)``: the machine type one-hot, then an XGBoost ``kind``
    (``XGBOOST_KINDS``) of ``trees`` trees, on the widened readings; None without XGBoost."""
    try:
        import xgboost
    except ImportError:
        return None
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = training_rows()
    X = _plain_names(widened(X))
    if kind == "dart":
        final = xgboost.XGBClassifier(
            booster="dart", n_estimators=trees, max_depth=4, rate_drop=0.1, n_jobs=1
        )
    else:
        final = xgboost.XGBRFClassifier(n_estimators=trees, max_depth=6, n_jobs=1)
    prep = ColumnTransformer(
        [("type", OneHotEncoder(handle_unknown="ignore"), ["Type"])], remainder="passthrough"
    )
    return Pipeline([("prep", prep), ("model", final)]).fit(X, y), list(X.columns)


def _path_dependent_shap(estimator, X: pd.DataFrame) -> np.ndarray:
    """shap's path-dependent ``TreeExplainer`` on the last step, transforming included."""
    import shap

    Z = np.asarray(estimator[:-1].transform(X), dtype=float)
    return np.asarray(shap.TreeExplainer(estimator[-1]).shap_values(Z, check_additivity=False))


def bench_xgboost_kinds(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """One row per ``XGBOOST_KINDS``: ours against shap's path-dependent values."""
    rows = []
    for kind in XGBOOST_KINDS:
        name = f"xgboost {kind}, {n:,} rows"
        fitted = xgboost_kind_model(kind, 10 if quick else 100)
        if fitted is None:
            rows.append(Row("h explainers", name, None, None, "s", None, "skipped: no xgboost"))
            continue
        estimator, columns = fitted
        X = _plain_names(widened(resampled_rows(n)[0]))[columns]
        described = (
            "shap's path-dependent TreeExplainer (XGBoost's own float32 values), transforming "
            "included;"
        )
        rows.append(
            against_summed_shap(name, estimator, X, _path_dependent_shap, described, repeats, log)
        )
    return rows
