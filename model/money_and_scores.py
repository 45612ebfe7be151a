"""Why a regression's money and its scores can name different winners, in one sentence.

The money prices every unit of error at its price (a unit too high and a unit too low each at
their own), so ten misses of 10 units cost what one miss of 100 does. RMSE and R² square the
errors first: one large miss (an outlier week of 30,000 units) weighs more than many small
ones. On data with a few large misses the cheapest prototype and the best-scoring one differ,
and the Bake-off must say why rather than leave "xgboost costs least" beside "ridge is
significantly better".
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from model.metrics import REGRESSION

__all__ = ["SQUARED_ERROR_METRICS", "money_and_score_differ"]

#: The regression scores that square each error before averaging it.
SQUARED_ERROR_METRICS = frozenset({"rmse", "r2"})


def money_and_score_differ(costs: Sequence, table: pd.DataFrame) -> str | None:
    """The sentence saying why the prototype whose errors cost least is not the one that
    scores best, or None when they are the same one (or it cannot be said).

    ``costs``: ``model.recommend.PrototypeCost`` of each prototype; ``table``:
    ``model.bakeoff.bakeoff_table``, whose ``attrs`` name the score (``metric_key``,
    ``metric_label``, ``higher_is_better``).
    """
    key = table.attrs.get("metric_key")
    if key not in SQUARED_ERROR_METRICS or key not in table.columns:
        return None
    priced = {
        c.name: c.errors.monthly
        for c in costs
        if c.errors is not None and c.errors.task == REGRESSION
    }
    scores = table.set_index("prototype")[key].dropna()
    scores = scores[scores.index.isin(list(priced))]
    if len(scores) < 2:
        return None
    cheapest = min(scores.index, key=lambda name: priced[name])
    best = scores.idxmax() if table.attrs.get("higher_is_better") else scores.idxmin()
    if best == cheapest or priced[best] == priced[cheapest] or scores[best] == scores[cheapest]:
        return None
    label = table.attrs.get("metric_label") or key.upper()
    return (
        "Money counts every unit of error at its price; the scores below weigh large misses "
        f"more ({label}), which is why {best} scores better there while {cheapest}'s errors "
        "cost less."
    )
