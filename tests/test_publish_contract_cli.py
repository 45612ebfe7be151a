"""``python -m model publish`` with a hand-written model (pickled, with --trust-pickle): one
that follows the estimator contract publishes; one missing a method is one line, exit 2."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import model
from model.demo import FEATURES, TARGET, load_demo_data

NUMERIC = FEATURES[1:]

VENDOR = textwrap.dedent(
    """
    import numpy as np


    class ScoreClassifier:
        def fit(self, X, y):
            values = np.asarray(X, dtype=float)
            self.mean_, self.scale_ = values.mean(axis=0), values.std(axis=0) + 1e-9
            self.classes_ = np.unique(np.asarray(y))
            return self

        def predict_proba(self, X):
            score = ((np.asarray(X, dtype=float) - self.mean_) / self.scale_).sum(axis=1) / 3
            positive = 1 / (1 + np.exp(-score))
            return np.column_stack([1 - positive, positive])

        def predict(self, X):
            return self.classes_[self.predict_proba(X).argmax(axis=1)]


    class WithoutProba:
        def fit(self, X, y):
            self.classes_ = np.unique(np.asarray(y))
            return self

        def predict(self, X):
            return np.zeros(len(X), dtype=int)
    """
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract")
    (folder / "vendor_contract.py").write_text(VENDOR)
    sys.path.insert(0, str(folder))
    try:
        import vendor_contract
    finally:
        sys.path.remove(str(folder))
    data = load_demo_data().sample(150, random_state=4)
    X, y = data[NUMERIC], data[TARGET]
    for name in ("ScoreClassifier", "WithoutProba"):
        fitted = getattr(vendor_contract, name)().fit(X, y)
        (folder / f"{name}.pkl").write_bytes(pickle.dumps(fitted))
    data[[*NUMERIC, TARGET]].rename_axis("UDI").reset_index().to_csv(
        folder / "demo.csv", index=False
    )
    return folder


def run_publish(files: Path, workspace: Path, model_name: str) -> subprocess.CompletedProcess:
    project = str(Path(model.__file__).parent.parent)
    path = os.pathsep.join([project, str(files), os.environ.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "model", "publish", "--workspace", str(workspace),
         "--sprint", "S1", "--name", "hand", "--model", str(files / f"{model_name}.pkl"),
         "--trust-pickle", "--data", str(files / "demo.csv"), "--target", TARGET,
         "--id-column", "UDI"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": path},
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
