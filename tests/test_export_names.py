"""Exports keep the class codes and add the names: the store writes a name column beside each
label column when given the names, and ``model.export_names`` gives it those of the published
classifiers; the command line and the Feedback page's downloads use it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from demo_like import build_demo_like

import feedback_store
import model
from model.export_names import (
    class_names_in_scope,
    export_training_with_names,
    export_with_names,
    feature_kinds_in_scope,
    targets_in_scope,
)

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"0": "No failure", "1": "Failure"}


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory) -> Path:
    return build_demo_like(tmp_path_factory.mktemp("demo_like") / "workspace").path


def read(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])


def test_the_names_in_scope_are_those_of_the_published_classifiers(demo_like):
    ws = model.open_workspace(demo_like)
    names = class_names_in_scope(ws)
    assert set(names) == {
        ("Sprint 1", "tool-wear rule"),
        ("Sprint 2", "physics rules"),
        ("Sprint 2", "logistic regression"),
        ("Sprint 3", "logistic regression + SME feedback"),
    }
    assert all(named == NAMES for named in names.values())
    assert set(class_names_in_scope(ws, "Sprint 2", "physics rules")) == {
        ("Sprint 2", "physics rules")
    }
    assert class_names_in_scope(ws, "no such sprint") is None


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_the_verdict_export_keeps_the_codes_and_adds_the_names_beside_them(
    demo_like, tmp_path, fmt
):
    ws = model.open_workspace(demo_like)
    store = feedback_store.open(demo_like)
    path, rows = export_with_names(ws, store, tmp_path / f"v.{fmt}", fmt, sprint="Sprint 2")
    frame = read(path, fmt)
    assert rows == len(frame) == 3
    columns = list(frame.columns)
    assert columns.index("corrected_name") == columns.index("corrected_label") + 1
    assert columns.index("predicted_name") == columns.index("predicted_label") + 1
    pairs = (("corrected_label", "corrected_name"), ("predicted_label", "predicted_name"))
    for code, name in pairs:
        for label, named in zip(frame[code], frame[name], strict=True):
            if pd.isna(label) or label == "":
                assert pd.isna(named) or named == ""
            else:
                assert named == NAMES[str(label)]
    wrong = frame[frame["verdict"] == "wrong"]
    assert set(wrong["corrected_name"]) == {"Failure"}  # the demo's missed failures
    # Without the names the store's export is what it always was: no name column.
    plain = read(store.export(tmp_path / f"plain.{fmt}", fmt, sprint="Sprint 2"), fmt)
    assert list(plain.columns) == [c for c in columns if not c.endswith("_name")]
    assert plain.equals(frame[list(plain.columns)])


def test_a_label_or_prototype_without_a_name_keeps_its_code_and_an_empty_name(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S", prototype="gone", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1", prediction={"label": 0})  # fmt: skip
    store.record(sprint="S", prototype="named", row_id="2", reviewer="ana", verdict="wrong",
                 corrected_label="7", prediction={"label": 1.0})  # fmt: skip
    names = {("S", "named"): NAMES}
    frame = pd.read_parquet(store.export(tmp_path / "v.parquet", "parquet", class_names=names))
    frame = frame.set_index("row_id")
    assert frame.loc["1", ["corrected_name", "predicted_name"]].isna().all()
    assert pd.isna(frame.loc["2", "corrected_name"]) and frame.loc["2", "corrected_label"] == "7"
    assert frame.loc["2", "predicted_name"] == "Failure"  # 1.0 is class "1"


def test_a_feature_named_like_a_name_column_gets_the_feature_prefix(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S", prototype="p", row_id="1", reviewer="ana", verdict="correct",
                 features={"predicted_name": "x"}, prediction={"label": "1"})  # fmt: skip
    names = {("S", "p"): NAMES}
    frame = pd.read_csv(store.export(tmp_path / "v.csv", "csv", class_names=names))
    assert frame.loc[0, "predicted_name"] == "Failure"
    assert frame.loc[0, "feature.predicted_name"] == "x"
    plain = pd.read_csv(store.export(tmp_path / "p.csv", "csv"))
    assert plain.loc[0, "predicted_name"] == "x"


def test_a_class_name_starting_like_a_formula_is_made_safe_in_csv(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S", prototype="p", row_id="1", reviewer="ana", verdict="correct",
                 prediction={"label": "1"})  # fmt: skip
    path = store.export(tmp_path / "v.csv", "csv", class_names={("S", "p"): {"1": "=cmd()"}})
    assert pd.read_csv(path).loc[0, "predicted_name"] == "'=cmd()"


def test_regression_prototypes_alone_get_no_name_columns(tmp_path):
    from conftest import load_data
    from sklearn.linear_model import LinearRegression

    data = load_data().head(400)
    inputs = ["Rotational speed [rpm]", "Tool wear [min]"]
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("Torque", "linear", LinearRegression().fit(data[inputs], data["Torque [Nm]"]),
               data[inputs].tail(100), data["Torque [Nm]"].tail(100))  # fmt: skip
    store = feedback_store.open(ws.path)
    row = ws.prototype("Torque", "linear").predictions().index[0]
    store.record(sprint="Torque", prototype="linear", row_id=row, reviewer="ana",
                 verdict="wrong", corrected_label="41.5", task="regression",
                 features={"Tool wear [min]": 3}, prediction={"label": 40.0})  # fmt: skip
    assert class_names_in_scope(ws) is None
    path, _ = export_with_names(ws, store, tmp_path / "v.csv", "csv")
    assert not [c for c in pd.read_csv(path).columns if c.endswith("_name")]
    training = export_training_with_names(ws, store, tmp_path / "t.csv", "csv")
    assert "label_name" not in pd.read_csv(training.path).columns
    assert "label_name" not in training.manifest["columns"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_the_training_export_adds_the_label_name_after_the_label(demo_like, tmp_path, fmt):
    ws = model.open_workspace(demo_like)
    store = feedback_store.open(demo_like)
    result = export_training_with_names(ws, store, tmp_path / f"t.{fmt}", fmt, sprint="Sprint 2")
    frame = read(result.path, fmt)
    assert len(frame) == result.rows == 3
    columns = list(frame.columns)
    assert columns.index("label_name") == columns.index("label") + 1
    assert [NAMES[str(label)] for label in frame["label"]] == frame["label_name"].tolist()
    manifest = result.manifest
    assert manifest["columns"]["label_name"] == "label_name"
    assert "label_name" not in manifest["columns"]["features"]
    plain = store.export_training(tmp_path / f"p.{fmt}", fmt, sprint="Sprint 2")
    assert "label_name" not in read(plain.path, fmt).columns


def test_the_download_bytes_hold_the_names(demo_like):
    from ui import verdict_tables

    ws = model.open_workspace(demo_like)
    store = feedback_store.open(demo_like)
    data = verdict_tables.verdict_export_bytes(store, "csv", verdict="wrong", ws=ws)
    frame = pd.read_csv(io.BytesIO(data), dtype=str)
    assert len(frame) == 2 and set(frame["corrected_name"]) == {"Failure"}


# -- the command line ----------------------------------------------------------------------------


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "model", *map(str, args)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip


def test_model_export_writes_the_names_and_prints_the_count(demo_like, tmp_path):
    out = tmp_path / "verdicts.csv"
    result = run("export", "--workspace", demo_like, "--format", "csv", "--out", out,
                 "--sprint", "Sprint 2", "--verdict", "wrong")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{out}\t2 rows"
    frame = pd.read_csv(out, dtype=str)
    assert frame["corrected_label"].tolist() == ["1", "1"]
    assert frame["corrected_name"].tolist() == ["Failure", "Failure"]
    assert set(frame["predicted_name"]) == {"No failure"}


@pytest.mark.parametrize("verb", ["export", "export-training"])
def test_a_sprint_or_prototype_nobody_knows_is_one_line_and_exit_2(demo_like, tmp_path, verb):
    """A typo in --sprint or --prototype wrote an empty file and exited 0."""
    out = tmp_path / "x.csv"
    typo = run(verb, "--workspace", demo_like, "--format", "csv", "--out", out,
               "--sprint", "Sprint 9")  # fmt: skip
    assert typo.returncode == 2 and not out.exists()
    assert typo.stderr.startswith(f"error: there is no sprint 'Sprint 9' in {demo_like}; its ")
    other = run(verb, "--workspace", demo_like, "--format", "csv", "--out", out,
                "--prototype", "nope")  # fmt: skip
    assert other.returncode == 2 and not out.exists()
    assert other.stderr.startswith("error: the workspace has no prototype 'nope'; its ")
    known = run(verb, "--workspace", demo_like, "--format", "csv", "--out", out,
                "--sprint", "Sprint 2")  # fmt: skip
    assert known.returncode == 0, known.stderr


def test_model_export_training_writes_the_label_names_and_the_manifest(demo_like, tmp_path):
    out = tmp_path / "training.parquet"
    result = run("export-training", "--workspace", demo_like, "--format", "parquet",
                 "--out", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{out}\t3 rows" in result.stdout and "manifest" in result.stdout
    table = pq.read_table(out)
    assert table.column_names.index("label_name") == table.column_names.index("label") + 1
    assert sorted(table.column("label_name").to_pylist()) == ["Failure", "Failure", "No failure"]


def _wrong_verdict_exported(workspace, prototype, X_demo, labels, out):
    """A 'wrong' verdict (``labels``: shown, corrected) on Sprint 4's ``prototype``, then
    ``export-training`` of the whole workspace to ``out``: the CLI's result."""
    feedback_store.open(workspace).record(
        sprint="Sprint 4", prototype=prototype, row_id=X_demo.index[0], reviewer="ana",
        verdict="wrong", corrected_label=labels[1], task="binary",
        features=X_demo.iloc[0].to_dict(), prediction={"label": labels[0]},
    )  # fmt: skip
    return run("export-training", "--workspace", workspace, "--format", "parquet", "--out", out)


