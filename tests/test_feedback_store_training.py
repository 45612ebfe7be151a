"""SMEs' own cases, and the training-ready export with its manifest (API and command line)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import run_cli

import feedback_store
from feedback_store import InvalidVerdict, own_case_id

ROOT = Path(__file__).resolve().parents[1]
CASE = {"Type": "L", "Torque [Nm]": 65.2, "Tool wear [min]": 108}


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "ws")


def vote(store, row_id, reviewer, verdict, label=None, features=None, **extra):
    return store.record(
        sprint=extra.pop("sprint", "S2"), prototype="gbm", row_id=row_id, reviewer=reviewer,
        verdict=verdict, corrected_label=label, task=extra.pop("task", "binary"),
        features=features if features is not None else {"Type": "M", "Torque [Nm]": 40.0},
        prediction={"label": extra.pop("shown", "0"), "confidence": 0.7,
                    "model": "Pipeline(HistGradientBoostingClassifier)"},
        **extra,
    )  # fmt: skip


def read(path, fmt):
    if fmt == "csv":
        return pd.read_csv(path, dtype={"row_id": str, "label": str})
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.DataFrame([json.loads(line) for line in Path(path).read_text().splitlines()])


# -- own cases ----------------------------------------------------------------------------------
def test_own_case_id_is_stable_whatever_the_order_and_numeric_type_of_the_values():
    same = {"Tool wear [min]": np.int64(108), "Torque [Nm]": 65.2, "Type": "L"}
    assert own_case_id(CASE) == own_case_id(same)
    assert own_case_id({"a": 1558}) == own_case_id({"a": 1558.0})
    assert own_case_id(CASE).startswith("own:") and len(own_case_id(CASE)) == 16


def test_own_case_id_differs_when_a_value_differs():
    assert own_case_id(CASE) != own_case_id(CASE | {"Torque [Nm]": 65.3})


def test_own_case_id_needs_feature_values():
    with pytest.raises(InvalidVerdict, match="needs its feature values"):
        own_case_id({})


def test_an_own_case_is_recorded_with_source_own(store):
    store.record(sprint="S2", prototype="gbm", row_id=own_case_id(CASE), reviewer="ana",
                 verdict="wrong", corrected_label="1", features=CASE, source="own")  # fmt: skip
    vote(store, "4711", "ana", "correct")
    assert store.verdicts()["source"].tolist() == ["own", "demo"]


@pytest.mark.parametrize(
    ("row_id", "features", "source", "message"),
    [
        ("own:abc", CASE, "own", "must be feedback_store.own_case_id"),
        ("x", None, "own", "needs features"),
        (own_case_id(CASE), CASE, "demo", "pass source='own'"),
        ("4711", CASE, "mine", "source must be one of demo, own"),
    ],
)
def test_own_cases_must_carry_their_features_and_id(store, row_id, features, source, message):
    with pytest.raises(InvalidVerdict, match=message):
        store.record(sprint="S2", prototype="gbm", row_id=row_id, reviewer="ana",
                     verdict="correct", features=features, source=source)  # fmt: skip
    assert store.verdicts().empty


# -- export_training ----------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_training_writes_features_label_and_provenance(store, tmp_path, fmt):
    vote(store, "1", "ana", "wrong", "1", features=CASE)
    vote(store, "1", "bo", "wrong", "1", features=CASE)
    vote(store, "2", "ana", "correct")
    path, manifest_path = store.export_training(tmp_path / f"train.{fmt}", format=fmt)
    frame = read(path, fmt).set_index("row_id")
    assert list(frame.columns[:3]) == ["Type", "Torque [Nm]", "Tool wear [min]"]
    row = frame.loc["1"]
    assert (row["Type"], row["Torque [Nm]"], row["Tool wear [min]"]) == ("L", 65.2, 108)
    assert (str(row["label"]), row["sprint"], row["prototype"], row["source"]) == (
        "1", "S2", "gbm", "demo",
    )  # fmt: skip
    # classes coded as integers go out as integers, as a training set of them holds them
    # (the texts "0"/"1" beside it would be two more classes); a CSV is read back here as text
    assert fmt == "csv" or isinstance(row["label"], int | np.integer)
    assert json.loads(manifest_path.read_text())["columns"]["label_type"] == "integer"
    reviewers = row["reviewers"] if fmt != "csv" else row["reviewers"].split(";")
    assert list(reviewers) == ["ana", "bo"]
    assert (row["n_reviewers"], row["agreement"], row["rule"]) == (2, 1.0, "majority")
    assert row["model"] == "Pipeline(HistGradientBoostingClassifier)"
    assert bool(row["in_demo_set"]) is True
    assert str(frame.loc["2", "label"]) == "0"
    assert manifest_path == tmp_path / f"train.{fmt}.manifest.json"


def test_codes_written_with_leading_zeros_stay_text(store, tmp_path):
    vote(store, "1", "ana", "wrong", "007")
    vote(store, "2", "ana", "wrong", "1")
    result = store.export_training(tmp_path / "t.parquet")
    assert sorted(pd.read_parquet(result.path)["label"]) == ["007", "1"]
    assert result.manifest["columns"]["label_type"] == "text"


def test_csv_joins_reviewers_and_verdict_ids_with_semicolons(store, tmp_path):
    first = vote(store, "1", "ana", "wrong", "1")
    second = vote(store, "1", "bo", "wrong", "1")
    path, _ = store.export_training(tmp_path / "train.csv", format="csv")
    frame = pd.read_csv(path, dtype=str)
    assert frame.loc[0, "reviewers"] == "ana;bo"
    assert frame.loc[0, "verdict_ids"] == f"{first};{second}"


def test_the_manifest_counts_rows_labels_and_records_filters_rule_and_versions(store, tmp_path):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "2", "ana", "wrong", "1")
    vote(store, "2", "bo", "correct")  # a tie: left out
    vote(store, "3", "ana", "correct")
    vote(store, "4", "ana", "correct", sprint="S1")
    result = store.export_training(tmp_path / "t.parquet", sprint="S2", rule="majority")
    manifest = result.manifest
    assert manifest["counts"] == {
        "rows": 2, "reviewed_rows": 3, "resolved": 2, "unresolved": 1, "without_features": 0,
        "in_demo_set": 2, "own_cases": 0, "per_label": {"1": 1, "0": 1},
    }  # fmt: skip
    assert manifest["filters"] == {"sprint": "S2", "prototype": None}
    assert (manifest["rule"], manifest["lead"], manifest["format"]) == ("majority", None, "parquet")
    assert manifest["versions"]["sprint_review_schema"] == "m005_add_prototype_version"
    assert {"pandas", "sqlite", "schema_version"} <= set(manifest["versions"])
    assert manifest["created_at"].endswith("+00:00")
    assert result.rows == 2


def test_demo_rows_bring_the_evaluation_set_warning_and_it_is_returned_too(store, tmp_path):
    for row_id in ("1", "2", "3"):
        vote(store, row_id, "ana", "correct")
    result = store.export_training(tmp_path / "t.csv", format="csv")
    warning = (
        "3 rows are from the demo (evaluation) set: training on them makes later demo metrics"
        " optimistic; hold them out of evaluation"
    )
    assert result.warnings == [warning]
    assert json.loads(result.manifest_path.read_text())["warnings"] == [warning]


def test_given_demo_row_ids_only_those_rows_count_as_the_demo_set(store, tmp_path):
    vote(store, "1", "ana", "correct")
    vote(store, "2", "ana", "correct")
    store.record(sprint="S2", prototype="gbm", row_id=own_case_id(CASE), reviewer="ana",
                 verdict="correct", features=CASE, source="own",
                 prediction={"label": "0"})  # fmt: skip
    result = store.export_training(tmp_path / "t.jsonl", format="jsonl", demo_row_ids={"2"})
    frame = read(result.path, "jsonl").set_index("row_id")
    assert frame["in_demo_set"].to_dict() == {"1": False, "2": True, own_case_id(CASE): False}
    assert frame.loc[own_case_id(CASE), "source"] == "own"
    assert result.warnings[0].startswith("1 row is from the demo (evaluation) set")
    assert result.manifest["counts"]["own_cases"] == 1


def test_the_lead_rule_is_applied_and_recorded(store, tmp_path):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "correct")
    result = store.export_training(tmp_path / "t.parquet", rule="lead", lead="bo")
    frame = pd.read_parquet(result.path)
    assert frame[["label", "rule"]].values.tolist() == [[0, "lead"]]
    assert result.manifest["lead"] == "bo"


def test_rows_without_a_feature_snapshot_are_left_out_with_a_warning(store, tmp_path):
    store.record(sprint="S2", prototype="gbm", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1")  # fmt: skip
    result = store.export_training(tmp_path / "t.csv", format="csv")
    assert result.rows == 0 and result.manifest["counts"]["without_features"] == 1
    assert any("no feature values were recorded" in w for w in result.warnings)


def test_regression_labels_are_exported_as_numbers(store, tmp_path):
    vote(store, "1", "ana", "wrong", "12.5", task="regression", shown="10.0")
    frame = pd.read_parquet(store.export_training(tmp_path / "t.parquet").path)
    assert frame["label"].dtype == "float64" and frame["label"].tolist() == [12.5]


def test_an_empty_export_writes_a_valid_file_and_manifest(store, tmp_path):
    result = store.export_training(tmp_path / "t.parquet")
    assert pd.read_parquet(result.path).empty
    assert result.manifest["counts"]["rows"] == 0 and result.warnings == []


def test_export_training_replaces_files_atomically_and_leaves_no_temp_files(store, tmp_path):
    vote(store, "1", "ana", "correct")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "t.csv").write_text("old")
    store.export_training(folder / "t.csv", format="csv")
    assert sorted(p.name for p in folder.iterdir()) == ["t.csv", "t.csv.manifest.json"]
    assert (folder / "t.csv").read_text().startswith("Type,")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"format": "xlsx"}, InvalidVerdict, "use one of csv, parquet, jsonl"),
        ({"rule": "lead"}, InvalidVerdict, "needs lead"),
        ({"demo_row_ids": "4711"}, InvalidVerdict, "must be a set of row ids"),
        ({"path": "missing/t.csv"}, FileNotFoundError, "output folder not found"),
    ],
)
def test_bad_export_training_input_is_rejected_before_writing(
    store, tmp_path, kwargs, error, message
):
    vote(store, "1", "ana", "correct")
    path = tmp_path / kwargs.pop("path", "t.csv")
    with pytest.raises(error, match=message):
        store.export_training(path, **({"format": "csv"} | kwargs))
    assert not path.exists()


def test_labels_of_different_targets_are_refused_and_nothing_is_written(store, tmp_path):
    # one label column held "1" (a failure) beside "120.0" (minutes of tool wear)
    vote(store, "1", "ana", "wrong", "1", sprint="S2")
    vote(store, "2", "ana", "wrong", "120", sprint="S3", task="regression", shown="61.2")
    path = tmp_path / "t.parquet"
    with pytest.raises(InvalidVerdict, match=r"different targets: .*\(two classes\) in S2; .*"
                       r"\(values\) in S3\. A training file holds one target"):  # fmt: skip
        store.export_training(path)
    assert not path.exists() and not Path(f"{path}.manifest.json").exists()
    assert store.export_training(path, sprint="S3").rows == 1  # one sprint at a time


def test_two_named_targets_of_one_task_are_refused_but_an_unnamed_one_goes_with_either(
    store, tmp_path
):
    vote(store, "1", "ana", "wrong", "1", sprint="S1")
    vote(store, "2", "ana", "wrong", "1", sprint="S2")
    path = tmp_path / "t.csv"
    named = {("S1", "gbm"): "Machine failure", ("S2", "gbm"): "Overheating"}
    with pytest.raises(InvalidVerdict, match="Machine failure .* in S1; Overheating"):
        store.export_training(path, "csv", targets=named)
    unnamed = {("S1", "gbm"): "Machine failure", ("S2", "gbm"): None}
    assert store.export_training(path, "csv", targets=unnamed).rows == 2


# -- command line -------------------------------------------------------------------------------
def run(*args):
    return run_cli("feedback_store", *map(str, args), cwd=ROOT, timeout=60)


def test_cli_export_training_prints_path_rows_and_warnings(store, tmp_path):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "correct")
    out = tmp_path / "train.csv"
    result = run("export-training", "--workspace", tmp_path / "ws", "--format", "csv",
                 "--out", out, "--rule", "lead", "--lead", "ana")  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{out}\t1 rows"
    assert lines[2].startswith("warning: 1 row is from the demo (evaluation) set")
    assert pd.read_csv(out, dtype=str)["label"].tolist() == ["1"]


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "csv", "--out", "{tmp}/t.csv", "--rule", "lead"],
        ["--format", "csv", "--out", "{tmp}/t.csv", "--lead", "ana"],
        ["--format", "xlsx", "--out", "{tmp}/t.xlsx"],
        ["--format", "csv", "--out", "{tmp}/no/such/t.csv"],
        ["--format", "csv", "--out", "{tmp}/mixed.csv"],  # a regression's label too
    ],
)
def test_cli_export_training_errors_exit_2_with_one_error_line(store, tmp_path, args):
    vote(store, "1", "ana", "correct")
    if "mixed" in args[3]:
        vote(store, "2", "ana", "wrong", "120", sprint="S3", task="regression", shown="61.2")
    paths = {"tmp": tmp_path}
    result = run("export-training", "--workspace", tmp_path / "ws",
                 *[arg.format(**paths) for arg in args])  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert result.stdout == ""


def test_a_row_given_different_labels_in_two_sprints_is_warned_of(store, tmp_path):
    """A row left unresolved in Sprint 1 was reviewed again in Sprint 2: the export across
    sprints held ticket T01102 as Shipping and as Billing, without a word."""
    vote(store, "T01102", "ana", "wrong", "1", sprint="S1")
    vote(store, "T01102", "ana", "correct", sprint="S2")  # shown "0": the label is 0
    vote(store, "T00007", "ana", "wrong", "1", sprint="S1")
    vote(store, "T00007", "ana", "wrong", "1", sprint="S2")  # the same label twice: fine
    result = store.export_training(tmp_path / "train.csv", format="csv")
    (warning,) = [w for w in result.warnings if "different labels" in w]
    assert warning == (
        "1 row is in the file with different labels from different sprints, e.g. row T01102: "
        "1 in S1 and 0 in S2; keep one label per row (export one sprint, or the latest) "
        "before training"
    )
