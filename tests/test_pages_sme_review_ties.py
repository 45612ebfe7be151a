"""An estimated explanation whose first two reasons are within its stated error: the SME card's
"Why" does not call either the main one, and says that which matters more is not known.

The model reads the same measurement twice (two identical columns): by symmetry their exact
Shapley values are equal on every row, so their estimates differ by noise only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import open_link
from sklearn.linear_model import LogisticRegression
from test_pages_sme_review import plain

import model
from model.estimate import ESTIMATE_EXPLAINER
from ui import explanations

SPRINT, NAME = "S1", "duplicated reading"
TIE = "Which of the first two matters more is not known"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(120, 13)), columns=[f"reading {i}" for i in range(13)])
    X["reading 1"] = X["reading 0"]  # the same measurement, twice
    X.index = [f"m{i}" for i in range(len(X))]
    y = (X["reading 0"] + 0.3 * X["reading 2"] + rng.normal(0, 0.5, len(X)) > 0).astype(int)
    path = tmp_path_factory.mktemp("ties") / "ws"
    model.open_workspace(path).publish(
        SPRINT, NAME, LogisticRegression().fit(X, y), X, y, deck_size=None
    )
    return path


@pytest.fixture(scope="module")
def tied_row(published) -> tuple[str, dict, float]:
    """A row whose two largest contributions are the duplicated readings, its explanation and
    the stated error."""
    ws = model.open_workspace(published)
    proto = ws.prototype(SPRINT, NAME)
    for row_id in proto.predictions().index.astype(str):
        explanation = ws.explain(SPRINT, NAME, row_id)
        sizes = pd.Series(explanation["contributions"]).abs().sort_values(ascending=False)
        if set(sizes.index[:2]) == {"reading 0", "reading 1"} and sizes.iloc[1] > 0.05:
            return row_id, explanation, explanations.estimate_error(proto.meta, explanation)
    raise AssertionError("no row has the duplicated readings on top")


def test_the_duplicated_readings_are_estimated_within_the_stated_error(tied_row):
    _, explanation, error = tied_row
    assert explanation["explainer"] == ESTIMATE_EXPLAINER
    assert 0 < error <= 0.02
    first, second = (explanation["contributions"][f"reading {i}"] for i in (0, 1))
    assert abs(abs(first) - abs(second)) <= 2 * error


def test_the_card_names_no_main_reason_and_says_the_order_is_not_known(
    published, tied_row, monkeypatch
):
    row_id, _, error = tied_row
    at = open_link(monkeypatch, published, "sme_review", sprint=SPRINT, reviewer="zoe", row=row_id)
    assert not at.exception, at.exception[0].message
    why = next(plain(m.value) for m in at.markdown if plain(m.value).startswith("- The chance of"))
    reasons = [line.removeprefix("- ") for line in why.splitlines()]
    assert "reading 0" in reasons[0] or "reading 1" in reasons[0]
    assert not any("mainly" in reason for reason in reasons)
    assert reasons[-1] == (
        f"{TIE}: they are within the error of these estimated values (± {100 * error:.1f}% each)."
    )
