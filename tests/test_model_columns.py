"""Rows read from a CSV reach the model as they reached it in training: text codes stay text
(``"007"``, not 7) and missing cells get the marker its encoders learnt (``None`` or NaN).

Before, ``python -m model publish`` gave a logistic regression behind an imputer and a
one-hot encoder every row's probability wrong by up to 0.91, without a message, and a
histogram boosting model on category columns refused the rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import run_cli
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

import model
from model.model_columns import as_model_saw, text_columns


def rows(n: int = 500, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Two readings, a line coded "007"/"010"/"3" (text that reads as numbers) and a site
    with ``None`` where it was not recorded."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "pressure": rng.normal(size=n),
            "heat": rng.normal(size=n),
            "line": pd.Series(rng.choice(["007", "010", "3"], n), dtype=object),
            "site": pd.Series(rng.choice(["north", "south", None], n), dtype=object),
        }
    )
    X.index = [f"m{i}" for i in range(n)]
    risk = X["pressure"] + 1.5 * (X["line"] == "010") + (X["site"] == "south") - X["site"].isna()
    return X, pd.Series(np.where(risk > 0.5, "fails", "runs"), index=X.index)


def imputed_one_hot() -> ColumnTransformer:
    encode = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder())
    return make_column_transformer(
        (encode, ["line", "site"]), (StandardScaler(), ["pressure", "heat"])
    )


def test_text_columns_are_read_from_the_models_encoders():
    X, y = rows()
    pipeline = make_pipeline(imputed_one_hot(), LogisticRegression()).fit(X, y)
    markers = text_columns(pipeline)
    assert set(markers) == {"line", "site"}
    assert markers["site"] is None and np.isnan(markers["line"])  # None among site's values
    with_nan = X.assign(site=X["site"].where(X["site"].notna(), np.nan))
    ordinal = make_pipeline(
        make_column_transformer(
            (OrdinalEncoder(encoded_missing_value=-1), ["site"]), remainder="passthrough"
        ),
        LogisticRegression(),
    ).fit(with_nan.drop(columns="line"), y)
    (marker,) = text_columns(ordinal).values()
    assert marker is not None and np.isnan(marker)
    categorical = X.astype({"line": "category", "site": "category"})
    boosting = HistGradientBoostingClassifier(max_iter=5).fit(categorical, y)
    assert set(text_columns(boosting)) == {"line", "site"}
    numbers = make_pipeline(StandardScaler(), LogisticRegression())
    assert text_columns(numbers.fit(X[["pressure", "heat"]], y)) == {}


def test_an_imputer_that_drops_a_column_stops_the_reading():
    # an all-missing column is dropped: the encoder's columns are no longer the imputer's
    X, y = rows()
    X["empty"] = pd.Series([None] * len(X), dtype=object)
    encode = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder())
    pipeline = make_pipeline(
        make_column_transformer((encode, ["empty", "line"]), remainder="drop"),
        LogisticRegression(),
    ).fit(X, y)
    assert text_columns(pipeline) == {}


def test_as_model_saw_gives_text_and_the_learnt_missing_marker():
    frame = pd.DataFrame({"line": [7.0, 10.0, np.nan], "site": ["north", np.nan, "south"]})
    seen = as_model_saw(frame, {"line": np.nan, "site": None})
    assert seen["line"].iloc[0] == "7" and np.isnan(seen["line"].iloc[2])
    assert seen["site"].tolist() == ["north", None, "south"]


@pytest.mark.parametrize("kind", ["one-hot pipeline", "histogram boosting"])
def test_the_cli_publishes_a_csv_with_the_predictions_the_model_gives_in_training(tmp_path, kind):
    X, y = rows()
    if kind == "one-hot pipeline":
        estimator = make_pipeline(imputed_one_hot(), LogisticRegression()).fit(X, y)
        trained = X
    else:
        trained = X.astype({"line": "category", "site": "category"})
        estimator = HistGradientBoostingClassifier(max_iter=20).fit(trained, y)
    sio.dump(estimator, tmp_path / "model.skops")
    table = X.assign(state=y).rename_axis("machine").reset_index()
    table.to_csv(tmp_path / "rows.csv", index=False)
    assert "007" in (tmp_path / "rows.csv").read_text()
    done = run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S1",
        "--name", "m", "--model", str(tmp_path / "model.skops"), "--data",
        str(tmp_path / "rows.csv"), "--target", "state", "--id-column", "machine",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    published = model.open_workspace(tmp_path / "ws").prototype("S1", "m").predictions()
    expected = estimator.predict_proba(trained)[:, list(estimator.classes_).index("runs")]
    np.testing.assert_allclose(published.loc[X.index, "p:runs"], expected, atol=1e-12)
