"""Charts that present no more than they know (issue 12): the importance chart's last bar is
how far the features without a bar move a row together, not the sum of their bars; a
waterfall of estimated values draws the steps within the stated error in grey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor

import model
from model.explanation import IMPORTANCE_BARS, others_importance
from ui import explanations
from ui.explanations import KIND_DOWN, KIND_UP, KIND_WITHIN_ERROR, WITHIN_ERROR_COLOR

FEATURES = [f"f{i:02d}" for i in range(14)]


def test_the_other_features_move_a_row_by_the_mean_of_their_summed_values():
    # two rows on which the small features cancel: each moves a row by 0.1, together by 0
    values = np.zeros((2, 12, 1))
    values[:, :9, 0] = 1.0
    values[0, 9:, 0] = [0.1, -0.1, 0.0]
    values[1, 9:, 0] = [-0.1, 0.0, 0.1]
    importance = {f"f{m}": float(np.abs(values[:, m, 0]).mean()) for m in range(12)}
    others = others_importance(values, list(importance), [1.0, 1.0], importance)
    assert others["features"] == ["f9", "f10", "f11"]
    assert others["importance"] == pytest.approx(0.0)  # not 0.2, the sum of their means


def test_publishing_stores_the_combined_effect_and_the_chart_draws_it(tmp_path):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(160, len(FEATURES))), columns=FEATURES)
    y = 3 * X["f00"] + 2 * X["f01"] + X.iloc[:, 2:].sum(axis=1) * 0.5 + rng.normal(size=160)
    forest = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    proto = model.open_workspace(tmp_path).publish("S1", "rf", forest, X.iloc[:80], y.iloc[:80])
    shap_values = proto.shap_values()
    ranked = shap_values.abs().mean().sort_values(ascending=False, kind="stable")
    rest = list(ranked.index[IMPORTANCE_BARS - 1 :])
    together = shap_values[rest].sum(axis=1).abs().mean()
    stored = proto.meta["other_features_importance"]
    assert sorted(stored["features"]) == sorted(rest)
    assert stored["importance"] == pytest.approx(together, rel=1e-9)

    data = explanations.global_importance_data(proto.meta)
    assert data["feature"].iloc[-1] == f"{len(rest)} other features together"
    assert data["importance"].iloc[-1] == pytest.approx(together, rel=1e-9)
    assert data["importance"].iloc[-1] < ranked[rest].sum()
    assert "not drawn" not in explanations.importance_caption(proto.meta)


def test_a_prototype_published_without_the_figure_draws_no_summed_bar():
    importance = {name: 1.0 - i / 20 for i, name in enumerate(FEATURES)}
    meta = {"task": "regression", "unit": "value", "global_importance": importance}
    data = explanations.global_importance_data(meta)
    assert len(data) == IMPORTANCE_BARS - 1
    assert not data["feature"].str.contains("other features").any()
    assert "The other 5 features are not drawn" in explanations.importance_caption(meta)


ESTIMATED = {
    "base_value": 0.10,
    "output": 0.14,
    "unit": "probability",
    "explainer": "estimate (sampled permutations)",
    "estimate_error": 0.01,
    "contributions": {
        "notes": 0.03,
        "contract": -0.019,
        "autopay": 0.008,
        "charge": -0.005,
        "tenure": 0.016,
    },  # fmt: skip
    "feature_values": {},
}
META = {"task": "binary", "unit": "probability", "classes": ["0", "1"], "positive_class": "1"}


def test_estimated_steps_within_the_error_are_grey_exact_ones_keep_their_colour():
    data = explanations.waterfall_data(ESTIMATED, meta=META)
    # notes +3%, contract -1.9%, tenure +1.6% beyond the ± 1% error; autopay +0.8%, charge -0.5%
    # within it, so grey whichever their sign
    steps = data["kind"].tolist()[1:-1]
    assert steps == [KIND_UP, KIND_DOWN, KIND_UP, KIND_WITHIN_ERROR, KIND_WITHIN_ERROR]
    spec = explanations.waterfall_spec(ESTIMATED, META)
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True))[KIND_WITHIN_ERROR] == (
        WITHIN_ERROR_COLOR
    )
    assert explanations.waterfall_caption(ESTIMATED, META).endswith(
        "Grey: smaller than the estimate's error, direction not known."
    )

    # exact values: the same small steps keep their colours, and the caption says nothing
    exact = {**ESTIMATED, "explainer": "tree (path-dependent)", "estimate_error": None}
    assert KIND_WITHIN_ERROR not in set(explanations.waterfall_data(exact, meta=META)["kind"])
    assert "Grey" not in explanations.waterfall_caption(exact, META)
