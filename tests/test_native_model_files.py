"""XGBoost and LightGBM files with native categorical splits and CatBoost files with category
columns, published from a CSV through the CLI, and LightGBM model text explained by its trees
as LightGBM's own models are."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_support import run_cli

import model
from model.boosting import load_native_model, with_model_categories
from model.demo import load_demo_data

lightgbm = pytest.importorskip("lightgbm")
xgboost = pytest.importorskip("xgboost")

READINGS = {
    "Air temperature [K]": "air",
    "Process temperature [K]": "process",
    "Rotational speed [rpm]": "speed",
    "Torque [Nm]": "torque",
    "Tool wear [min]": "wear",
}


def _rows(n: int = 1500) -> tuple[pd.DataFrame, np.ndarray]:
    data = load_demo_data().iloc[:n]
    X = data[list(READINGS)].rename(columns=READINGS)
    X.insert(0, "type", pd.Categorical(data["Type"]))
    rng = np.random.default_rng(0)
    X["humidity"] = rng.normal(50, 10, n)
    X["vibration"] = rng.normal(1, 0.2, n)
    return X, data["Machine failure"].to_numpy()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Native-categorical XGBoost JSON and LightGBM text, a numeric LightGBM text with eight
    readings, and the rows as CSV (the machine type written as text)."""
    folder = tmp_path_factory.mktemp("native-categories")
    X, y = _rows()
    models = {
        "xgb.json": xgboost.XGBClassifier(
            n_estimators=30, max_depth=3, enable_categorical=True, tree_method="hist"
        ).fit(X, y),
        "lgbm.txt": lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(X, y),
    }
    numeric = X.assign(type=X["type"].cat.codes)
    models["numeric-lgbm.txt"] = lightgbm.LGBMClassifier(n_estimators=30, verbose=-1).fit(
        numeric, y
    )
    for name, fitted in models.items():
        (fitted.booster_ if name.endswith(".txt") else fitted).save_model(str(folder / name))
    rows = X.assign(failure=y).rename_axis("id").reset_index()
    rows.assign(type=rows["type"].astype(str)).to_csv(folder / "rows.csv", index=False)
    numeric.assign(failure=y).rename_axis("id").reset_index().to_csv(
        folder / "numeric.csv", index=False
    )
    return folder, models, X, numeric


def _publish(tmp_path, folder, name, data):
    return run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S",
        "--name", "m", "--model", str(folder / name), "--data", str(folder / data),
        "--target", "failure", "--id-column", "id", "--deck-size", "300",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["xgb.json", "lgbm.txt"])
def test_a_native_categorical_model_publishes_from_a_csv(tmp_path, files, name):
    folder, models, X, _ = files
    result = _publish(tmp_path, folder, name, "rows.csv")
    assert result.returncode == 0, result.stderr
    assert "fitted without column names" not in result.stderr  # the file names its columns
    proto = model.open_workspace(tmp_path / "ws").prototype("S", "m")
    # the library's own values of its categorical splits, in log-odds
    assert proto.meta["explainer"] == "tree (path-dependent, log-odds)"
    expected = models[name].predict_proba(X)[:, 1]
    np.testing.assert_allclose(proto.predictions()["p:1"], expected, rtol=0, atol=1e-6)
    later = proto.precomputed()[~proto.precomputed()].index[0]
    explained = run_cli(
        "model", "explain", "--workspace", str(tmp_path / "ws"), "--sprint", "S",
        "--prototype", "m", "--row", later,
    )  # fmt: skip
    assert explained.returncode == 0, explained.stderr
    values = json.loads(explained.stdout)
    total = values["base_value"] + sum(values["contributions"].values())
    assert total == pytest.approx(values["output"], abs=1e-6)
    chance = 1 / (1 + np.exp(-values["output"]))
    by_id = pd.Series(expected, index=X.index.astype(str))
    assert chance == pytest.approx(by_id[later], abs=1e-6)


def test_lightgbm_model_text_is_explained_by_its_trees(tmp_path, files):
    folder, models, _, numeric = files
    result = _publish(tmp_path, folder, "numeric-lgbm.txt", "numeric.csv")
    assert result.returncode == 0, result.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("S", "m")
    # eight readings: shap's interventional explainer in log-odds, as for LGBMClassifier
    assert proto.meta["explainer"] == "tree (interventional, log-odds)"
    assert proto.meta["max_additivity_error"] <= 1e-6
    expected = models["numeric-lgbm.txt"].predict_proba(numeric)[:, 1]
    np.testing.assert_allclose(proto.predictions()["p:1"], expected, rtol=0, atol=1e-9)


def test_text_the_model_never_saw_becomes_missing_and_others_stay(files):
    folder, _, X, _ = files
    loaded = load_native_model(folder / "lgbm.txt")
    given = pd.DataFrame(X.head(3)).assign(type=["L", "unknown", None])
    converted = with_model_categories(loaded, given)
    assert list(converted["type"].cat.categories) == ["H", "L", "M"]
    assert converted["type"].iloc[0] == "L" and converted["type"].iloc[1:].isna().all()
    pd.testing.assert_frame_equal(converted.drop(columns="type"), given.drop(columns="type"))
    plain = X.assign(type=X["type"].cat.codes)
    assert with_model_categories(object(), plain) is plain