def test_labels_of_another_target_make_the_training_export_exit_2_in_one_line(demo_like, tmp_path):
    from conftest import copy_workspace, split_data

    workspace = copy_workspace(demo_like, tmp_path / "workspace")
    ws = model.open_workspace(workspace)
    assert set(targets_in_scope(ws).values()) == {"Machine failure"}
    X, y, X_demo, y_demo = split_data()
    heat = model.ToolWearRule(150).fit(X, y)  # another question, asked of the same rows
    hot = (1 - y_demo).rename("Overheating")  # other labels: the same ones renamed are one target
    ws.publish("Sprint 4", "overheating rule", heat, X_demo, hot)
    assert targets_in_scope(ws, "Sprint 4") == {("Sprint 4", "overheating rule"): "Overheating"}
    out = tmp_path / "training.parquet"
    result = _wrong_verdict_exported(workspace, "overheating rule", X_demo, ("0", "1"), out)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: these labels are of different targets: Machine")
    assert len(result.stderr.splitlines()) == 1 and not out.exists()
    alone = run("export-training", "--workspace", workspace, "--format", "parquet",
                "--out", out, "--sprint", "Sprint 4")  # fmt: skip
    assert alone.returncode == 0, alone.stderr


def test_one_target_in_two_spellings_of_its_labels_is_two_targets_to_the_training_export(
    demo_like, tmp_path
):
    """0/1 in one sprint and "no"/"yes" in the next went into one label column, which a
    retrained model would learn as four classes."""
    from conftest import copy_workspace, split_data

    workspace = copy_workspace(demo_like, tmp_path / "workspace")
    ws = model.open_workspace(workspace)
    X, y, X_demo, y_demo = split_data()
    words = {0: "no", 1: "yes"}
    rule = model.ToolWearRule().fit(X, y.map(words))
    ws.publish("Sprint 4", "words", rule, X_demo, y_demo.map(words))
    named = targets_in_scope(ws)
    assert named[("Sprint 4", "words")] == "Machine failure in the labels 'no', 'yes'"
    assert named[("Sprint 1", "tool-wear rule")] == "Machine failure"
    out = tmp_path / "training.parquet"
    result = _wrong_verdict_exported(workspace, "words", X_demo, ("no", "yes"), out)
    assert result.returncode == 2 and not out.exists()
    assert "Machine failure in the labels 'no', 'yes' (two classes) in Sprint 4" in result.stderr


