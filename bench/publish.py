"""Section a: ``Workspace.publish`` against shap's fastest exact explainer of the same model,
rows and units; section e: its peak memory.

The models are one-hot pipelines trained on AI4I 2020 (``bench.data.fit_model``):

- the random forest, on AI4I's 6 source features: the bare call is shap's path-dependent
  ``TreeExplainer`` (probability), whose values publishing computes in compiled code,
  by path patterns and in threads, one per worker (``model.threaded_tree_shap``);
- the gradient boosting model of the speed rows (``"wide-gb"``) is trained on
  ``bench.data.widened`` rows, 9 source features: more than
  ``MAX_EXACT_PROBABILITY_FEATURES``, so publishing explains it with shap's interventional
  ``TreeExplainer`` in log-odds (thresholds recoded, every row checked) and the bare call is
  ``TreeExplainer(final, data=background, model_output="raw",
  feature_perturbation="interventional")`` over the same 50 background rows. These rows used
  to compare shap's probability output, which publishing no longer uses because it is not
  the Shapley values of the probability (each background row's log-odds values rescaled).
  Giving the model more features keeps these rows measuring what they measured: publishing's
  own costs around a fast tree explainer, one worker and two;
- the gradient boosting model on the 6 source features (``"gb"``) is what a boosting
  classifier of the demo's own columns gets now: the exact explainer, in probability. Its
  row (smallest size only: the exact explainer costs about 2.5 s per 1,000 rows, shap's about
  9 s) compares the publish with shap's only exact explainer of the probability, ``Exact``
  with an ``Independent`` masker over the same background
  (``bench.explainers.shap_exact_probability``), on the same rows. The exact explainer runs a
  thread per core whatever ``SPRINT_REVIEW_SHAP_JOBS`` says, so that row has no worker count.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

from bench.data import fit_model, resampled_rows, widened
from bench.report import PeakRSS, Row, timed
from model.config import PROJECT_DIR, SHAP_JOBS_ENV_VAR, SHAP_PARALLEL_MIN_ROWS
from model.workspace import open_workspace

__all__ = ["bare_shap", "bench_memory", "bench_publish", "memory_probe", "model_and_rows"]

MODEL_NAMES = {"rf": "RandomForest", "gb": "GradientBoosting (9 features)"}
GOAL_ONE_WORKER = ("<=", 1.25)
GOAL_TWO_WORKERS = ("<=", 0.6)


def model_and_rows(kind: str, n: int, quick: bool, pipeline=None):
    """The fitted pipeline of section a's ``kind`` (``"rf"``, or ``"gb"``: the wide gradient
    boosting model; ``pipeline`` if given) and ``n`` resampled rows as it takes them:
    ``(pipeline, X, y)``."""
    X, y = resampled_rows(n)
    if pipeline is None:
        pipeline = fit_model("wide-gb" if kind == "gb" else kind, quick)
    return pipeline, widened(X) if kind == "gb" else X, y


def _background(pipeline, X):
    """The background rows publishing chooses for ``pipeline`` on ``X``
    (``model.background``: by the model's outputs), so both sides explain over the same rows."""
    from model.background import representative_background
    from model.explain import model_outputs

    return representative_background(X, model_outputs(pipeline, X, "binary"))


def bare_shap(pipeline, X) -> np.ndarray:
    """What publishing is compared with: shap's TreeExplainer on the pipeline's last step and
    the transformed rows, set up as publishing sets it up (path-dependent for forests;
    interventional in log-odds over the same background sample for boosting)."""
    import shap

    prep, final = pipeline[:-1], pipeline[-1]
    Z = np.asarray(prep.transform(X), dtype=float)
    if not isinstance(final, GradientBoostingClassifier):
        explainer = shap.TreeExplainer(final)
    else:
        explainer = shap.TreeExplainer(
            final,
            data=np.asarray(prep.transform(_background(pipeline, X)), dtype=float),
            model_output="raw",
            feature_perturbation="interventional",
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer.shap_values(Z, check_additivity=False)


class _Phases:
    """Times between publishing's progress reports: predict and measure, SHAP, save."""

    #: Phase names, by how publishing's progress messages begin.
    NAMES = {"predicting": "predict", "computing SHAP": "SHAP", "saving": "save"}

    def __init__(self) -> None:
        self.marks: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.marks.append((time.perf_counter(), message))

    def split(self, end: float) -> dict[str, float]:
        """Seconds per phase; a message publishing adds later counts as ``other``."""
        times = [t for t, _ in self.marks] + [end]
        phases: dict[str, float] = {}
        for i, (_, message) in enumerate(self.marks):
            name = next((n for p, n in self.NAMES.items() if message.startswith(p)), "other")
            phases[name] = phases.get(name, 0.0) + times[i + 1] - times[i]
        return phases


def _publish_once(ws, name: str, pipeline, X, y) -> tuple[float, dict, str]:
    phases = _Phases()
    start = time.perf_counter()
    # deck_size=None: SHAP values for every row, as the bare call computes them
    proto = ws.publish("Bench", name, pipeline, X, y, progress=phases, deck_size=None)
    end = time.perf_counter()
    return end - start, phases.split(end), proto.meta["explainer"]


def _with_jobs(jobs: int):
    os.environ[SHAP_JOBS_ENV_VAR] = str(jobs)


def bench_publish(
    sizes: list[int], repeats: int, quick: bool, workdir: Path, log=print
) -> list[Row]:
    """Rows for each model, size and worker count (1 and 2).

    The bare call and the two publishes take turns in each repeat, so that a disturbance
    from outside the run slows all three alike rather than one of them, and the publishes
    swap places from one repeat to the next. ``first run`` in a row's note is its first
    repeat's time.
    """
    import shap  # noqa: F401 - imported here, so that no timed call pays for the import

    rows: list[Row] = []
    previous = os.environ.get(SHAP_JOBS_ENV_VAR)
    try:
        for kind in ("rf", "gb"):
            pipeline = None
            for n in sizes:
                pipeline, X, y = model_and_rows(kind, n, quick, pipeline)
                ws = open_workspace(workdir / f"publish-{kind}-{n}")
                bare_runs: list[float] = []
                runs: dict[int, list[tuple[float, dict, str]]] = {1: [], 2: []}
                for repeat in range(max(1, repeats)):
                    bare_runs.append(timed(lambda p=pipeline, X=X: bare_shap(p, X)))
                    # the publishes take turns coming first after the bare call: at 1,000 rows
                    # the one right after it measured slower (gradient boosting's SHAP 0.11 s
                    # against 0.04 s for the next, medians of 5), and it was always 1 worker's
                    for jobs in list(runs)[:: 1 if repeat % 2 == 0 else -1]:
                        _with_jobs(jobs)
                        runs[jobs].append(_publish_once(ws, f"{kind}-{jobs}", pipeline, X, y))
                bare = statistics.median(bare_runs)
                log(f"  {kind} {n:,} rows: bare shap {bare:.2f} s")
                for jobs, goal in ((1, GOAL_ONE_WORKER), (2, GOAL_TWO_WORKERS)):
                    ordered = sorted(runs[jobs], key=lambda r: r[0])
                    seconds, phases, explainer = ordered[len(ordered) // 2]
                    alongside = jobs > 1 and n >= SHAP_PARALLEL_MIN_ROWS
                    note = (
                        f"{explainer}; predict+latency {phases.get('predict', 0):.2f} s, "
                        f"SHAP {phases.get('SHAP', 0):.2f} s"
                        f"{' (the model serialised alongside)' if alongside else ''}, "
                        f"save {phases.get('save', 0):.2f} s; "
                        f"first run {runs[jobs][0][0]:.2f} s"
                    )
                    log(f"  {kind} {n:,} rows, {jobs} worker(s): publish {seconds:.2f} s")
                    worker = "1 worker" if jobs == 1 else f"{jobs} workers"
                    rows.append(
                        Row(
                            "a publish",
                            f"{MODEL_NAMES[kind]} {n:,} rows, {worker}",
                            seconds,
                            bare,
                            "s",
                            goal,
                            note,
                        )
                    )
        rows.append(_exact_probability_row(sizes[0], repeats, quick, workdir, log))
    finally:
        if previous is None:
            os.environ.pop(SHAP_JOBS_ENV_VAR, None)
        else:
            os.environ[SHAP_JOBS_ENV_VAR] = previous
    return rows


def _exact_probability_row(n: int, repeats: int, quick: bool, workdir: Path, log) -> Row:
    """Publishing the 6-feature gradient boosting model (the exact explainer, probability)
    against shap's ``Exact`` on the same rows."""
    from bench.explainers import shap_exact_probability

    pipeline = fit_model("gb", quick)
    X, y = resampled_rows(n)
    background = _background(pipeline, X)
    ws = open_workspace(workdir / f"publish-gb-exact-{n}")
    _with_jobs(1)  # no worker processes: the exact explainer has its threads
    shap_exact_probability(pipeline, X.iloc[:1], background)  # warm: shap's first call
    bare_runs: list[float] = []
    runs: list[tuple[float, dict, str]] = []
    for _ in range(max(1, repeats)):
        bare_runs.append(timed(lambda: shap_exact_probability(pipeline, X, background)))
        runs.append(_publish_once(ws, "gb-exact", pipeline, X, y))
    bare = statistics.median(bare_runs)
    seconds, phases, explainer = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    log(f"  gb (6 features) {n:,} rows: publish {seconds:.2f} s; shap Exact {bare:.2f} s")
    note = (
        f"{explainer}, probability; predict+latency {phases.get('predict', 0):.2f} s, "
        f"SHAP {phases.get('SHAP', 0):.2f} s (a thread per core), save "
        f"{phases.get('save', 0):.2f} s; first run {runs[0][0]:.2f} s; baseline: shap Exact "
        f"(Independent masker, the same {len(background)} background rows), "
        f"{bare / n:.4f} s a row"
    )
    return Row(
        "a publish",
        f"GradientBoosting (6 features, exact probability) {n:,} rows",
        seconds,
        bare,
        "s",
        GOAL_ONE_WORKER,
        note,
    )


def memory_probe(kind: str, n: int, jobs: int, quick: bool) -> dict:
    """Peak extra memory (this process and its workers) of one publish, and the array sizes.

    Meant to run in a fresh process (``python -m bench.publish``), so that nothing freed
    earlier hides the peak. A publish of 50 rows first imports what publishing imports; the
    workers of a 2-worker publish start within the measured one, so their memory counts.
    """
    pipeline, X, y = model_and_rows(kind, n, quick)
    with tempfile.TemporaryDirectory() as folder:
        ws = open_workspace(Path(folder) / "ws")
        # Imports shap, skops and pyarrow's writer, so that the peak is the publish's own.
        _with_jobs(1)
        ws.publish("Bench", "warm-up", pipeline, X.iloc[:50], y.iloc[:50])
        _with_jobs(jobs)
        with PeakRSS() as rss:
            proto = ws.publish("Bench", kind, pipeline, X, y, deck_size=None)
        classes = len(proto.meta["explained_classes"])
        predictions = proto.predictions()
    arrays = {
        "features (float64)": X.shape[0] * X.shape[1] * 8,
        "SHAP values": X.shape[0] * X.shape[1] * classes * 8,
        "predictions": int(predictions.memory_usage(deep=True).sum()),
    }
    return {"peak_extra": rss.peak - rss.start, "arrays": arrays}


def bench_memory(kinds: list[str], n: int, quick: bool, log=print) -> list[Row]:
    """Rows of peak memory against array size, each publish in a fresh process."""
    rows = []
    for kind in kinds:
        for jobs in (1, 2):
            command = [sys.executable, "-m", "bench.publish", kind, str(n), str(jobs)]
            if quick:
                command.append("--quick")
            done = subprocess.run(
                command, capture_output=True, text=True, check=True, cwd=PROJECT_DIR
            )
            result = json.loads(done.stdout.strip().splitlines()[-1])
            arrays = sum(result["arrays"].values())
            worker = "1 worker" if jobs == 1 else f"{jobs} workers"
            log(f"  {kind} {n:,} rows, {worker}: peak +{result['peak_extra'] / 1e6:.1f} MB")
            rows.append(
                Row(
                    "e memory",
                    f"publish {MODEL_NAMES[kind]} {n:,} rows, {worker}: peak RSS vs arrays",
                    result["peak_extra"] / 1e6,
                    arrays / 1e6,
                    "MB",
                    None,
                    "arrays: features, SHAP values, predictions; peak: RSS above the start, "
                    "this process and its workers",
                )
            )
    return rows


if __name__ == "__main__":
    kind, size, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps(memory_probe(kind, size, jobs, "--quick" in sys.argv)))
