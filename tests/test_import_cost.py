"""The pages only read what publishing stored, so opening them must not import the libraries
that publishing and explaining need: scikit-learn alone takes about a second to import, skops
0.7 s more, shap and scipy more again, and on a server that has just started that time is a
spinner in front of the first person who opens the app."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import model

PROJECT = Path(__file__).resolve().parents[1]
#: Imported only to publish, load a model, explain a row on demand or build an Altair chart
#: (the report, the disputes chart; the pages draw specs written as dicts, see ui.vega).
HEAVY = ("sklearn", "scipy", "skops", "shap", "numba", "pytest", "dask", "altair")

PAGE_RUNS = textwrap.dedent(
    """
    import json, os, sys
    from unittest import mock
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):  # pages through app.py's st.navigation, as the tests do
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    HEAVY = {heavy!r}
    imported = {{}}
    with mock.patch.object(PagesManager, "__init__", init):
        at = AppTest.from_file("app.py", default_timeout=120)
        at.session_state["reviewer"] = "ana"
        at.run()
        imported["overview"] = [name for name in HEAVY if name in sys.modules]
        for page in ("sprint_demo", "bake_off", "sme_review", "feedback"):
            at.switch_page(f"pages/{{page}}.py").run()
            assert not at.exception, (page, [e.message for e in at.exception])
            imported[page] = [name for name in HEAVY if name in sys.modules]
        from ui import cached_bakeoff

        cached_bakeoff._WARM_UP_POOL.submit(lambda: None).result()  # the Overview's warm-up, done
        imported["warm-up"] = [name for name in HEAVY if name in sys.modules]
    print(json.dumps(imported))
    """
)


def _run(code: str, workspace: Path | None = None) -> str:
    env = {"PYTHONPATH": str(PROJECT), "PATH": "/usr/bin:/bin"}
    if workspace is not None:
        env["SPRINT_REVIEW_WORKSPACE"] = str(workspace)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_apps_modules_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from model import access, bakeoff, config, costs, followup, review, stats, workspace\n"
        "from ui import bakeoff_charts, bakeoff_tables, cached, charts, explanations\n"
        "from ui import followup_table, formatting, predictions_table, report\n"
        "from ui import review_card, sprint_summary, vega, verdict_tables\n"
        "from ui.sections import bakeoff_costs, bakeoff_decision, bakeoff_disagreements\n"
        "from ui.sections import bakeoff_figures, bakeoff_models, bakeoff_segments\n"
        "from ui.sections import feedback_agreement, feedback_disputes, feedback_labels\n"
        "from ui.sections import followup, overview, review_own_case, review_queue\n"
        "from ui.sections import sprint_demo\n"
        "import feedback_store, model\n"
        f"print([name for name in {HEAVY!r} if name in sys.modules])\n"
    )
    assert _run(code) == "[]"


def test_opening_every_page_imports_no_heavy_library(small_workspace, tmp_path):
    """Every page opened in a new process on a published workspace, and the Overview's
    background warm-up finished: none of them imported what only publishing needs."""
    imported = json.loads(_run(PAGE_RUNS.format(heavy=HEAVY), small_workspace))
    assert imported == {
        page: []
        for page in ("overview", "sprint_demo", "bake_off", "sme_review", "feedback", "warm-up")
    }


def test_the_package_still_offers_its_names_on_first_use():
    code = (
        "import sys, model\n"
        "before = 'sklearn' in sys.modules\n"
        "names = [model.open_workspace.__name__, model.demo.__name__,\n"
        "         model.PhysicsFeatures.__name__, model.ExplanationError.__name__]\n"
        "print(before, names, 'sklearn' in sys.modules)\n"
    )
    assert _run(code) == (
        "False ['open_workspace', 'model.demo', 'PhysicsFeatures', 'ExplanationError'] True"
    )
    assert set(model.__all__) <= set(dir(model))
    for name in model.__all__:
        assert getattr(model, name) is not None


def test_the_command_lines_list_imports_no_heavy_library(small_workspace):
    """`python -m model list` imported scikit-learn and scipy for publishing's sake: 3.4 s of
    its 5 s on a year's workspace, to print a table of what was published."""
    code = (
        "import sys, contextlib, io\n"
        "from model.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['list', '--workspace', {str(small_workspace)!r}])\n"
        f"print(code, [name for name in {HEAVY!r} if name in sys.modules])\n"
    )
    assert _run(code) == "0 []"