def test_the_feedback_store_export_verb_is_unchanged(demo_like, tmp_path):
    out = tmp_path / "verdicts.csv"
    result = subprocess.run(
        [sys.executable, "-m", "feedback_store", "export", "--workspace", str(demo_like),
         "--format", "csv", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "corrected_name" not in pd.read_csv(out).columns


@pytest.mark.parametrize(
    "args, message",
    [
        (["--workspace", "{missing}", "--format", "csv", "--out", "{tmp}/o.csv"], "does not exist"),
        (["--workspace", "{ws}", "--format", "xlsx", "--out", "{tmp}/o.xlsx"], "invalid choice"),
        (["--workspace", "{ws}", "--format", "csv", "--out", "{tmp}/no/o.csv"], "folder not found"),
    ],
)
def test_model_export_errors_are_one_line_and_exit_2(demo_like, tmp_path, args, message):
    paths = {"missing": tmp_path / "missing", "tmp": tmp_path, "ws": demo_like}
    result = run("export", *[arg.format(**paths) for arg in args])
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
    assert not (tmp_path / "missing").exists() and not list(tmp_path.glob("o.*"))


# -- the Feedback page's downloads -------------------------------------------------------------


def download(at, deferred_downloads, label: str) -> bytes:
    button = next(b for b in at.get("download_button") if b.proto.label == label)
    return deferred_downloads(button)


def test_the_feedback_pages_downloads_hold_the_codes_and_the_names(
    demo_like, open_app, deferred_downloads
):
    at = open_app(demo_like, page="feedback")
    assert not at.exception
    verdicts = pd.read_csv(io.BytesIO(download(at, deferred_downloads, "Download CSV")), dtype=str)
    wrong = verdicts[verdicts["verdict"] == "wrong"]
    assert wrong["corrected_label"].tolist() == ["1", "1"]
    assert wrong["corrected_name"].tolist() == ["Failure", "Failure"]
    assert set(verdicts["predicted_name"]) <= {"Failure", "No failure"}
    parquet = pd.read_parquet(io.BytesIO(download(at, deferred_downloads, "Download Parquet")))
    assert list(parquet.columns) == list(verdicts.columns)

    at.session_state["feedback_tab"] = "Labels for training"
    at.run()
    assert not at.exception
    training = pd.read_parquet(
        io.BytesIO(download(at, deferred_downloads, "Download training rows (Parquet)"))
    )
    assert sorted(zip(training["label"], training["label_name"], strict=True)) == [
        (0, "No failure"), (1, "Failure"), (1, "Failure"),
    ]  # fmt: skip


# -- a feature no exported row has a value of ---------------------------------------------------


@pytest.fixture
def torque_unmeasured(tmp_path) -> Path:
    """One own case, labelled, whose torque was left missing: the only exported row."""
    import numpy as np
    from sklearn.ensemble import RandomForestClassifier

    from model.own_case import explain_own_case

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"speed": rng.normal(1500, 100, 300).round(), "torque": rng.normal(40, 9, 300)},
        index=[f"r{i}" for i in range(300)],
    )
    X.loc[X.index[::10], "torque"] = np.nan
    y = (X["torque"].fillna(60) > 45).astype(int)
    ws = model.open_workspace(tmp_path / "ws")
    estimator = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    proto = ws.publish("S1", "forest", estimator, X, y, deck_size=20)
    case = explain_own_case(proto, {"speed": 1450, "torque": None})
    feedback_store.open(ws.path).record(
        sprint="S1", prototype="forest", row_id=case["row_id"], reviewer="ana",
        verdict="wrong", corrected_label="1", features=case["feature_values"],
        task=proto.task, source="own", prototype_version=proto.version,
    )  # fmt: skip
    return ws.path


