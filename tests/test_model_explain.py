"""The explainers: exact Shapley values equal shap's, codecs round-trip, columns map back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from model.explain import FrameCodec, exact_shapley, model_outputs, source_columns

FRAME = pd.DataFrame(
    {
        "kind": ["a", "b", "c", "a", "b", "c", "a", "b"] * 5,
        "x": np.linspace(0, 1, 40),
        "z": np.sin(np.arange(40.0)),
    }
)
TARGET = ((FRAME["x"] > 0.5) ^ (FRAME["kind"] == "a")).astype(int)


def fitted_pipeline():
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(), ["kind"]), ("num", StandardScaler(), ["x", "z"])]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(FRAME, TARGET)


def test_exact_shapley_equals_shaps_exact_explainer():
    pipeline = fitted_pipeline()
    codec = FrameCodec(FRAME)

    def predict(array):
        return model_outputs(pipeline, codec.decode(array), "binary")

    rows, background = codec.encode(FRAME.iloc[:6]), codec.encode(FRAME.iloc[10:30])
    ours, base = exact_shapley(predict, rows, background)
    reference = shap.explainers.Exact(
        lambda a: predict(a)[:, 0], shap.maskers.Independent(background, max_samples=20)
    )(rows)
    np.testing.assert_allclose(ours[:, :, 0], reference.values, atol=1e-12)
    assert base[0] == pytest.approx(reference.base_values[0])


def test_exact_shapley_is_additive_and_chunking_does_not_change_it():
    def predict(array):
        return (array[:, [0]] * array[:, [1]] + np.exp(array[:, [2]])).astype(float)

    rows = np.random.default_rng(0).normal(size=(30, 3))
    background = np.random.default_rng(1).normal(size=(8, 3))
    whole, base = exact_shapley(predict, rows, background)
    chunked, _ = exact_shapley(predict, rows, background, max_batch_rows=16)
    np.testing.assert_allclose(base + whole.sum(axis=1), predict(rows), atol=1e-12)
    np.testing.assert_allclose(whole, chunked, atol=1e-12)


def test_frame_codec_round_trips_strings_and_marks_unknown_categories_missing():
    codec = FrameCodec(FRAME)
    decoded = codec.decode(codec.encode(FRAME))
    pd.testing.assert_frame_equal(decoded, FRAME, check_dtype=False)
    unseen = codec.encode(FRAME.iloc[:1].assign(kind="never seen"))
    assert np.isnan(unseen[0, 0])


def test_one_hot_columns_map_back_to_their_source():
    prep = fitted_pipeline()[0]
    assert source_columns(prep, ["kind", "x", "z"]) == ["kind", "kind", "kind", "x", "z"]


def test_nested_pipelines_and_imputers_map_back():
    prep = ColumnTransformer(
        [
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder()),
                    ]
                ),
                ["kind"],
            ),
            ("num", SimpleImputer(), ["x", "z"]),
        ]
    ).fit(FRAME)
    assert source_columns(prep, ["kind", "x", "z"]) == ["kind"] * 3 + ["x", "z"]


def test_transformers_that_mix_columns_are_not_mapped():
    mixing = FunctionTransformer(lambda X: X.sum(axis=1).to_frame()).fit(FRAME[["x", "z"]])
    assert source_columns(mixing, ["x", "z"]) is None
