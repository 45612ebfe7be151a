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

__all__ = ["NOISE", "WIDE", "fit_model", "resampled_rows", "training_rows", "widened"]

#: Noise added to each numeric feature, as a fraction of its standard deviation: resampled
#: rows are then all distinct, as real demo rows are.
NOISE = 0.01
NUMERIC = FEATURES[1:]
#: Readings derived from AI4I's (the dataset's own failure modes: power, heat dissipation,
#: overstrain), which ``widened`` adds: 9 source features, more than
#: ``MAX_EXACT_PROBABILITY_FEATURES``, so that a boosting classifier of them is explained by
#: its trees in log-odds rather than by the exact explainer in probability.
WIDE = ["Power [W]", "Temperature difference [K]", "Torque x tool wear [Nm min]"]


def widened(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with the ``WIDE`` readings added after its own columns."""
    speed, torque = X["Rotational speed [rpm]"], X["Torque [Nm]"]
    return X.assign(
        **{
            WIDE[0]: torque * speed * (2 * np.pi / 60),
            WIDE[1]: X["Process temperature [K]"] - X["Air temperature [K]"],
            WIDE[2]: torque * X["Tool wear [min]"],
        }
    )


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


def _pipeline(final, numeric: list[str] = NUMERIC) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), [FEATURES[0]]),
            ("sensors", "passthrough", numeric),
        ]
    )
    return Pipeline([("prep", prep), ("model", final)])


def fit_model(kind: str, quick: bool = False) -> Pipeline:
    """A fitted one-hot pipeline: ``"rf"`` (100 trees, depth 8), ``"gb"`` (scikit-learn's
    defaults: 100 trees of depth 3), ``"wide-gb"`` (the same on ``widened`` rows: 9 source
    features) or ``"small-rf"`` (10 trees, depth 4: the page's model). ``quick`` shrinks the
    first three to 10 trees."""
    trees = 10 if quick else 100
    if kind == "rf":
        final = RandomForestClassifier(
            n_estimators=trees, max_depth=4 if quick else 8, random_state=SEED, n_jobs=-1
        )
    elif kind in ("gb", "wide-gb"):
        final = GradientBoostingClassifier(n_estimators=trees, random_state=SEED)
    elif kind == "small-rf":
        final = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED, n_jobs=-1)
    else:
        raise ValueError(f"unknown model {kind!r}: use rf, gb, wide-gb or small-rf")
    X, y = training_rows()
    if kind == "wide-gb":
        return _pipeline(final, NUMERIC + WIDE).fit(widened(X), y)
    return _pipeline(final).fit(X, y)
