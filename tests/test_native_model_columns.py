"""CatBoost and LightGBM model files take the data's columns by the names they stored, not by
position (a CSV in another order, or with a column kept as context for reviewers, was refused
with "Cannot convert 'travel' to float" or "pandas dtypes must be int, float or bool"), and a
category column the model never saw is said, not read as missing in silence."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from cli_support import run_cli

import model
from model.boosting import UnseenCategoriesWarning, load_native_model
from model.model_columns import feature_names

lightgbm = pytest.importorskip("lightgbm")
catboost = pytest.importorskip("catboost")


def _claims(n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "amount": rng.lognormal(7, 1, n),
            "age": rng.integers(18, 90, n).astype(float),
            "line": rng.choice(["motor", "home", "travel"], n),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="id"),
    )
    y = pd.Series(((X["line"] == "travel") ^ (rng.random(n) < 0.1)).astype(int), index=X.index)
    return X, y


def _publish(tmp_path, model_file, data_file, target="fraud"):
    return run_cli(
        "model", "publish", "--workspace", str(tmp_path / "ws"), "--sprint", "S",
        "--name", "m", "--model", str(model_file), "--data", str(data_file),
        "--target", target, "--id-column", "id", "--deck-size", "50",
    )  # fmt: skip


@pytest.fixture(scope="module")
def catboost_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catboost-columns")
    X, y = _claims()
    fitted = catboost.CatBoostClassifier(
        iterations=20, verbose=0, cat_features=["line"], random_seed=0
    ).fit(X, y)
    fitted.save_model(str(folder / "cb.cbm"))
    return folder / "cb.cbm", fitted


def test_a_catboost_file_takes_a_csv_in_another_order_with_a_text_kept_as_context(
    tmp_path, catboost_file
):
    path, fitted = catboost_file
    X, y = _claims()
    given = X[["line", "amount", "age"]].assign(description="Claimant reports a stolen bag")
    given.assign(fraud=y).to_csv(tmp_path / "demo.csv")
    result = _publish(tmp_path, path, tmp_path / "demo.csv")
    assert result.returncode == 0, result.stderr
    assert "note: kept as context for reviewers, not used by the model: description" in (
        result.stderr
    )
    proto = model.open_workspace(tmp_path / "ws").prototype("S", "m")
    assert list(proto.features().columns) == ["amount", "age", "line"]
    assert proto.meta["context_columns"] == ["description"]
    expected = pd.Series(fitted.predict_proba(X)[:, 1], index=X.index)
    stored = proto.predictions()["p:1"]
    np.testing.assert_allclose(stored, expected[stored.index], rtol=0, atol=1e-9)


def test_a_loaded_catboost_model_published_from_python_selects_its_columns(tmp_path, catboost_file):
    path, fitted = catboost_file
    X, y = _claims()
    given = X.assign(notes="call back")[["notes", "age", "line", "amount"]]
    with pytest.warns(model.context_columns.ContextColumnsWarning, match="the model: notes "):
        proto = model.open_workspace(tmp_path / "ws").publish(
            "S", "m", load_native_model(path), given, y, deck_size=50
        )
    np.testing.assert_allclose(
        proto.predictions()["p:1"], fitted.predict_proba(X)[:, 1], rtol=0, atol=1e-9
    )


def test_data_without_some_of_a_catboost_models_columns_is_one_line_naming_them(
    tmp_path, catboost_file
):
    path, _ = catboost_file
    X, y = _claims()
    with pytest.raises(
        model.PublishError,
        match=r"^the model expects columns the data lacks: amount, line; publish the data",
    ):
        model.open_workspace(tmp_path / "ws").publish(
            "S", "m", load_native_model(path), X[["age"]].assign(other=1.0), y
        )


def test_a_lightgbm_model_text_keeps_a_date_column_as_context(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"price": rng.uniform(1, 10, 300), "lag": rng.integers(0, 500, 300)})
    X.index = pd.Index([f"r{i}" for i in range(300)], name="id")
    units = X["lag"] * 1.1 + rng.normal(0, 20, 300)
    fitted = lightgbm.LGBMRegressor(n_estimators=20, verbose=-1).fit(X, units)
    fitted.booster_.save_model(str(tmp_path / "m.txt"))
    dates = pd.date_range("2026-01-01", periods=300).astype(str)
    X.assign(date=dates, units=units)[["date", "lag", "units", "price"]].to_csv(
        tmp_path / "demo.csv"
    )
    result = _publish(tmp_path, tmp_path / "m.txt", tmp_path / "demo.csv", target="units")
    assert result.returncode == 0, result.stderr
    assert "not used by the model: date" in result.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("S", "m")
    stored = proto.predictions()["predicted"]
    expected = pd.Series(fitted.predict(X), index=X.index)
    np.testing.assert_allclose(stored, expected[stored.index], rtol=0, atol=1e-9)


def test_feature_names_are_the_models_stored_names_in_its_order():
    X, y = _claims(100)
    numbers = X[["amount", "age"]]
    from_frame = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(
        numbers.rename(columns={"amount": "claim amount"}), y
    )
    # its model text stores "claim_amount": matched to the data's "claim amount"
    wrapped = load_native_model_from(from_frame)
    assert feature_names(wrapped, ["age", "claim amount", "note"]) == ["claim amount", "age"]
    from_array = catboost.CatBoostClassifier(iterations=3, verbose=0).fit(numbers.to_numpy(), y)
    assert feature_names(from_array, ["amount", "age"]) is None  # "0", "1": by position


def load_native_model_from(fitted):
    """A LightGBM scikit-learn model as its model text reads back."""
    from model.boosting import LightGBMTextClassifier

    return LightGBMTextClassifier.from_booster(fitted.booster_)


def _stores(n: int = 600) -> tuple[pd.DataFrame, pd.Series, object]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "store": pd.Categorical([f"{i:03d}" for i in rng.integers(1, 41, n)]),
            "lag": rng.integers(0, 500, n).astype(float),
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="id"),
    )
    units = X["lag"] + X["store"].cat.codes * 20 + rng.normal(0, 10, n)
    fitted = lightgbm.LGBMRegressor(n_estimators=30, verbose=-1, min_child_samples=5)
    return X, units, fitted.fit(X, units)


def test_store_ids_the_model_never_saw_are_refused_from_a_csv(tmp_path):
    """Ids '001' … '040' written back as 1 … 40: every row's store was read as missing and
    the predictions differed from the model's on most rows, with exit 0 and no word."""
    X, units, fitted = _stores()
    fitted.booster_.save_model(str(tmp_path / "m.txt"))
    stripped = X.assign(store=X["store"].astype(str).str.lstrip("0"), units=units)
    stripped.to_csv(tmp_path / "demo.csv")
    result = _publish(tmp_path, tmp_path / "m.txt", tmp_path / "demo.csv", target="units")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: column 'store' has no value the model was trained on (such as '"
    )
    assert "it knows '001', '002', '003' …" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_mostly_unseen_store_ids_are_a_warning_and_a_few_are_not(tmp_path):
    X, units, fitted = _stores()
    mostly = X.assign(store=pd.Categorical(X["store"].astype(str).where(X["lag"] > 300, "999")))
    unseen = int((X["lag"] <= 300).sum())
    ws = model.open_workspace(tmp_path / "ws")
    with pytest.warns(
        UnseenCategoriesWarning,
        match=rf"^column 'store': {unseen} of 600 values are ones the model was never trained "
        r"on \(such as '999'; it knows '001', '002', '003' …\) and are read as missing",
    ):
        ws.publish("S", "m", fitted, mostly, units, deck_size=50)
    few = X.assign(store=pd.Categorical(X["store"].astype(str).where(X.index != "r0", "999")))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnseenCategoriesWarning)
        ws.publish("S", "m", fitted, few, units, deck_size=50)


def test_the_cli_says_mostly_unseen_store_ids_in_a_note(tmp_path):
    X, units, fitted = _stores()
    fitted.booster_.save_model(str(tmp_path / "m.txt"))
    mostly = X.assign(store=X["store"].astype(str).where(X["lag"] > 300, "999"), units=units)
    mostly.to_csv(tmp_path / "demo.csv")
    result = _publish(tmp_path, tmp_path / "m.txt", tmp_path / "demo.csv", target="units")
    assert result.returncode == 0, result.stderr
    assert "note: column 'store': " in result.stderr
    assert "are ones the model was never trained on" in result.stderr
