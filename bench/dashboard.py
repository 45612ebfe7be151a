"""explainerdashboard 0.5.8 against publishing: time to the first explained prediction.

explainerdashboard pins ``numpy<2.4``, so it is installed in its own virtual environment
(see requirements-bench.txt) and timed in a subprocess run by that environment's Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.data import fit_model, resampled_rows
from bench.report import Row
from model.config import PROJECT_DIR
from model.workspace import open_workspace

__all__ = ["DASHBOARD_PYTHON_ENV_VAR", "bench_dashboard", "dashboard_python", "time_dashboard"]

DASHBOARD_PYTHON_ENV_VAR = "BENCH_DASHBOARD_PYTHON"
#: At least 3× faster than explainerdashboard: ours / theirs at most a third.
GOAL = ("<=", round(1 / 3, 2))


def dashboard_python(given: str | None = None) -> str | None:
    """The Python that has explainerdashboard: ``given``, ``$BENCH_DASHBOARD_PYTHON``, or
    this one if it can import it; None when there is none."""
    for candidate in (given, os.environ.get(DASHBOARD_PYTHON_ENV_VAR), sys.executable):
        if not candidate:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import explainerdashboard"], capture_output=True, cwd=PROJECT_DIR
        )
        if probe.returncode == 0:
            return candidate
    return None


def time_dashboard(n: int, quick: bool, full_dashboard: bool) -> dict:
    """In the explainerdashboard environment: seconds to ``ClassifierExplainer`` plus the
    first row's contributions, and (``full_dashboard``) to build ``ExplainerDashboard``."""
    from explainerdashboard import ClassifierExplainer, ExplainerDashboard

    pipeline = fit_model("rf", quick)
    X, y = resampled_rows(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        explainer = ClassifierExplainer(pipeline, X, y)
        explainer.get_contrib_df(0)
        first = time.perf_counter() - start
        dashboard = None
        if full_dashboard:
            start = time.perf_counter()
            ExplainerDashboard(explainer)
            dashboard = time.perf_counter() - start
    return {"first": first, "dashboard": dashboard}


def _time_ours(n: int, quick: bool) -> float:
    pipeline = fit_model("rf", quick)
    X, y = resampled_rows(n)
    with tempfile.TemporaryDirectory() as folder:
        ws = open_workspace(Path(folder) / "ws")
        start = time.perf_counter()
        ws.publish("Bench", "rf", pipeline, X, y)
        ws.explain("Bench", "rf", X.index[0])
        return time.perf_counter() - start


def bench_dashboard(n: int, quick: bool, python: str | None, log=print) -> list[Row]:
    """Rows for the first explained prediction and a dashboard for every row."""
    ours = _time_ours(n, quick)
    name = f"first explained prediction, RandomForest {n:,} rows"
    found = dashboard_python(python)
    if found is None:
        note = (
            "skipped: explainerdashboard is not installed; give --dashboard-python or "
            f"${DASHBOARD_PYTHON_ENV_VAR} (see requirements-bench.txt)"
        )
        log(f"  {note}")
        return [Row("f dashboard", name, ours, None, "s", None, note)]
    command = [found, "-m", "bench.dashboard", str(n)] + (["--quick"] if quick else [])
    if not quick:
        command.append("--full-dashboard")
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT_DIR, check=True)
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"  dashboard {n:,} rows: ours {ours:.2f} s, explainerdashboard {theirs['first']:.2f} s")
    rows = []
    if theirs["dashboard"] is not None:
        rows.append(
            Row(
                "f dashboard",
                name,
                ours,
                theirs["first"] + theirs["dashboard"],
                "s",
                GOAL,
                "the issue's baseline: theirs is ClassifierExplainer, its first row's "
                "contributions and ExplainerDashboard(explainer) built, as its docs show, before "
                "anyone sees an explained prediction; ours: publish (every row explained, "
                "metrics, all saved) + explain one row",
            )
        )
    rows.append(
        Row(
            "f dashboard",
            f"{name}, without building their dashboard",
            ours,
            theirs["first"],
            "s",
            None,
            "theirs: ClassifierExplainer + get_contrib_df(0) only (its SHAP values, nothing "
            "to browse, nothing saved); ours as above",
        )
    )
    return rows


if __name__ == "__main__":
    result = time_dashboard(int(sys.argv[1]), "--quick" in sys.argv, "--full-dashboard" in sys.argv)
    print(json.dumps(result))
