"""The benchmark's data and models: AI4I 2020 rows resampled to any size, and the models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from model.config import SEED
from model.demo import FEATURES, TARGET, load_demo_data

__all__ = ["NOISE", "fit_model", "resampled_rows", "training_rows"]

#: Noise added to each numeric feature, as a fraction of its standard deviation: resampled
#: rows are then all distinct, as real demo rows are.
NOISE = 0.01
NUMERIC = FEATURES[1:]


def training_rows() -> tuple[pd.DataFrame, pd.Series]:
    """All 10,000 rows of AI4I 2020: the models are trained on them."""
    data = load_demo_data()
    return data[FEATURES], data[TARGET]


def resampled_rows(n: int, seed: int = SEED) -> tuple[pd.DataFrame, pd.Series]:
    """``n`` rows drawn with replacement from AI4I 2020, numeric features jittered by ``NOISE``.

    Row ids are ``b0`` … ``b{n-1}``; the target is the drawn row's.
    """
    data = load_demo_data()
    rng = np.random.default_rng(seed)
    picked = data.iloc[rng.integers(0, len(data), n)]
    X = picked[FEATURES].copy()
    for column in NUMERIC:
        values = X[column].to_numpy(dtype=float)
        X[column] = values + rng.normal(0.0, NOISE * values.std(), n)
    X.index = pd.Index([f"b{i}" for i in range(n)], name="row_id")
    y = pd.Series(picked[TARGET].to_numpy(), index=X.index, name=TARGET)
    return X, y


def _pipeline(final) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), [FEATURES[0]]),
            ("sensors", "passthrough", NUMERIC),
        ]
    )
    return Pipeline([("prep", prep), ("model", final)])


def fit_model(kind: str, quick: bool = False) -> Pipeline:
    """A fitted one-hot pipeline: ``"rf"`` (100 trees, depth 8), ``"gb"`` (scikit-learn's
    defaults: 100 trees of depth 3) or ``"small-rf"`` (10 trees, depth 4: the page's model).
    ``quick`` shrinks the first two to 10 trees."""
    trees = 10 if quick else 100
    if kind == "rf":
        final = RandomForestClassifier(
            n_estimators=trees, max_depth=4 if quick else 8, random_state=SEED, n_jobs=-1
        )
    elif kind == "gb":
        final = GradientBoostingClassifier(n_estimators=trees, random_state=SEED)
    elif kind == "small-rf":
        final = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED, n_jobs=-1)
    else:
        raise ValueError(f"unknown model {kind!r}: use rf, gb or small-rf")
    X, y = training_rows()
    return _pipeline(final).fit(X, y)
