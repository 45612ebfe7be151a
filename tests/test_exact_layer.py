"""Exact Shapley values from a model's first stage (``exact_shapley(..., layer=...)``): the
same values as calling the model on every coalition, with the model's pipeline called only
for the empty and full coalitions and the layer's checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from model import explain
from model.estimate import checked_layer, first_layer
from model.explain import FrameCodec, exact_shapley, model_outputs


def _frame(n: int = 120) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "kind": rng.choice(["L", "M", "H"], n).astype(object),
            "site": rng.choice(["north", "south"], n).astype(object),
            **{f"x{i}": rng.normal(size=n) for i in range(6)},
        },
        index=[f"r{i}" for i in range(n)],
    )
    y = ((frame["x0"] + frame["x1"] * frame["x2"] > 0) ^ (frame["kind"] == "H")).astype(int)
    return frame, y


def _pipeline(final) -> Pipeline:
    numbers = [f"x{i}" for i in range(6)]
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["kind", "site"]),
            ("num", StandardScaler(), numbers),
        ]
    )
    return Pipeline([("prep", prep), ("model", final)])


def _checked(pipeline, codec, predict, rows, background, task):
    """The pipeline's first layer, as publishing checks it before use."""
    layer = first_layer(pipeline, codec.decode, task)
    return checked_layer(layer, predict, rows, background, predict(background), 0)


FINALS = {
    "logistic regression": LogisticRegression(max_iter=1000),
    "network": MLPClassifier((8,), max_iter=500, random_state=0),
    "gradient boosting": HistGradientBoostingClassifier(max_iter=20, random_state=0),
}


@pytest.mark.parametrize("name", list(FINALS))
def test_the_layer_gives_the_values_of_the_model_called_on_every_coalition(name):
    frame, y = _frame()
    pipeline = _pipeline(FINALS[name]).fit(frame, y)
    codec = FrameCodec(frame)
    calls = []

    def predict(array):
        calls.append(len(array))
        return model_outputs(pipeline, codec.decode(array), "binary")

    rows, background = codec.encode(frame.iloc[:8]), codec.encode(frame.iloc[60:80])
    plain, plain_base = exact_shapley(predict, rows, background)
    layer = _checked(pipeline, codec, predict, rows, background, "binary")
    assert layer is not None
    calls.clear()
    layered, base = exact_shapley(predict, rows, background, layer=layer)
    np.testing.assert_allclose(layered, plain, rtol=0, atol=1e-12)
    np.testing.assert_allclose(base, plain_base, rtol=0, atol=0)
    # the pipeline ran for the background and the full coalition only: 2**8 - 2 others not
    assert calls == [len(background), len(rows)]
    np.testing.assert_allclose(base + layered.sum(axis=1), predict(rows), rtol=0, atol=1e-12)


def test_a_regression_behind_a_pipeline_gets_its_layer_too():
    frame, y = _frame()
    target = frame["x0"] * 3 + (frame["kind"] == "M") * 2.5
    pipeline = _pipeline(Ridge()).fit(frame, target)
    codec = FrameCodec(frame)

    def predict(array):
        return model_outputs(pipeline, codec.decode(array), "regression")

    rows, background = codec.encode(frame.iloc[:5]), codec.encode(frame.iloc[50:70])
    layer = _checked(pipeline, codec, predict, rows, background, "regression")
    layered, _ = exact_shapley(predict, rows, background, layer=layer)
    plain, _ = exact_shapley(predict, rows, background)
    np.testing.assert_allclose(layered, plain, rtol=0, atol=1e-10)


def test_explaining_a_pipeline_uses_the_layer_and_stays_exact(monkeypatch):
    frame, y = _frame()
    pipeline = _pipeline(LogisticRegression(max_iter=1000)).fit(frame, y)
    seen = []
    original = explain.exact_shapley

    def recording(*args, **kwargs):
        seen.append(kwargs.get("layer"))
        return original(*args, **kwargs)

    monkeypatch.setattr(explain, "exact_shapley", recording)
    result = explain.explain_estimator(
        pipeline, frame.iloc[:10], frame.sample(30, random_state=0), "binary", 2
    )
    assert result.explainer == "exact (independent background)"
    assert result.max_additivity_error <= 1e-9
    assert len(seen) == 1 and seen[0] is not None


def test_a_layer_that_does_not_reproduce_the_model_is_not_used():
    """A pipeline whose last step is not what the layer computes (a step changed after
    fitting, say) falls back to calling the model on every coalition, with the same values."""
    frame, y = _frame()
    pipeline = _pipeline(LogisticRegression(max_iter=1000)).fit(frame, y)
    codec = FrameCodec(frame)

    def predict(array):  # not the pipeline's outputs: the layer must be refused
        return model_outputs(pipeline, codec.decode(array), "binary") ** 2

    rows, background = codec.encode(frame.iloc[:4]), codec.encode(frame.iloc[40:60])
    layer = first_layer(pipeline, codec.decode, "binary")
    assert checked_layer(layer, predict, rows, background, predict(background), 0) is None
