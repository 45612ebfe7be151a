"""Class labels and probability columns live below publishing and statistics, not in either."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import model.publishing
import model.stats
from model.labels import PROBABILITY_PREFIX, label_strings

MODEL_DIR = Path(model.publishing.__file__).parent


def imported_model_modules(path: Path) -> set[str]:
    """Every ``model.*`` module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("model"):
            if node.module == "model":
                found.update(f"model.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("model."))
    return found


def test_statistics_do_not_import_publishing():
    for name in ("stats", "bootstrap", "resampled_metrics", "paired_tests"):
        assert "model.publishing" not in imported_model_modules(MODEL_DIR / f"{name}.py"), name


def test_labels_import_no_other_model_module():
    assert imported_model_modules(MODEL_DIR / "labels.py") == set()


def test_publishing_still_exports_the_label_helpers_under_their_old_names():
    assert model.publishing.label_strings is label_strings
    assert model.publishing.PROBABILITY_PREFIX == PROBABILITY_PREFIX == "p:"
    assert model.stats.label_strings is label_strings


def test_label_strings_reads_whole_floats_and_booleans_as_integers():
    assert list(label_strings(np.array([1.0, 0.0]))) == ["1", "0"]
    assert list(label_strings(np.array([True, False]))) == ["1", "0"]
    assert list(label_strings(np.array([0.5]))) == ["0.5"]
    assert list(label_strings(["a", "b"])) == ["a", "b"]
