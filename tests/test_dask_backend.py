"""Tree SHAP values on a Dask cluster (the optional extra in requirements-dask.txt).

Publishing hands its row chunks to whatever joblib backend is active, so
``joblib.parallel_config(backend="dask")`` sends them to a Dask cluster. Here the cluster is
Dask's LocalCluster with two worker processes: the values must equal the in-process ones, and
the scheduler's task stream must show the chunks computed on the cluster's workers.
"""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

import model
from model import explain, tree_shap
from model.config import SHAP_JOBS_ENV_VAR
from model.demo import FEATURES, TARGET, load_demo_data

distributed = pytest.importorskip("distributed")

CHUNK_TASK = "_shap_chunk"  # joblib names a Dask task after the function it runs


@pytest.fixture(scope="module")
def dask_client():
    """A Client on a LocalCluster of two single-threaded worker processes."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def forest_and_rows():
    """A one-hot forest pipeline and 600 real AI4I rows to explain."""
    data = load_demo_data().sample(1_000, random_state=0)
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("num", "passthrough", FEATURES[1:]),
        ]
    )
    forest = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0)
    pipeline = Pipeline([("prep", prep), ("model", forest)]).fit(data[FEATURES], data[TARGET])
    rows = data.iloc[:600]
    return pipeline, rows[FEATURES], rows[TARGET]


@pytest.fixture
def parallel_always(monkeypatch):
    """Thresholds low enough that 600 rows go to the workers."""
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)


def chunks_run_on_the_cluster(stream, client) -> list[str]:
    """The workers that computed SHAP chunks, one entry per chunk, from the task stream."""
    workers = set(client.scheduler_info()["workers"])
    ran = [task["worker"] for task in stream.data if CHUNK_TASK in str(task["key"])]
    assert set(ran) <= workers, (ran, workers)
    return ran


def test_explanations_on_a_dask_cluster_equal_those_in_process(
    dask_client, forest_and_rows, parallel_always
):
    pipeline, X, _ = forest_and_rows
    background = X.iloc[:50]
    here = explain.explain_estimator(pipeline, X, background, "binary", 2, n_jobs=1)
    with (
        distributed.get_task_stream(dask_client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        there = explain.explain_estimator(pipeline, X, background, "binary", 2, n_jobs=-1)
    assert there.explainer == here.explainer == "tree (path-dependent)"
    np.testing.assert_array_equal(there.values, here.values)
    assert there.max_additivity_error <= 1e-6
    # -1 is every worker thread of the cluster: two chunks, each computed by a worker
    assert len(chunks_run_on_the_cluster(stream, dask_client)) == 2


def test_a_publish_on_a_dask_cluster_stores_the_in_process_values(
    dask_client, forest_and_rows, parallel_always, monkeypatch, tmp_path
):
    pipeline, X, y = forest_and_rows
    ws = model.open_workspace(tmp_path)
    monkeypatch.setenv(SHAP_JOBS_ENV_VAR, "1")
    here = ws.publish("S1", "in-process", pipeline, X, y)
    monkeypatch.setenv(SHAP_JOBS_ENV_VAR, "2")
    with (
        distributed.get_task_stream(dask_client) as stream,
        joblib.parallel_config(backend="dask"),
    ):
        there = ws.publish("S1", "on-dask", pipeline, X, y)
    pd.testing.assert_frame_equal(there.shap_values(), here.shap_values())
    assert there.meta["max_additivity_error"] <= 1e-6
    assert len(chunks_run_on_the_cluster(stream, dask_client)) == 2
