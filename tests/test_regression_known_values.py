"""A regression's "correct" verdict is labelled with the row's known value (the demo row's
actual price), not the model's output, through the API, both command lines and the Feedback
page; the Labels table says where each value came from (the trial's H-00682: known price
679,400, prediction 567,666)."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import feedback_store
import model
from model.known_values import known_values, known_values_or_none
from ui import verdict_tables

from cli_support import run_cli  # isort: skip
from conftest import copy_workspace  # isort: skip

TARGET = "Sale price [USD]"
SPRINT, PROTOTYPE = "Sprint 1", "price model"
OWN_FEATURES = {"Living area [m2]": 90.0, "Distance to center [km]": 12.0}
ACCEPTED, FLAGGED, OWN = "H-00007", "H-00011", feedback_store.own_case_id(OWN_FEATURES)


def houses(n: int = 80) -> tuple[pd.DataFrame, pd.Series]:
    """Houses whose price follows their area and distance to the centre, with noise."""
    rng = np.random.default_rng(11)
    X = pd.DataFrame(
        {
            "Living area [m2]": rng.uniform(50, 250, n).round(),
            "Distance to center [km]": rng.uniform(1, 30, n).round(1),
        },
        index=pd.Index([f"H-{i:05d}" for i in range(n)], name="row_id"),
    )
    noise = rng.normal(0, 40_000, n)
    y = 100_000 + 2_500 * X["Living area [m2]"] - 6_000 * X["Distance to center [km]"] + noise
    return X, y.round(-2).rename(TARGET)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One published regression; maria and tom call row ``ACCEPTED``'s prediction correct,
    both call row ``FLAGGED`` wrong with close right values, and tom calls an own case
    correct (it has no known value)."""
    X, y = houses()
    ws = model.open_workspace(tmp_path_factory.mktemp("known_values") / "ws")
    ws.publish(SPRINT, PROTOTYPE, LinearRegression().fit(X, y), X, y, mvp=True)
    predicted = ws.prototype(SPRINT, PROTOTYPE).predictions()["predicted"]
    store = feedback_store.open(ws.path)
    features = {"Living area [m2]": 120.0, "Distance to center [km]": 4.0}
    for reviewer, flagged_value in (("maria", "453600"), ("tom", "460000")):
        for row_id, verdict, value in (
            (ACCEPTED, "correct", None),
            (FLAGGED, "wrong", flagged_value),
        ):
            store.record(
                sprint=SPRINT, prototype=PROTOTYPE, row_id=row_id, reviewer=reviewer,
                verdict=verdict, corrected_label=value, task="regression", features=features,
                prediction={"label": repr(float(predicted[row_id]))},
            )  # fmt: skip
    store.record(
        sprint=SPRINT, prototype=PROTOTYPE, row_id=OWN, reviewer="tom", verdict="correct",
        task="regression", features=OWN_FEATURES, prediction={"label": "350000.123456789"},
        source="own",
    )  # fmt: skip
    known = float(y[ACCEPTED])
    assert abs(known - float(predicted[ACCEPTED])) > 1_000  # the two are told apart
    return {"path": ws.path, "known": known, "predicted": float(predicted[ACCEPTED])}


def labels_of(frame: pd.DataFrame) -> dict[str, tuple]:
    rows = frame.set_index("row_id")
    return {
        row_id: (float(rows.loc[row_id, "label"]), rows.loc[row_id, "label_source"])
        for row_id in rows.index
    }


# -- the known values ---------------------------------------------------------------------------
def test_known_values_are_the_reviewed_demo_rows_actual_values(built):
    ws = model.open_workspace(built["path"], create=False)
    store = feedback_store.open(ws.path, create=False)
    values = known_values(ws, store)
    # the reviewed demo rows only (not the 78 others), and no own case (it has none)
    assert set(values) == {(SPRINT, PROTOTYPE, ACCEPTED), (SPRINT, PROTOTYPE, FLAGGED)}
    assert values[(SPRINT, PROTOTYPE, ACCEPTED)] == built["known"]
    assert known_values(ws, store, sprint="Sprint 9") == {}


