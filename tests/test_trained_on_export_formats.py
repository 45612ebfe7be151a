"""The training export is taken as ``trained_on=`` / ``--trained-on`` in every format the tool
writes, by its ``row_id`` column alone (trials R D5 and I 5: the Parquet export was refused,
"column 'right_values' holds list<element: double> values (lists or records); save the demo
rows with one number or text a cell", while the CSV export of the same verdicts was taken)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import skops.io as sio

import feedback_store
import model
from model import data_files
from model.cli import main
from model.config import DEMO_DATA_FILE
from model.data_files import trained_on_file
from model.followup_rows import TRAINED_ON_KEY
from model.trained_rows import TrainedOnDemoRowsWarning

FEATURES = ["Type", "Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
            "Torque [Nm]", "Tool wear [min]"]  # fmt: skip
FORMATS = ("csv", "parquet", "jsonl")


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """``(workspace, demo rows, flagged row ids, {format: export path})``: a tool-wear rule in
    Sprint 1, two of its rows marked wrong by two reviewers, exported in each format."""
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    failed = data["Machine failure"] == 1
    data = pd.concat([data[~failed].head(35), data[failed].head(5)])
    X, y = data[FEATURES], data["Machine failure"]
    path = tmp_path_factory.mktemp("trained_on") / "ws"
    ws = model.open_workspace(path)
    ws.publish("Sprint 1", "wear 200", model.ToolWearRule(200).fit(X, y), X, y)
    store = feedback_store.open(path)
    flagged = sorted(X.index[:2])
    for row_id in flagged:
        for reviewer in ("ana", "maria"):
            store.record(
                sprint="Sprint 1", prototype="wear 200", row_id=row_id, reviewer=reviewer,
                verdict="wrong", corrected_label="1", task="binary",
                prediction={"label": "0", "confidence": 0.7}, features=X.loc[row_id].to_dict(),
            )  # fmt: skip
    exports = {
        fmt: store.export_training(path.parent / f"train.{fmt}", format=fmt).path for fmt in FORMATS
    }
    return ws, X, y, flagged, exports


def test_every_export_format_gives_its_row_ids(reviewed):
    """The Parquet export holds lists (reviewers, verdict ids): only its row_id is read."""
    _, _, _, flagged, exports = reviewed
    assert pq.read_schema(exports["parquet"]).field("reviewers").type == pa.list_(pa.string())
    for fmt in FORMATS:
        assert sorted(trained_on_file(exports[fmt])) == flagged, fmt


def test_publish_takes_the_parquet_export_in_python_and_on_the_command_line(reviewed, tmp_path):
    ws, X, y, flagged, exports = reviewed
    rule = model.ToolWearRule(150).fit(X, y)
    with pytest.warns(TrainedOnDemoRowsWarning, match="2 of the 40 demo rows"):
        ws.publish("Sprint 2", "api", rule, X, y, trained_on=exports["parquet"])
    assert ws.prototype("Sprint 2", "api").meta[TRAINED_ON_KEY] == flagged
    sio.dump(rule, tmp_path / "rule.skops")
    X.assign(failure=y).rename_axis("id").to_csv(tmp_path / "rows.csv")
    assert main([
        "publish", "--workspace", str(ws.path), "--sprint", "Sprint 2", "--name", "cli",
        "--model", str(tmp_path / "rule.skops"), "--data", str(tmp_path / "rows.csv"),
        "--target", "failure", "--id-column", "id", "--trained-on", str(exports["parquet"]),
    ]) == 0  # fmt: skip
    assert ws.prototype("Sprint 2", "cli").meta[TRAINED_ON_KEY] == flagged


def test_a_parquet_row_id_of_lists_is_refused_naming_the_callers_parameter(tmp_path):
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"row_id": [["r1", "r2"], ["r3"]]}), path)
    with pytest.raises(ValueError) as refused:
        trained_on_file(path, name="trained_on")
    assert str(refused.value) == (
        "trained_on: ids.parquet: its row_id column holds list<element: string> values, not "
        "one id a row; give the file export-training wrote"
    )
    with pytest.raises(ValueError, match="^--trained-on: ids.parquet: its row_id column"):
        trained_on_file(path)


def test_a_parquet_export_over_the_row_cap_is_refused_as_a_training_export(tmp_path, monkeypatch):
    monkeypatch.setattr(data_files, "MAX_PARQUET_ROWS", 2)
    path = tmp_path / "train.parquet"
    pq.write_table(pa.table({"row_id": ["r1", "r2", "r3"], "reviewers": [["ana"]] * 3}), path)
    with pytest.raises(ValueError) as refused:
        trained_on_file(path, name="trained_on")
    assert str(refused.value) == (
        "trained_on: train.parquet holds 3 rows, more than the 2 a publish reads; give the "
        "file export-training wrote"
    )


def test_a_jsonl_line_without_a_row_id_or_not_json_is_named(tmp_path):
    """Before, a record without a row_id was dropped silently, and a line that is not JSON
    read as "has no row_id column"."""
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"row_id": "r1", "reviewers": ["ana"]}) + "\n" + '{"label": 1}\n')
    with pytest.raises(ValueError) as refused:
        trained_on_file(path, name="trained_on")
    assert str(refused.value) == (
        "trained_on: train.jsonl: line 2 has no row_id; give the file export-training wrote"
    )
    path.write_text(json.dumps({"row_id": "r1"}) + "\n{not json\n")
    with pytest.raises(ValueError) as refused:
        trained_on_file(path)
    assert str(refused.value) == (
        "--trained-on: train.jsonl: line 2 is not a JSON record; give the file "
        "export-training wrote"
    )
