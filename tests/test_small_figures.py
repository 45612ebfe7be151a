"""Small metric values and differences read as numbers, not "4.2e-06" or "0.00".

An earlier review: a log loss of two good models differed by a few millionths; the sentence
wrote "4.2e-06" and the cost chart's axis labelled every tick of 0.004 … 0.006 "0.00".
"""

from __future__ import annotations

import pandas as pd
import pytest

from model.metrics import three_figures
from ui import bakeoff_charts


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (4.2e-06, True, "+0.0000042"),
        (-4.23456e-05, False, "-0.0000423"),
        (0.000123456, False, "0.000123"),
        (0.0457, False, "0.0457"),
        (12.34, True, "+12.3"),
        (24567, False, "24,600"),
        (0.0, False, "0"),
    ],
)
def test_three_figures_writes_small_values_in_positional_notation(value, signed, text):
    assert three_figures(value, signed) == text


def test_the_cost_charts_metric_axis_keeps_three_significant_figures():
    comparison = pd.DataFrame(
        {
            "prototype": ["a", "b"],
            "mvp": [True, False],
            "log_loss": [0.0042, 0.0057],
            "latency_ms_per_1000_p50": [3.0, 9.0],
            "latency_ms_per_1000_p95": [4.0, 11.0],
            "model_size_bytes": [1000, 5000],
        }
    )
    spec = bakeoff_charts.cost_scatter(comparison, "log_loss").to_dict()
    points = spec["layer"][0]
    assert points["encoding"]["y"]["axis"]["format"] == ",.3~g"
