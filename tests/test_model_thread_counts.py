"""Thread counts stored in a model from a file are lowered to the cores there are when it is
loaded: predicting with a hostile one starts no flood of threads and does not crash, and an
honest model from a bigger machine still loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from model.persistence import dumps, load_model_file, loads
from model.thread_limits import THREAD_PARAMETERS, usable_cores

ROOT = Path(__file__).resolve().parent.parent
CORES = usable_cores()
HOSTILE = 100_000


def _rows(n: int = 200) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    return X, pd.Series((X["a"] > 0).astype(int), name="y")


def _lgbm(**params):
    import lightgbm

    return lightgbm.LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1, **params)


def _xgb(**params):
    import xgboost

    return xgboost.XGBClassifier(n_estimators=5, max_depth=2, **params)


def _catboost_with(count: int):
    """A fitted CatBoost model whose stored thread_count is ``count`` (trained on one thread:
    a fitted CatBoost refuses set_params, so the count is written as a file would hold it)."""
    import catboost

    X, y = _rows()
    fitted = catboost.CatBoostClassifier(iterations=5, depth=2, thread_count=1, verbose=0)
    fitted.fit(X, y)
    fitted._init_params["thread_count"] = count
    return fitted


def _fitted_with(make, count: int):
    """``make()`` fitted on one thread, then given ``count`` in every thread parameter it has,
    as a file from a machine with ``count`` cores (or a hostile one) would hold it."""
    return _with_count(make().fit(*_rows()), count)


def _with_count(estimator, count: int):
    """``estimator`` with ``count`` in every thread parameter it has, its fitted copies' too."""
    for part in [estimator, *getattr(estimator, "estimators_", [])]:
        for key, value in part.get_params(deep=True).items():
            if key.rsplit("__", 1)[-1] in THREAD_PARAMETERS and value is not None:
                part.set_params(**{key: count})
    return estimator


def _counts(estimator) -> list:
    """Every thread count in ``estimator``'s parameters, deep, and its fitted copies'."""
    found = []
    parts = [estimator, *getattr(estimator, "estimators_", [])]
    for part in parts:
        params = part.get_params(deep=True)
        found += [
            value for key, value in params.items() if key.rsplit("__", 1)[-1] in THREAD_PARAMETERS
        ]
    return found


MODELS = {
    "random forest": lambda: RandomForestClassifier(n_estimators=10, max_depth=2, n_jobs=1),
    "k-NN": lambda: KNeighborsClassifier(algorithm="kd_tree", n_jobs=1),
    "XGBoost": lambda: _xgb(n_jobs=1),
    "LightGBM": lambda: _lgbm(n_jobs=1),
    "pipeline of LightGBM": lambda: make_pipeline(StandardScaler(), _lgbm(n_jobs=1)),
    "voting of k-NN and LightGBM": lambda: VotingClassifier(
        [("knn", KNeighborsClassifier(n_jobs=1)), ("lgbm", _lgbm(n_jobs=1))],
        voting="soft",
        n_jobs=1,
    ),
}


@pytest.mark.parametrize("name", MODELS)
def test_a_hostile_thread_count_is_lowered_to_the_cores_and_predictions_stay(name):
    X, _ = _rows()
    estimator = _fitted_with(MODELS[name], 1)
    expected = estimator.predict_proba(X)
    loaded = loads(dumps(_with_count(estimator, HOSTILE)))
    counts = _counts(loaded)
    assert counts and all(count <= CORES for count in counts), counts
    np.testing.assert_allclose(loaded.predict_proba(X), expected)


def test_xgboost_is_told_the_lowered_count_too():
    loaded = loads(dumps(_fitted_with(lambda: _xgb(n_jobs=1), HOSTILE)))
    config = json.loads(loaded.get_booster().save_config())
    assert int(config["learner"]["generic_param"]["nthread"]) <= CORES


def test_a_catboost_models_stored_thread_count_is_lowered():
    loaded = loads(dumps(_catboost_with(HOSTILE)))
    assert loaded.get_params()["thread_count"] <= CORES
    assert loaded.predict_proba(_rows()[0]).shape == (200, 2)


def test_a_lightgbm_boosters_own_parameters_are_lowered():
    estimator = _fitted_with(lambda: _lgbm(n_jobs=1), HOSTILE)
    estimator.booster_.params["num_threads"] = HOSTILE
    loaded = loads(dumps(estimator))
    assert loaded.booster_.params["num_threads"] <= CORES


def test_only_counts_over_the_cores_are_lowered():
    X, y = _rows()
    counts = [None, -1, 1, 64]  # the machine's default, all cores, one, a bigger machine's
    members = [
        (f"m{i}", RandomForestClassifier(n_estimators=3, n_jobs=n)) for i, n in enumerate(counts)
    ]
    loaded = loads(dumps(VotingClassifier(members, voting="soft").fit(X, y)))
    kept = [None, -1, 1, min(64, CORES)]
    assert [member.n_jobs for member in loaded.estimators_] == kept
    assert [member.n_jobs for _, member in loaded.estimators] == kept


def test_a_model_from_a_64_core_machine_loads_with_the_cores_there_are(tmp_path):
    path = tmp_path / "forest.skops"
    path.write_bytes(dumps(_fitted_with(MODELS["random forest"], 64)))
    loaded = load_model_file(path)
    assert loaded.n_jobs == min(64, CORES)
    assert loaded.predict(_rows()[0]).shape == (200,)


# -- what a hostile count does when the model predicts: in a process of its own ---------------
#: Loads the skops file argv[1] with the project's loader in 3 GB of address space (so a flood
#: of threads fails there, not on the machine), predicts three times while another thread reads
#: the process's thread count, and prints how many threads were added at most.
PREDICT = textwrap.dedent(
    """
    import json, resource, sys, threading, time
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    import numpy as np
    from model.persistence import load_model_file

    def threads():
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))

    model = load_model_file(sys.argv[1])
    X = np.random.default_rng(0).normal(size=(int(sys.argv[2]), 3))
    before, peak, done = threads(), [0], threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], threads())
            time.sleep(0.001)

    threading.Thread(target=watch, daemon=True).start()
    for _ in range(3):
        model.predict_proba(X)
    done.set()
    print(json.dumps({"added": max(peak[0], threads()) - before - 1}))
    """
)


@pytest.mark.parametrize("name", ["LightGBM", "random forest", "k-NN"])
def test_predicting_with_a_hostile_count_starts_no_flood_of_threads(name, tmp_path):
    """Before: LightGBM crashed (SIGSEGV) and the forest and k-NN started a thread per tree
    or row until the address space ran out."""
    many = 8 * CORES + 40  # trees for the forest, rows to predict: threads it could start
    make = MODELS[name]
    if name == "random forest":
        make = lambda: RandomForestClassifier(n_estimators=many, max_depth=2, n_jobs=1)  # noqa: E731
    path = tmp_path / "model.skops"
    path.write_bytes(dumps(_fitted_with(make, HOSTILE)))
    done = subprocess.run(
        [sys.executable, "-c", PREDICT, str(path), str(many)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert json.loads(done.stdout.splitlines()[-1])["added"] <= 2 * CORES + 4
