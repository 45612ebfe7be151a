"""``python -m bench --quick --sections explainers`` runs and prints one row per boosting
library and case, each against shap's exact explainer in the same units, and two rows of
scikit-learn's histogram boosting on a category column (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.ensembles import XGBOOST_KINDS
from bench.explainers import CASES, HIST_GRADIENT_CASES, LIBRARIES

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[str, list[dict]]:
    out = tmp_path_factory.mktemp("bench") / "explainers.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--sections", "explainers", "--json", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out.read_text())["rows"]


def test_every_library_and_case_has_a_row_in_the_printed_table(quick_run):
    stdout, rows = quick_run
    expected = [f"{lib} {case.split(',')[0]}, 300 rows" for lib in LIBRARIES for case in CASES]
    expected += [
        f"sklearn histogram {case.split(',')[0]}, 300 rows" for case in HIST_GRADIENT_CASES
    ]
    expected += ["sklearn classic multiclass, 300 rows (a row)"]
    expected += ["sklearn forest behind feature selection, 300 rows"]
    expected += ["sklearn soft vote of two forests, 300 rows"]
    expected += [f"xgboost {kind}, 300 rows" for kind in XGBOOST_KINDS]
    expected += ["sklearn forest grown to full depth, 300 rows"]
    assert [row["name"] for row in rows] == expected
    assert all(row["section"] == "h explainers" and row["name"] in stdout for row in rows)


def test_each_row_compares_in_the_cases_unit_with_a_ratio_and_a_result(quick_run):
    _, rows = quick_run
    cases = CASES * len(LIBRARIES) + HIST_GRADIENT_CASES + ("classic multiclass, log-odds",)
    cases += ("forest behind feature selection, probability",)
    cases += ("soft vote, probability",)
    cases += ("xgboost kind, log-odds",) * len(XGBOOST_KINDS)
    cases += ("deep forest, probability",)
    for row, case in zip(rows, cases, strict=True):
        if row["note"].startswith("skipped"):  # the library is not installed
            assert row["ours"] is None and row["result"] == "-"
            continue
        assert row["note"].startswith(f"unit {case.split(', ')[1]};")
        assert row["ratio"] is not None and row["ratio"] > 0
        assert row["goal"] == ["<=", 1.25]
        assert row["result"] == "met" or row["result"].startswith("missed by")


def test_every_row_adds_up_within_1e6_in_its_unit(quick_run):
    # XGBoost's log-odds and values included: the float64 sum of its trees is explained
    _, rows = quick_run
    for row in rows:
        if row["note"].startswith("skipped"):
            continue
        error = float(row["note"].split("largest additivity error ", 1)[1].split(";")[0])
        assert error <= 1e-6, row["name"]


def test_each_case_takes_the_explainer_it_is_meant_to_measure(quick_run):
    # 6 source features: the exact explainer in probability; 9: the tree path in log-odds
    from model.config import INTERVENTIONAL_TREE, NATIVE_TREE, PATH_DEPENDENT_TREE
    from model.explanation import EXACT

    _, rows = quick_run
    expected = {
        "numeric": EXACT,
        "wide numeric": INTERVENTIONAL_TREE,
        "native categorical": NATIVE_TREE,
        "regression": PATH_DEPENDENT_TREE,
    }
    for row in rows[: len(CASES) * len(LIBRARIES)]:
        if row["note"].startswith("skipped"):
            continue
        case = row["name"].split(" ", 1)[1].rsplit(",", 1)[0]
        assert row["note"].split("; ")[1] == f"{expected[case]}: 300 rows", row["name"]


def test_the_probability_baseline_is_shaps_exact_explainer_with_our_values(quick_run):
    # on the same 300 rows; its values are ours on the first 10
    _, rows = quick_run
    probability = [r for r in rows if " numeric," in r["name"] and "wide" not in r["name"]]
    for row in probability:
        if row["note"].startswith("skipped"):
            continue
        assert (
            "baseline: shap Exact (Independent masker, the same 50 background rows)"
            in (row["note"])
        )
        assert row["note"].endswith("of ours on the first 10 rows")
        gap = float(row["note"].split("its values within ", 1)[1].split()[0])
        assert gap <= 1e-9, row["name"]


def test_histogram_boosting_on_a_category_is_exact_where_shaps_reading_is_not(quick_run):
    # ours: shap's tree explainer on the trees as model.hist_gradient_trees reads them, within
    # 1e-6 of shap Exact; shap's own reading of the model ignores its splits on the type
    from model.config import INTERVENTIONAL_TREE, INTERVENTIONAL_VALUE_TREE

    _, rows = quick_run
    tree_rows = rows[len(CASES) * len(LIBRARIES) : -6]
    explainers = [INTERVENTIONAL_TREE, INTERVENTIONAL_VALUE_TREE]
    for row, explainer in zip(tree_rows, explainers, strict=True):
        assert row["note"].split("; ")[1] == f"{explainer}: 300 rows", row["name"]
        gap = float(row["note"].split("within ", 1)[1].split()[0])
        assert gap <= 1e-6, row["name"]
        assert row["note"].endswith("of ours on the first 3 rows")
    # the classifier splits on the type even with the quick run's ten trees
    misread = tree_rows[0]["note"].split("numeric splits only: up to ", 1)[1].split()[0]
    assert float(misread) > 1e-3


def test_classic_gradient_boosting_of_three_classes_is_exact_against_shaps_exact(quick_run):
    # shap's tree explainer refuses the model: ours reads its trees; shap Exact is the baseline
    from model.config import INTERVENTIONAL_TREE

    _, rows = quick_run
    row = rows[-6]
    assert row["note"].split("; ")[1] == f"{INTERVENTIONAL_TREE}: 300 rows"
    gap = float(row["note"].split("its values within ", 1)[1].split()[0])
    assert gap <= 1e-6 and row["note"].endswith("of ours")
    assert "timed on the first 3 rows" in row["note"]


#: The rows compared with shap's values summed by source: from the end of the table, the
#: explainer each must take and how close to shap's (XGBoost's own are float32).
SUMMED_BY_SOURCE = {
    # the selector, the imputer's "is missing" column and the one-hot type map back to their
    # sources: the forest's own tree values, which shap's on the columns it sees sum to
    "sklearn forest behind feature selection": (-5, "PATH_DEPENDENT_TREE", 1e-9),
    # the weighted sum of the forest's and the extra trees' path-dependent values, which
    # shap's on each member, weighted and summed by source, equal
    "sklearn soft vote of two forests": (-4, "PATH_DEPENDENT_TREE", 1e-9),
    # shap's interventional explainer refuses the one and misreads the other: ours reads
    # their trees in float64, shap's path-dependent values are XGBoost's own in float32
    "xgboost random forest": (-3, "NATIVE_TREE", 1e-4),
    "xgboost dart": (-2, "NATIVE_TREE", 1e-4),
    # scikit-learn's default forest, no depth limit: shap's values by its compiled algorithm
    "sklearn forest grown to full depth": (-1, "PATH_DEPENDENT_TREE", 1e-9),
}


@pytest.mark.parametrize("name", SUMMED_BY_SOURCE)
def test_rows_against_shap_summed_by_source_take_their_tree_values(quick_run, name):
    from model import config

    position, explainer, tolerance = SUMMED_BY_SOURCE[name]
    _, rows = quick_run
    row = rows[position]
    assert row["name"] == f"{name}, 300 rows"
    if row["note"].startswith("skipped"):  # XGBoost is not installed
        assert name.startswith("xgboost")
        return
    assert row["note"].split("; ")[1] == f"{getattr(config, explainer)}: 300 rows"
    gap = float(row["note"].split("summed by source within ", 1)[1].split()[0])
    assert gap <= tolerance
