"""Verdicts recorded with ``store.record`` and no ``features=`` cannot become training rows:
every export path says in one line how many verdicts were left out, why, and what to do."""

from pathlib import Path

import pytest

import feedback_store
import model
from feedback_store.cli import main as feedback_store_main
from model.cli import main as model_main

ADVICE = "record them through model.review.record_verdict, which fills in the row's published"


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace whose store holds three verdicts without features on two rows (one
    settled, one a tie) and one with features."""
    path = model.open_workspace(tmp_path / "ws").path
    store = feedback_store.open(path)
    bare = {"sprint": "S1", "prototype": "gbm", "task": "binary"}
    shown = {"prediction": {"label": "0", "confidence": 0.7}}
    store.record(**bare, row_id="1", reviewer="ana", verdict="wrong", corrected_label="1")
    store.record(**bare, row_id="2", reviewer="ana", verdict="correct", **shown)
    store.record(**bare, row_id="2", reviewer="bo", verdict="wrong", corrected_label="1")
    store.record(**bare, row_id="3", reviewer="ana", verdict="wrong", corrected_label="1",
                 features={"Torque [Nm]": 40.0})  # fmt: skip
    return path


def test_the_api_counts_every_verdict_without_features_and_says_what_to_do(workspace, tmp_path):
    """It counted resolved rows only ("1 resolved row was left out because no feature values
    were recorded with the verdicts"): the tie's two verdicts went unmentioned, and nothing
    said what to do."""
    store = feedback_store.open(workspace, create=False)
    result = store.export_training(tmp_path / "t.csv", "csv")
    assert result.rows == 1
    (line,) = [w for w in result.warnings if "no feature values" in w]
    assert line == (
        "3 verdicts on 2 rows were left out because no feature values were recorded with "
        "them (store.record with no features=); " + ADVICE + " features"
    )


def test_one_verdict_without_features_is_said_in_the_singular():
    assert feedback_store.training.without_features_warning(1, 1).startswith(
        "1 verdict was left out because no feature values were recorded with it"
    )
    assert "record it through model.review.record_verdict" in (
        feedback_store.training.without_features_warning(1, 1)
    )
    assert feedback_store.training.without_features_warning(4, 4).startswith(
        "4 verdicts were left out because no feature values were recorded with them"
    )


def test_the_feedback_store_cli_says_the_count_and_what_to_do(workspace, tmp_path, capsys):
    out = tmp_path / "t.csv"
    code = feedback_store_main(
        ["export-training", "--workspace", str(workspace), "--format", "csv", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0 and f"{out}\t1 rows" in printed
    (line,) = [w for w in printed.splitlines() if "feature values" in w]
    assert line.startswith("warning: 3 verdicts on 2 rows were left out") and ADVICE in line


def test_the_model_cli_says_the_count_and_what_to_do(workspace, tmp_path, capsys):
    out = tmp_path / "t.parquet"
    code = model_main(
        ["export-training", "--workspace", str(workspace), "--format", "parquet",
         "--out", str(out)]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0 and f"{out}\t1 rows" in printed
    (line,) = [w for w in printed.splitlines() if "feature values" in w]
    assert line.startswith("warning: 3 verdicts on 2 rows were left out") and ADVICE in line
