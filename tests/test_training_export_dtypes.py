"""The training export keeps the published category, datetime and bool dtypes, and its
manifest lists them so a CSV reader restores them (trial R, section 8)."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor

import feedback_store
import model
from feedback_store.cli import main
from feedback_store.feature_dtypes import keep_dtypes, read_training
from model.review import record_verdict, shown_version

N = 120


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A regression published on a category ``region`` (South never in the demo rows the
    verdict is on), a bool ``promo`` and a context ``date``; one verdict on row r100."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "lag": rng.integers(0, 500, N).astype(float),
            "region": pd.Categorical(rng.choice(["North", "South"], N), ["North", "South", "East"]),
            "promo": rng.integers(0, 2, N).astype(bool),
            "date": pd.Timestamp("2026-01-05") + pd.to_timedelta(rng.integers(0, 300, N), "D"),
        },
        index=pd.Index([f"r{i}" for i in range(N)], name="row_id"),
    )
    y = X.lag * 1.1 + rng.normal(0, 20, N)
    features = ["lag", "region", "promo"]
    fitted = HistGradientBoostingRegressor(max_iter=10, categorical_features="from_dtype")
    fitted.fit(X[features][:60], y[:60])
    path = tmp_path_factory.mktemp("dtypes") / "ws"
    ws = model.open_workspace(path)
    proto = ws.publish(sprint="S2", name="m", estimator=fitted, X=X[60:], y=y[60:])
    store = feedback_store.open(path)
    version, content = shown_version(proto)
    predicted = float(proto.predictions().loc["r100", "predicted"])
    record_verdict(store, ws, sprint="S2", prototype="m", version=version, content_id=content,
                   row_id="r100", reviewer="maria", verdict="wrong",
                   corrected_label=str(round(predicted + 30)), value_confirmed=True)  # fmt: skip
    return path, X.loc["r100"]


def export(workspace, tmp_path, fmt: str, capsys):
    path, _ = workspace
    out = tmp_path / f"t.{fmt}"
    code = main(["export-training", "--workspace", str(path), "--format", fmt, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    return out, json.loads(out.with_name(out.name + ".manifest.json").read_text())


def test_parquet_keeps_the_published_category_datetime_and_bool(workspace, tmp_path, capsys):
    """It read back region and date as text ("2026-09-05T00:00:00"): joined to the training
    frame, region became text and XGBoost's enable_categorical refused it."""
    _, row = workspace
    out, _ = export(workspace, tmp_path, "parquet", capsys)
    t = pd.read_parquet(out)
    assert t["region"].dtype == pd.CategoricalDtype(["North", "South", "East"])
    assert t["date"].dtype.kind == "M" and t["date"].iloc[0] == row["date"]
    assert t["promo"].dtype == bool and t["promo"].iloc[0] == row["promo"]
    training = pd.DataFrame({"region": pd.Categorical(["South"], ["North", "South", "East"])})
    assert pd.concat([training, t[["region"]]])["region"].dtype == "category"


def test_the_manifest_lists_the_dtypes_a_csv_reader_restores(workspace, tmp_path, capsys):
    _, row = workspace
    _, manifest = export(workspace, tmp_path, "csv", capsys)
    columns = manifest["columns"]
    assert columns["categories"] == {"region": ["North", "South", "East"]}
    assert {k: columns["dtypes"][k] for k in ("region", "promo", "lag")} == {
        "region": "category", "promo": "bool", "lag": "float64",
    }  # fmt: skip
    assert columns["dtypes"]["date"].startswith("datetime64[")
    for fmt in ("csv", "jsonl"):
        out, _ = export(workspace, tmp_path, fmt, capsys)
        t = read_training(out)
        assert t["region"].dtype == pd.CategoricalDtype(["North", "South", "East"])
        assert t["date"].iloc[0] == row["date"] and t["promo"].dtype == bool
        assert t["label"].dtype == "float64"


def test_a_value_the_published_dtype_cannot_hold_is_kept_as_it_is():
    frame = pd.DataFrame({"region": ["West"], "date": ["not a date"], "promo": [True]})
    dtypes = {"region": pd.CategoricalDtype(["North"]), "date": np.dtype("datetime64[us]"),
              "promo": np.dtype(bool)}  # fmt: skip
    kept = keep_dtypes(frame, {c: c for c in frame.columns}, dtypes)
    assert kept["region"].tolist() == ["West"] and kept["date"].tolist() == ["not a date"]
    assert kept["promo"].dtype == bool


def test_jsonl_writes_a_date_as_its_iso_text(workspace, tmp_path, capsys):
    _, row = workspace
    out, manifest = export(workspace, tmp_path, "jsonl", capsys)
    (line,) = [json.loads(text) for text in out.read_text().splitlines()]
    assert pd.Timestamp(line["date"]) == row["date"] and line["region"] == row["region"]
    assert manifest["columns"]["dtypes"]["region"] == "category"


def test_a_csv_category_of_codes_reads_back_as_the_codes_as_written(tmp_path):
    """Store ids 001…040: read as numbers, every one became missing in its category."""
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S", prototype="p", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1", features={"store_id": "007"})  # fmt: skip
    out = tmp_path / "t.csv"
    feedback_store.training.export_training(
        store, out, "csv", feature_dtypes={"store_id": pd.CategoricalDtype(["007", "010"])}
    )
    assert read_training(out)["store_id"].tolist() == ["007"]


def test_the_model_cli_export_training_keeps_them_too(workspace, tmp_path, capsys):
    """``python -m model export-training`` (names and known values from the prototypes)
    passes the published dtypes to the export, as the feedback_store CLI does."""
    from model.cli import main as model_main

    path, row = workspace
    out = tmp_path / "m.parquet"
    code = model_main(
        ["export-training", "--workspace", str(path), "--format", "parquet", "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    t = pd.read_parquet(out)
    assert t["region"].dtype == pd.CategoricalDtype(["North", "South", "East"])
    assert t["promo"].dtype == bool and t["promo"].iloc[0] == row["promo"]


def test_the_model_cli_export_finds_a_reviewer_named_in_another_case(workspace, tmp_path, capsys):
    from model.cli import main as model_main

    path, _ = workspace
    out = tmp_path / "v.csv"
    args = ["export", "--workspace", str(path), "--format", "csv", "--out", str(out)]
    assert model_main([*args, "--reviewer", "Maria"]) == 0, capsys.readouterr().err
    assert len(pd.read_csv(out)) == 1
    capsys.readouterr()
    assert model_main([*args, "--reviewer", "zoe"]) == 2
    assert "maria" in capsys.readouterr().err