def test_a_folder_holding_the_feedback_db_alone_has_no_known_values(built, tmp_path):
    folder = tmp_path / "verdicts only"
    store = feedback_store.open(folder)
    assert known_values_or_none(folder, store) is None
    assert known_values_or_none(tmp_path / "missing", store) is None
    # its command line still exports, with the prediction accepted, and says so
    done = run_cli("feedback_store", "backup", "--workspace", str(built["path"]),
                   "--out", str(tmp_path / "backup.db"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run_cli("feedback_store", "restore", "--workspace", str(folder), "--force",
                   "--backup", str(tmp_path / "backup.db"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "training.csv"
    done = run_cli(
        "feedback_store", "export-training", "--workspace", str(folder), "--format", "csv",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert labels_of(pd.read_csv(out))[ACCEPTED][1] == "prediction accepted"
    assert "warning: 2 rows' labels are the prediction shown" in done.stdout


# -- the API ------------------------------------------------------------------------------------
def test_the_stores_training_export_labels_a_correct_verdict_with_the_known_value(built, tmp_path):
    ws = model.open_workspace(built["path"], create=False)
    store = feedback_store.open(ws.path, create=False)
    result = store.export_training(
        tmp_path / "training.parquet", known_values=known_values(ws, store)
    )
    labels = labels_of(pd.read_parquet(result.path))
    assert labels[ACCEPTED] == (built["known"], "known value")
    assert labels[FLAGGED] == (456_800.0, "median of right values")
    # the own case has no known value: the prediction to six significant figures, said so
    assert labels[OWN] == (350_000.0, "prediction accepted")
    assert result.manifest["regression_labels"]["known_values"] == "given by the caller"


def test_the_workspaces_training_export_takes_its_known_values_itself(built, tmp_path):
    """export_training_with_names, the workspace's export in Python, left known values out:
    a Correct verdict's label was the prediction where the CLI gave the known value."""
    from model.export_names import export_training_with_names

    ws = model.open_workspace(built["path"], create=False)
    store = feedback_store.open(ws.path, create=False)
    result = export_training_with_names(ws, store, tmp_path / "training.csv", "csv")
    labels = labels_of(pd.read_csv(result.path))
    assert labels[ACCEPTED] == (built["known"], "known value")


# -- the command lines --------------------------------------------------------------------------
@pytest.mark.parametrize("package", ["feedback_store", "model"])
def test_export_training_on_the_command_line_takes_the_workspaces_known_values(
    built, tmp_path, package
):
    out = tmp_path / "training.csv"
    done = run_cli(
        package, "export-training", "--workspace", str(built["path"]), "--format", "csv",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frame = pd.read_csv(out, dtype={"label": float})
    assert labels_of(frame)[ACCEPTED] == (built["known"], "known value")
    assert labels_of(frame)[ACCEPTED][0] != round(built["predicted"])
    manifest = json.loads(out.with_name(out.name + ".manifest.json").read_text())
    assert manifest["regression_labels"]["known_values"] == "given by the caller"
    helped = run_cli(package, "export-training", "--help")
    said = " ".join(helped.stdout.split())
    assert "reviewers called correct is labelled with its known value" in said


# -- the Labels table's words -------------------------------------------------------------------
def test_the_labels_table_says_where_a_regressions_value_came_from(built):
    ws = model.open_workspace(built["path"], create=False)
    store = feedback_store.open(ws.path, create=False)
    resolved = feedback_store.resolve_labels(
        store, known_values=known_values(ws, store), provenance=True
    )
    names = verdict_tables.class_names_of(ws, resolved["sprint"], resolved["prototype"])
    table = verdict_tables.resolved_table(resolved, names).set_index("Row")
    assert table.loc[ACCEPTED, "Why"] == "majority rule: the known value"
    assert table.loc[FLAGGED, "Why"] == "majority rule: the reviewers' value (median of 2)"
    assert table.loc[FLAGGED, "Value"] == "456,800 USD"
    lead = feedback_store.resolve_labels(store, rule="lead", lead="tom", provenance=True)
    words = verdict_tables.resolved_table(lead, names).set_index("Row")["Why"]
    assert words[FLAGGED] == "lead rule: the lead reviewer's value"
    assert words[ACCEPTED] == "lead rule: the prediction, accepted"  # no known values given
    # a classifier's rows (and a table resolved without provenance) keep their words
    plain = verdict_tables.resolved_table(feedback_store.resolve_labels(store), names)
    assert set(plain["Why"]) == {"majority rule"}


# -- the Feedback page --------------------------------------------------------------------------
def test_the_feedback_page_labels_a_correct_verdict_with_the_known_value_and_says_so(
    built, tmp_path, open_app, downloads, deferred_downloads
):
    workspace = copy_workspace(built["path"], tmp_path / "ws")
    at = open_app(workspace, page="feedback")
    at.session_state["feedback_tab"] = "Labels for training"
    at.run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Why" in d.value.columns).set_index("Row")
    known = verdict_tables.named_label(
        repr(built["known"]), {verdict_tables.REGRESSION_UNIT: "USD"}
    )
    assert table.loc[ACCEPTED, "Value"] == known
    assert table.loc[ACCEPTED, "Why"] == "majority rule: the known value"
    button = next(
        b for b in at.get("download_button") if b.proto.label == "Download training rows (Parquet)"
    )
    rows = pd.read_parquet(io.BytesIO(deferred_downloads(button)))
    assert labels_of(rows)[ACCEPTED] == (built["known"], "known value")
    manifest_button = next(
        b for b in at.get("download_button") if b.proto.label == "Download manifest (JSON)"
    )
    manifest = json.loads(downloads(manifest_button))
    assert manifest["regression_labels"]["known_values"] == "given by the caller"
    # the Agreement tab says what the same answer is for a value
    at.session_state["feedback_tab"] = "Agreement"
    at.run()
    said = " ".join(c.value for c in at.caption)
    assert (
        "the same verdict (correct or wrong) is the same answer and the agreement beyond "
        "chance compares verdicts; right values within 10% of each other count as one value."
        in said
    )
