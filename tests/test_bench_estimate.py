"""Section i of the benchmark runs end to end on a few rows and reports every figure (no timing
is asserted: the machine decides those)."""

from __future__ import annotations

import numpy as np

from bench.estimate import bench_estimate, bench_text, shap_permutation_values
from bench.report import format_table


def test_a_quick_estimate_section_reports_three_rows_per_model():
    messages: list[str] = []
    rows = bench_estimate(6, 3, quick=True, log=messages.append)
    assert len(rows) == 6
    names = [row.name for row in rows]
    assert sum("vs shap Permutation at equal accuracy" in name for name in names) == 2
    assert sum("one row on its own" in name for name in names) == 2
    for row in rows:
        assert row.ours > 0 and row.baseline > 0 and row.ratio > 0
        assert row.goal is None  # a smoke run judges nothing
    table = format_table(rows)
    assert all(name in table for name in names)
    assert any("shap, 4 permutations" in message for message in messages)


def test_shaps_permutation_values_are_additive():
    rng = np.random.default_rng(0)
    rows, background = rng.normal(size=(3, 14)), rng.normal(size=(10, 14))

    def predict(array):
        return np.tanh(array[:, :1] * array[:, 1:2] + array.sum(axis=1, keepdims=True))

    values = shap_permutation_values(predict, rows, background, 2, seed=0)
    base = predict(background).mean()
    np.testing.assert_allclose(base + values.sum(axis=1), predict(rows)[:, 0], atol=1e-9)


def test_a_quick_text_section_reports_its_speed_and_top_word_agreement():
    messages: list[str] = []
    rows = bench_text(4, 2, quick=True, log=messages.append)
    assert [row.unit for row in rows] == ["s", "s", "%"]
    assert "vs the model on every coalition" in rows[0].name
    assert rows[0].ours > 0 and rows[0].baseline > 0
    assert 0 <= rows[2].ours <= 100 and rows[2].baseline == 95
    assert all(row.goal is None for row in rows)  # a smoke run judges nothing
    assert any("top word agrees" in message for message in messages)
    assert all(row.name in format_table(rows) for row in rows)
