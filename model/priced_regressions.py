"""Several regressions of one sprint priced at a price for a unit predicted too high and one
for a unit predicted too low (``model.regression_prices``), on the bootstrap of
``model.threshold.error_costs``.

Each row's cost in money is handed to error_costs as an error of that many units at a price
of 1, so the resamples, intervals and pairing are the ones every other cost of errors gets.
With one price for both, error_costs prices the rows itself and the figures are its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.costs import CostAssumptions
from model.regression_prices import is_one_price, pricing_words, regression_row_costs
from model.threshold import ErrorCost, error_costs

__all__ = ["price_regressions"]


def price_regressions(
    predictions: Mapping[str, pd.DataFrame],
    truth,
    assumptions: CostAssumptions,
    **options,
) -> dict[str, ErrorCost]:
    """:func:`model.threshold.error_costs` of regressions' ``predictions`` against ``truth``
    at the assumptions' over and under prices; ``options`` as it takes them (``n_resamples``,
    ``seed``, ``confidence``). With one price for both the figures are error_costs' own."""
    a = assumptions
    if is_one_price(a):
        one = dataclasses.replace(
            a, cost_per_unit_error=a.over_price, over_prediction_cost=None,
            under_prediction_cost=None,
        )  # fmt: skip
        return error_costs(predictions, "regression", one, truth=truth, **options)
    actual = np.asarray(truth, dtype=float)
    as_units = {}
    for name, frame in predictions.items():
        priced = frame.copy()
        priced["predicted"] = actual + regression_row_costs(a, frame["predicted"], actual)
        as_units[name] = priced
    unit = dataclasses.replace(
        a, cost_per_unit_error=1.0, over_prediction_cost=None, under_prediction_cost=None
    )
    priced_costs = error_costs(as_units, "regression", unit, truth=actual, **options)
    out = {}
    for name, cost in priced_costs.items():
        words = pricing_words(a, predictions[name]["predicted"], actual)
        # error_costs' formula is "<how a case is priced> = <per case>; × cases = <a month>".
        rest = cost.formula[cost.formula.index(" = ") :]
        out[name] = dataclasses.replace(cost, formula=words + rest)
    return out