def test_the_kinds_in_scope_come_from_the_stored_features(torque_unmeasured):
    ws = model.open_workspace(torque_unmeasured)
    assert feature_kinds_in_scope(ws) == {"speed": "number", "torque": "number"}
    assert feature_kinds_in_scope(ws, "no such sprint") == {}


def test_a_number_no_exported_row_has_is_a_number_column_not_text(torque_unmeasured, tmp_path):
    # Parquet keeps the type (a CSV has none: an empty cell reads back as NaN either way)
    ws = model.open_workspace(torque_unmeasured)
    store = feedback_store.open(torque_unmeasured)
    plain = store.export_training(tmp_path / "plain.parquet", "parquet")
    typed = export_training_with_names(ws, store, tmp_path / "typed.parquet", "parquet")
    assert str(pq.read_schema(plain.path).field("torque").type) == "string"  # nothing known
    assert str(pq.read_schema(typed.path).field("torque").type) == "double"
    frame = pd.read_parquet(typed.path)
    assert frame["torque"].isna().all() and frame["torque"].dtype == "float64"
    assert frame["speed"].tolist() == [1450]


def test_the_verdict_export_types_such_a_feature_too(torque_unmeasured, tmp_path):
    ws = model.open_workspace(torque_unmeasured)
    store = feedback_store.open(torque_unmeasured)
    plain = store.export(tmp_path / "plain.parquet", "parquet")
    typed, rows = export_with_names(ws, store, tmp_path / "typed.parquet", "parquet")
    assert rows == 1
    assert str(pq.read_schema(plain).field("torque").type) == "string"  # nothing known
    assert str(pq.read_schema(typed).field("torque").type) == "double"
    assert pd.read_parquet(typed)["torque"].isna().all()
