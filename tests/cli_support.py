"""Run ``python -m model`` or ``python -m feedback_store`` as a real process, without paying for
its imports every time.

Each call is a process of its own, forked from a server process (multiprocessing's
``forkserver``) that has imported the project and pandas, scikit-learn, shap and skops once.
The child runs the package's ``__main__`` with the arguments given, its stdout and stderr going
to files, and exits with the CLI's own code; nothing in it is shared back with the test. What
this saves is the 3-4 s of imports a fresh ``python -m`` spends, more than the work itself for
most CLI tests. Tests that need a fresh interpreter (an environment read at import time, a
library hidden from the import system, a mount namespace) still call ``subprocess.run``.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Mapping
from pathlib import Path

#: Imported once in the server, so every forked CLI starts with them loaded.
PRELOAD = [
    "pandas",
    "pyarrow.parquet",
    "sklearn.ensemble",
    "sklearn.pipeline",
    "shap",
    "skops.io",
    "model",
    "model.cli",
    "model.publishing",
    "model.demo",
    "feedback_store",
    "feedback_store.cli",
]

_context: multiprocessing.context.ForkServerContext | None = None


def _forkserver() -> multiprocessing.context.ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _main(
    package: str,
    args: list[str],
    out: str,
    err: str,
    cwd: str | None,
    env: dict | None,
    script: bool = False,
):
    """The child: stdout and stderr to files, then ``python -m package args`` (or, with
    ``script``, ``python package args`` for a script's path) as run by Python."""
    for fd, path in ((1, out), (2, err)):
        target = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    if cwd is not None:
        os.chdir(cwd)
    sys.argv = [package, *args]
    code = 0
    try:
        if script:
            runpy.run_path(package, run_name="__main__")
        else:
            runpy.run_module(package, run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # what Python does with an uncaught exception: traceback, exit 1
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_cli(
    package: str,
    *args: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python -m package *args`` in a forked process; the result as ``subprocess.run`` gives
    it with ``capture_output=True, text=True``."""
    return _run(package, list(args), cwd, env, timeout, script=False)


def run_script(
    script: str | Path,
    *args: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python script *args`` in a forked process, as ``run_cli`` runs a package."""
    return _run(str(script), list(args), cwd, env, timeout, script=True)


def publish_and_explain(folder: Path, estimator, X_demo, y_demo, name: str, row) -> tuple:
    """Save ``estimator`` with skops and the demo rows (index as ``id``, truth as ``failed``)
    as a CSV in ``folder``, publish them to sprint "S1" of ``folder / "ws"`` with ``python -m
    model publish`` and explain ``row`` with ``python -m model explain``, both asserted to
    exit 0: ``(the publish's stdout, the row's explanation as a dict)``."""
    import json

    import skops.io as sio

    sio.dump(estimator, folder / f"{name}.skops")
    demo = X_demo.assign(failed=y_demo).rename_axis("id").reset_index()
    demo.to_csv(folder / "demo.csv", index=False)
    common = ["--workspace", str(folder / "ws"), "--sprint", "S1"]
    published = run_cli(
        "model", "publish", *common, "--name", name, "--model", str(folder / f"{name}.skops"),
        "--data", str(folder / "demo.csv"), "--target", "failed", "--id-column", "id",
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    explained = run_cli("model", "explain", *common, "--prototype", name, "--row", str(row))
    assert explained.returncode == 0, explained.stderr
    return published.stdout, json.loads(explained.stdout)


def _run(target, args, cwd, env, timeout, script) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="cli-") as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch()
        err.touch()
        child = _forkserver().Process(
            target=_main,
            args=(target, args, str(out), str(err), cwd and str(cwd), env and dict(env), script),
        )
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired([target, *args], timeout)
        return subprocess.CompletedProcess(
            [sys.executable, *([] if script else ["-m"]), target, *args],
            child.exitcode,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )
