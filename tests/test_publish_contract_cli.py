"""``python -m model publish`` with a hand-written model (pickled, with --trust-pickle): one
that follows the estimator contract publishes; one missing a method is one line, exit 2."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_publish_contract import NUMERIC, ScoreClassifier, WithoutProba

import model
from model.demo import TARGET, load_demo_data

TESTS_DIR = Path(__file__).parent


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The hand-written models of test_publish_contract, pickled, and a demo CSV."""
    folder = tmp_path_factory.mktemp("contract")
    data = load_demo_data().sample(150, random_state=4)
    X, y = data[NUMERIC], data[TARGET]
    for estimator in (ScoreClassifier(), WithoutProba()):
        fitted = estimator.fit(X, y)
        (folder / f"{type(estimator).__name__}.pkl").write_bytes(pickle.dumps(fitted))
    data[[*NUMERIC, TARGET]].rename_axis("UDI").reset_index().to_csv(
        folder / "demo.csv", index=False
    )
    return folder


def run_model(*arguments: str) -> subprocess.CompletedProcess:
    project = str(Path(model.__file__).parent.parent)
    # The subprocess unpickles the models: it imports the test module that defines them.
    path = os.pathsep.join([project, str(TESTS_DIR), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "model", *arguments],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip


def run_publish(
    files: Path, workspace: Path, model_name: str, *options: str
) -> subprocess.CompletedProcess:
    return run_model(
        "publish", "--workspace", str(workspace), "--sprint", "S1", "--name", "hand",
        "--model", str(files / f"{model_name}.pkl"), "--trust-pickle",
        "--data", str(files / "demo.csv"), "--target", TARGET, "--id-column", "UDI", *options,
    )  # fmt: skip


def test_a_hand_written_classifier_publishes_through_the_cli(tmp_path, files):
    result = run_publish(files, tmp_path / "ws", "ScoreClassifier")
    assert result.returncode == 0, result.stderr
    proto = model.open_workspace(tmp_path / "ws").prototype("S1", "hand")
    assert proto.task == "binary" and proto.meta["estimator"] == "ScoreClassifier"


def test_a_missing_method_is_one_line_and_exit_2(tmp_path, files):
    result = run_publish(files, tmp_path / "ws", "WithoutProba")
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        "error: a classifier needs predict_proba and classes_; WithoutProba has no "
        "predict_proba method (publish with task='regression' if it predicts numbers)\n"
    )
    assert not (tmp_path / "ws" / "sprints" / "S1" / "prototypes" / "hand").exists()


def test_a_hand_written_model_has_every_row_explained_and_the_cli_explains_any(tmp_path, files):
    # Its file cannot be loaded back, so a 30-row deck becomes all 150 rows, and says why.
    result = run_publish(files, tmp_path / "ws", "ScoreClassifier", "--deck-size", "30")
    assert result.returncode == 0, result.stderr
    assert (
        "SHAP values were computed for all 150 rows when publishing. Every row was explained "
        "now because the model cannot be loaded back to explain a row later: its class "
        "ScoreClassifier is not one the app may load from a file (a file from outside must not "
        "run code)."
    ) in result.stdout
    proto = model.open_workspace(tmp_path / "ws").prototype("S1", "hand")
    row_id = str(proto.predictions().index[-1])
    explained = run_model(
        "explain", "--workspace", str(tmp_path / "ws"), "--sprint", "S1", "--prototype", "hand",
        "--row", row_id,
    )  # fmt: skip
    assert explained.returncode == 0, explained.stderr
    values = json.loads(explained.stdout)
    total = values["base_value"] + sum(values["contributions"].values())
    assert total == pytest.approx(proto.prediction(row_id)["p:1"], abs=1e-6)
    assert values["precomputed"] is True


def test_a_row_beyond_the_rows_explained_is_one_line_and_exit_2(tmp_path, files, monkeypatch):
    # Published with a cap of 60 rows, so 90 of the 150 rows have no stored explanation and
    # the model, a hand-written class, may not be loaded to explain them.
    from model import deck

    monkeypatch.setattr(deck, "UNLOADABLE_DECK_ROWS", 60)
    fitted = pickle.loads((files / "ScoreClassifier.pkl").read_bytes())
    data = pd.read_csv(files / "demo.csv", index_col="UDI")
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S1", "hand", fitted, data[NUMERIC], data[TARGET], deck_size=30)
    beyond = str(proto.precomputed().index[~proto.precomputed().to_numpy()][0])
    result = run_model(
        "explain", "--workspace", str(tmp_path / "ws"), "--sprint", "S1", "--prototype", "hand",
        "--row", beyond,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"error: row {beyond!r} is not among the 60 of 150 rows explained when publishing, and "
        "hand's model cannot be loaded back to explain it: its class ScoreClassifier is not one"
    )
    assert result.stderr.count("\n") == 1 and result.stdout == ""