def test_whole_numbers_read_as_floats_are_the_categories_they_were_written_as():
    """A model trained on categories "1", "2", "3" (codes written as text), given a CSV
    column with a gap, which pandas reads as floats."""
    rng = np.random.default_rng(1)
    codes = pd.Categorical(rng.choice(["1", "2", "3"], 300))
    X = pd.DataFrame({"line": codes, "x": rng.normal(size=300)})
    y = ((X["line"] == "2") ^ (X["x"] > 0)).astype(int)
    fitted = lightgbm.LGBMClassifier(n_estimators=10, verbose=-1, min_child_samples=5)
    fitted.fit(X, y)
    read = pd.DataFrame({"line": [1.0, 2.0, np.nan, 3.0], "x": [0.1, -0.2, 0.3, 0.0]})
    converted = with_model_categories(fitted, read)
    assert converted["line"].tolist()[:2] == ["1", "2"] and converted["line"].isna().sum() == 1
    expected = (
        X.iloc[:0]
        .reindex(range(4))
        .assign(line=pd.Categorical(["1", "2", None, "3"], categories=["1", "2", "3"]), x=read["x"])
    )
    np.testing.assert_allclose(fitted.predict_proba(converted), fitted.predict_proba(expected))


def test_a_lightgbm_regression_text_gets_its_own_values(tmp_path, files):
    _, _, X, numeric = files
    target = numeric["torque"] * 1000 + numeric["speed"]
    fitted = lightgbm.LGBMRegressor(n_estimators=30, verbose=-1)
    fitted.fit(numeric.drop(columns="torque"), target)
    fitted.booster_.save_model(str(tmp_path / "reg.txt"))
    loaded = load_native_model(tmp_path / "reg.txt")
    rows = numeric.drop(columns="torque").iloc[:400]
    rows.index = rows.index.astype(str)
    proto = model.open_workspace(tmp_path / "ws").publish(
        "S", "reg", loaded, rows, target.iloc[:400].to_numpy(), deck_size=100
    )
    assert proto.meta["explainer"] == "tree (path-dependent)"
    assert proto.meta["unit"] == "value"
    np.testing.assert_allclose(proto.predictions()["predicted"], fitted.predict(rows), rtol=1e-12)


def _coded_rows(codes: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """Rows whose production line is a code written with leading zeros, which decides."""
    rng = np.random.default_rng(5)
    n = 600
    line = rng.choice(codes, n)
    X = pd.DataFrame({"x": rng.normal(size=n), "line": line}, index=[f"r{i}" for i in range(n)])
    y = pd.Series(np.isin(line, codes[::2]) ^ (rng.random(n) < 0.1), index=X.index).astype(int)
    return X, y


@pytest.mark.parametrize("name", ["xgb.json", "lgbm.txt", "cat.cbm"])
def test_category_codes_reach_the_model_as_written_in_the_csv(tmp_path, name):
    """ "007", "07" and "7" are three categories; a CSV read by type made them all the number 7
    (accuracy 0.47 where the model has 0.91, without a word). A CatBoost category of empty
    text or "NA" is text to CatBoost, not a missing value."""
    if name == "cat.cbm":
        catboost = pytest.importorskip("catboost")
        X, y = _coded_rows(["007", "07", "7", "010", "", "NA"])
        fitted = catboost.CatBoostClassifier(
            iterations=40, verbose=0, cat_features=["line"], random_seed=0
        ).fit(X, y)
    else:
        X, y = _coded_rows(["007", "07", "7", "010"])
        X["line"] = pd.Categorical(X["line"])
        if name == "xgb.json":
            fitted = xgboost.XGBClassifier(n_estimators=20, enable_categorical=True).fit(X, y)
        else:
            fitted = lightgbm.LGBMClassifier(n_estimators=20, verbose=-1, min_child_samples=5)
            fitted.fit(X, y)
    (fitted.booster_ if name.endswith(".txt") else fitted).save_model(str(tmp_path / name))
    X.assign(failure=y).rename_axis("id").to_csv(tmp_path / "rows.csv")
    result = _publish(tmp_path, tmp_path, name, "rows.csv")
    assert result.returncode == 0, result.stderr
    stored = model.open_workspace(tmp_path / "ws").prototype("S", "m").predictions()["p:1"]
    expected = pd.Series(fitted.predict_proba(X)[:, 1], index=X.index)
    np.testing.assert_allclose(stored, expected[stored.index], rtol=0, atol=1e-6)


def test_a_gap_in_a_catboost_category_is_one_line_naming_the_column(tmp_path):
    """CatBoost's own message named the feature by position ("feature_idx=1]=nan")."""
    catboost = pytest.importorskip("catboost")
    X, y = _coded_rows(["007", "07", "7", "010"])
    fitted = catboost.CatBoostClassifier(
        iterations=10, verbose=0, cat_features=["line"], random_seed=0
    ).fit(X, y)
    gaps = X.assign(line=X["line"].where(np.arange(len(X)) % 100 != 0))
    with pytest.raises(
        model.PublishError,
        match=r"^column 'line' has 6 missing values, which CatBoost's categories cannot take: "
        r'fill them with a text of their own \(e.g. "missing"\), as in training$',
    ):
        model.open_workspace(tmp_path / "ws").publish("S", "m", fitted, gaps, y)
    assert not (tmp_path / "ws" / "sprints" / "S").exists()
