"""A regression's target may be given its unit through ``display_units``, like a feature."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

import model
from model.right_values import target_unit
from ui import sprint_summary


def _prices(n: int = 120):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"area": rng.uniform(500, 3000, n)}, index=[f"h{i}" for i in range(n)])
    y = pd.Series(X["area"] * 170 + 60_000 + rng.normal(0, 9_000, n), name="SalePrice")
    return X, y


def test_a_regression_target_named_without_brackets_takes_its_unit_from_display_units(tmp_path):
    """``display_units={"SalePrice": "USD"}`` was refused ("not a feature column"), so a
    target named without "[USD]" had no unit on any page."""
    X, y = _prices()
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S1", "ridge", Ridge().fit(X, y), X, y, display_units={"SalePrice": "USD"})
    assert proto.meta["display_units"]["SalePrice"] == {"unit": "USD"}
    assert target_unit(proto.meta) == "USD"
    sentences = " ".join(sprint_summary.outcome_summary(proto, "houses").sentences)
    assert " USD" in sentences


def test_a_classifiers_target_still_takes_no_display_unit(tmp_path):
    X, y = _prices()
    label = (y > y.median()).astype(int).rename("Expensive")
    ws = model.open_workspace(tmp_path / "ws")
    with pytest.raises(model.PublishError, match="'Expensive' is not a feature column"):
        ws.publish("S1", "logit", LogisticRegression().fit(X, label), X, label,
                   display_units={"Expensive": "USD"})  # fmt: skip
