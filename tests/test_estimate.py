"""The sampled Shapley estimator: the quantity exact_shapley computes, seeded, additive, each
row on its own, and within its stated error of a reference on models of more than 12 features."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from model.estimate import (
    DEFAULT_MAX_PERMUTATIONS,
    LAYER_MAX_PERMUTATIONS,
    Estimate,
    estimate_shapley,
    target_error_for,
)
from model.explain import exact_shapley


def interacting(array: np.ndarray) -> np.ndarray:
    """A model with interactions of every order, in probability units."""
    logit = array @ np.linspace(-1.5, 1.5, array.shape[1]) + array[:, 0] * array[:, 1]
    return 1 / (1 + np.exp(-logit))


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 8)), rng.normal(size=(20, 8))


def test_estimates_match_exact_shapley_within_their_stated_error(small):
    rows, background = small
    exact, base = exact_shapley(interacting, rows, background)
    estimate = estimate_shapley(interacting, rows, background, seed=0, target_error=0.01)
    assert estimate.all_converged and estimate.stated_error <= 0.01
    np.testing.assert_allclose(estimate.base_values, base, atol=1e-12)
    assert np.all(np.abs(estimate.values - exact) <= estimate.stated_error)


def test_values_are_additive_on_every_row(small):
    rows, background = small
    estimate = estimate_shapley(interacting, rows, background, seed=3, target_error=0.02)
    total = estimate.base_values + estimate.values.sum(axis=1)
    np.testing.assert_allclose(total, interacting(rows)[:, None], atol=1e-12)


def test_the_same_seed_gives_the_same_values_and_another_seed_other_values(small):
    rows, background = small
    first = estimate_shapley(interacting, rows, background, seed=1, target_error=0.02)
    again = estimate_shapley(interacting, rows, background, seed=1, target_error=0.02)
    other = estimate_shapley(interacting, rows, background, seed=2, target_error=0.02)
    np.testing.assert_array_equal(first.values, again.values)
    assert not np.array_equal(first.values, other.values)


def test_a_row_gets_the_same_values_alone_as_in_a_deck(small):
    rows, background = small
    deck = estimate_shapley(interacting, rows, background, seed=5, target_error=0.01)
    alone = estimate_shapley(interacting, rows[7:8], background, seed=5, target_error=0.01)
    np.testing.assert_allclose(alone.values[0], deck.values[7], atol=1e-12)
    assert alone.permutations[0] == deck.permutations[7]


def test_an_additive_model_is_exact_after_the_first_rounds(small):
    rows, background = small
    weights = np.arange(1.0, 9.0)
    estimate = estimate_shapley(lambda a: a @ weights, rows, background, seed=0, target_error=1e-6)
    expected = (rows - background.mean(axis=0)) * weights
    np.testing.assert_allclose(estimate.values[:, :, 0], expected, atol=1e-9)
    assert estimate.stated_error == 0 and estimate.all_converged
    assert set(estimate.permutations) == {2 * len(background)}


def test_a_budget_too_small_for_the_target_says_so(small):
    rows, background = small
    estimate = estimate_shapley(
        interacting, rows, background, seed=0, target_error=1e-4, max_permutations=40
    )
    assert not estimate.all_converged
    assert estimate.stated_error > 1e-4
    np.testing.assert_array_less(1e-4, estimate.row_errors)


@pytest.mark.parametrize(
    ("rows", "background", "target", "message"),
    [
        (np.zeros((2, 3)), np.zeros((4, 2)), 0.01, "same number of columns"),
        (np.zeros((2, 3)), np.zeros((0, 3)), 0.01, "background sample is empty"),
        (np.zeros((2, 3)), np.zeros((4, 3)), 0.0, "target_error must be positive"),
    ],
)
def test_bad_input_is_one_clear_error(rows, background, target, message):
    with pytest.raises(ValueError, match=message):
        estimate_shapley(interacting, rows, background, seed=0, target_error=target)


def test_the_target_is_a_hundredth_in_probability_or_of_the_regression_range():
    assert target_error_for("binary", np.array([0.2, 0.9])) == 0.01
    assert target_error_for("regression", np.array([100.0, 300.0, 250.0])) == pytest.approx(2.0)


def test_an_estimate_reports_its_errors_per_contribution(small):
    rows, background = small
    estimate = estimate_shapley(interacting, rows, background, seed=0, target_error=0.02)
    assert isinstance(estimate, Estimate)
    assert estimate.errors.shape == estimate.values.shape == (12, 8, 1)
    assert estimate.stated_error == estimate.errors.max() <= 0.02


# ---------------------------------------------------------------------------------------------
# Accuracy on models of more than 12 features, against a high-budget reference

ROWS = 20


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True, as_frame=True)


def _friedman():
    import pandas as pd
    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=600, n_features=20, noise=0.0, random_state=0)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(20)]), y


def _logistic():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _breast_cancer()
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y), X, "binary"


def _mlp_classifier():
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _breast_cancer()
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=400, random_state=0)
    return make_pipeline(StandardScaler(), mlp).fit(X, y), X, "binary"


def _mlp_regressor():
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _friedman()
    mlp = MLPRegressor(hidden_layer_sizes=(16,), max_iter=800, random_state=0)
    return make_pipeline(StandardScaler(), mlp).fit(X, y), X, "regression"


@pytest.mark.parametrize("make", [_logistic, _mlp_classifier, _mlp_regressor])
def test_estimates_of_wide_models_agree_with_a_high_budget_reference(make):
    import pandas as pd

    from model.estimate import first_layer
    from model.explain import FrameCodec, model_outputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the small MLPs
        model, X, task = make()
    background = X.sample(50, random_state=0)
    codec = FrameCodec(pd.concat([X, background]))

    def predict(array):
        return model_outputs(model, codec.decode(array), task)

    rows, bg = codec.encode(X.iloc[:ROWS]), codec.encode(background)
    assert rows.shape[1] > 12
    target = target_error_for(task, model_outputs(model, X, task))
    layer = first_layer(model, codec.decode, task)
    estimate = estimate_shapley(predict, rows, bg, seed=0, target_error=target, layer=layer)
    reference = estimate_shapley(
        predict, rows, bg, seed=1, target_error=target / 2.5, max_permutations=100_000, layer=layer
    )
    assert estimate.all_converged and reference.all_converged
    assert np.max(np.abs(estimate.values - reference.values)) <= target
    top = np.abs(estimate.values).argmax(axis=1) == np.abs(reference.values).argmax(axis=1)
    assert top.mean() >= 0.95


def _small_pipeline():
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(size=(80, 5)), columns=list("abcde"))
    frame["kind"] = rng.choice(["x", "y", "z"], size=80)
    target = (frame["a"] + frame["b"] * (frame["kind"] == "x") > 0).astype(int)
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(), ["kind"]), ("num", StandardScaler(), list("abcde"))]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(frame, target), frame


def test_the_first_layer_gives_the_values_calling_the_model_gives():
    from model.estimate import first_layer
    from model.explain import FrameCodec, model_outputs

    model, frame = _small_pipeline()
    codec = FrameCodec(frame)

    def predict(array):
        return model_outputs(model, codec.decode(array), "binary")

    rows, bg = codec.encode(frame.iloc[:10]), codec.encode(frame.iloc[40:60])
    layer = first_layer(model, codec.decode, "binary")
    assert layer is not None
    fast = estimate_shapley(predict, rows, bg, seed=2, target_error=0.01, layer=layer)
    slow = estimate_shapley(predict, rows, bg, seed=2, target_error=0.01)
    np.testing.assert_allclose(fast.values, slow.values, atol=1e-12)
    np.testing.assert_array_equal(fast.permutations, slow.permutations)


def test_a_layer_that_does_not_reproduce_the_model_is_not_used(small):
    from model.estimate import FirstLayer

    rows, background = small
    wrong = FirstLayer(embed=lambda a: a[:, :, None], head=lambda sums: 0.5 + 0 * sums)
    ours = estimate_shapley(interacting, rows, background, seed=0, target_error=0.02, layer=wrong)
    plain = estimate_shapley(interacting, rows, background, seed=0, target_error=0.02)
    np.testing.assert_array_equal(ours.values, plain.values)


def test_sampling_goes_on_until_the_top_feature_is_told_apart(small):
    rows, background = small
    loose = estimate_shapley(
        interacting, rows, background, seed=0, target_error=0.05, resolve_top=False
    )
    resolved = estimate_shapley(interacting, rows, background, seed=0, target_error=0.05)
    budget = resolved.permutations.max()
    assert np.all(resolved.top_resolved | (resolved.permutations == budget))
    assert resolved.top_resolved.sum() > loose.top_resolved.sum()


def test_the_paired_test_tells_the_top_feature_apart_with_fewer_orderings(small, monkeypatch):
    import model.estimate_top as estimate_top

    rows, background = small
    paired = estimate_shapley(interacting, rows, background, seed=0, target_error=0.05)
    # Without it, only the half-widths tell the top two apart (their sum below the gap).
    monkeypatch.setattr(estimate_top, "TOP_LEVEL", 1 - 1e-15)
    strict = estimate_shapley(interacting, rows, background, seed=0, target_error=0.05)
    assert np.all(paired.permutations <= strict.permutations)
    assert np.any(paired.permutations < strict.permutations)
    assert paired.top_resolved.sum() >= strict.top_resolved.sum()
    exact, _ = exact_shapley(interacting, rows, background)
    top = np.abs(paired.values).argmax(axis=1) == np.abs(exact).argmax(axis=1)
    assert np.all(top[paired.top_resolved])


def _small_mlp(n_rows: int, background: int, random_state: int):
    """``(predict, rows, background, first layer, task)`` of the small breast cancer MLP."""
    import pandas as pd

    from model.estimate import first_layer
    from model.explain import FrameCodec, model_outputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model, X, task = _mlp_classifier()
    sample = X.sample(background, random_state=random_state)
    codec = FrameCodec(pd.concat([X, sample]))

    def predict(array):
        return model_outputs(model, codec.decode(array), task)

    rows, bg = codec.encode(X.iloc[:n_rows]), codec.encode(sample)
    return predict, rows, bg, first_layer(model, codec.decode, task), task


def test_an_mlps_float32_pass_is_within_the_rounding_it_adds_to_the_errors():
    from model.estimate import FirstLayer

    predict, rows, bg, layer, task = _small_mlp(6, background=30, random_state=0)
    assert layer is not None and layer.exact_head is not None
    sums = layer.embed(rows).sum(axis=1)
    gap = np.abs(layer.head(sums) - layer.exact_head(sums)).max()
    assert 0 < gap < 1e-5  # float32 rounding: not zero, far below the target
    fast = estimate_shapley(predict, rows, bg, seed=4, target_error=0.02, layer=layer)
    exact = FirstLayer(embed=layer.embed, head=layer.exact_head)
    slow = estimate_shapley(predict, rows, bg, seed=4, target_error=0.02, layer=exact)
    np.testing.assert_array_equal(fast.permutations, slow.permutations)
    # The rounding measured is added to every half-width, and covers the difference.
    added = fast.errors - slow.errors
    assert np.all(added > 0) and np.all(added < 1e-4)
    assert np.all(np.abs(fast.values - slow.values) <= added)
    again = estimate_shapley(predict, rows, bg, seed=4, target_error=0.02, layer=layer)
    np.testing.assert_array_equal(fast.values, again.values)
    total = fast.base_values + fast.values.sum(axis=1)
    np.testing.assert_allclose(total, predict(rows), atol=1e-12)


def test_coalitions_of_column_wise_preprocessing_are_selected_columns_with_the_same_values():
    from model.estimate import FirstLayer, first_layer
    from model.estimate_coalitions import column_owners
    from model.explain import FrameCodec

    predict, rows, bg, layer, _ = _small_mlp(5, background=20, random_state=1)
    owners = column_owners(layer.embed(rows), layer.embed(bg))
    np.testing.assert_array_equal(owners, np.arange(rows.shape[1]))  # a scaler: column j is j's
    in_float64 = FirstLayer(embed=layer.embed, head=layer.exact_head)
    same = {"seed": 6, "target_error": 0.03, "max_permutations": DEFAULT_MAX_PERMUTATIONS}
    ours = estimate_shapley(predict, rows, bg, **same, layer=in_float64)
    plain = estimate_shapley(predict, rows, bg, **same)
    np.testing.assert_allclose(ours.values, plain.values, atol=1e-12)
    np.testing.assert_array_equal(ours.permutations, plain.permutations)
    # A logistic regression's logit mixes every feature in one column: running sums instead.
    logistic, X, _ = _logistic()
    layer = first_layer(logistic, FrameCodec(X).decode, "binary")
    encoded = FrameCodec(X).encode(X.iloc[:5])
    assert column_owners(layer.embed(encoded), layer.embed(encoded)) is None


def test_a_row_alone_gets_the_values_it_got_in_a_deck_through_the_float32_pass():
    predict, rows, bg, layer, _ = _small_mlp(8, background=30, random_state=0)
    deck = estimate_shapley(predict, rows, bg, seed=4, target_error=0.02, layer=layer)
    for r in (0, 5):
        alone = estimate_shapley(
            predict, rows[r : r + 1], bg, seed=4, target_error=0.02, layer=layer
        )
        assert alone.permutations[0] == deck.permutations[r]
        # float32 products may round differently in other blocks: far below the error stated
        np.testing.assert_allclose(alone.values[0], deck.values[r], atol=1e-9)
        np.testing.assert_allclose(alone.errors[0], deck.errors[r], atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Telling near-ties apart with orderings of the top few features only


def near_tie(array: np.ndarray) -> np.ndarray:
    """Ten features, the first two with the same weight (and an interaction)."""
    weights = np.linspace(0.1, 0.4, array.shape[1] - 2)
    logit = array[:, 0] + array[:, 1] + array[:, 2:] @ weights + 0.3 * array[:, 0] * array[:, 2]
    return 1 / (1 + np.exp(-logit))


@pytest.fixture(scope="module")
def ties():
    """Rows whose top two features are close, their exact values, and the background."""
    rng = np.random.default_rng(7)
    rows, background = rng.normal(size=(8, 10)), rng.normal(size=(20, 10))
    rows[:, 0] = 1.5 + 0.3 * rng.random(8)
    rows[:, 1] = rows[:, 0] + rng.normal(scale=0.2, size=8)
    exact, _ = exact_shapley(near_tie, rows, background)
    return rows, background, exact


def _counting(model):
    calls = {"rows": 0}

    def predict(array):
        calls["rows"] += len(array)
        return model(array)

    return predict, calls


def test_refined_rows_stay_additive_and_seeded(ties):
    rows, background, _ = ties
    first = estimate_shapley(near_tie, rows, background, seed=1, target_error=0.02)
    assert np.any(first.refined_permutations > 0)  # some rows were refined
    assert np.all(first.refined_permutations < first.permutations)
    total = first.base_values + first.values.sum(axis=1)
    np.testing.assert_allclose(total, near_tie(rows)[:, None], atol=1e-12)
    again = estimate_shapley(near_tie, rows, background, seed=1, target_error=0.02)
    np.testing.assert_array_equal(first.values, again.values)
    np.testing.assert_array_equal(first.errors, again.errors)
    np.testing.assert_array_equal(first.refined_permutations, again.refined_permutations)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_refined_values_are_within_their_errors_of_exact_values(ties, seed):
    rows, background, exact = ties
    estimate = estimate_shapley(near_tie, rows, background, seed=seed, target_error=0.02)
    refined = estimate.refined_permutations > 0
    assert refined.any() and estimate.all_converged
    gap = np.abs(estimate.values - exact)
    assert np.all(gap <= estimate.stated_error)
    assert np.all(
        gap[refined].reshape(refined.sum(), -1).max(axis=1) <= estimate.row_errors[refined]
    )
    # Where the top feature is told apart, it is the exact top feature.
    top = np.abs(estimate.values).argmax(axis=1) == np.abs(exact).argmax(axis=1)
    assert estimate.top_resolved.any()
    assert np.all(top[estimate.top_resolved])


def test_a_refined_row_gets_the_same_values_alone_as_in_a_deck(ties):
    rows, background, _ = ties
    deck = estimate_shapley(near_tie, rows, background, seed=0, target_error=0.02)
    for r in np.flatnonzero(deck.refined_permutations > 0):
        alone = estimate_shapley(near_tie, rows[r : r + 1], background, seed=0, target_error=0.02)
        np.testing.assert_array_equal(alone.values[0], deck.values[r])
        np.testing.assert_array_equal(alone.errors[0], deck.errors[r])
        assert alone.permutations[0] == deck.permutations[r]
        assert alone.refined_permutations[0] == deck.refined_permutations[r] > 0


@pytest.mark.parametrize("seed", [0, 3])
def test_refining_the_top_few_takes_fewer_evaluations_than_full_rounds(ties, seed, monkeypatch):
    import model.estimate_top as estimate_top

    rows, background, exact = ties
    predict, calls = _counting(near_tie)
    refined = estimate_shapley(predict, rows, background, seed=seed, target_error=0.02)
    refined_calls = calls["rows"]
    monkeypatch.setattr(estimate_top, "MOST_REFINED", 0)  # full rounds only
    calls["rows"] = 0
    full = estimate_shapley(predict, rows, background, seed=seed, target_error=0.02)
    assert not np.any(full.refined_permutations)
    assert refined.top_resolved.sum() >= full.top_resolved.sum()
    assert refined_calls < 0.85 * calls["rows"]
    # Rows told apart on full rounds only are told apart with the same answer.
    both = refined.top_resolved & full.top_resolved
    np.testing.assert_array_equal(
        np.abs(refined.values[both]).argmax(axis=1), np.abs(full.values[both]).argmax(axis=1)
    )


@pytest.mark.parametrize("owned_columns", [True, False])
def test_refined_coalitions_from_the_first_layer_match_calling_the_model(owned_columns):
    """Both ways of evaluating a refined row's few coalitions from a first layer (selected
    columns of a scaler before an MLP; running sums of a logistic regression's logit) give
    what calling the model gives."""
    from model.estimate import FirstLayer, first_layer
    from model.explain import FrameCodec, model_outputs

    if owned_columns:
        predict, rows, bg, layer, _ = _small_mlp(10, background=20, random_state=1)
        layer = FirstLayer(embed=layer.embed, head=layer.exact_head)  # float64: equal values
    else:
        model, X, task = _logistic()
        codec = FrameCodec(X)

        def predict(array):
            return model_outputs(model, codec.decode(array), task)

        rows, bg = codec.encode(X.iloc[:10]), codec.encode(X.sample(20, random_state=1))
        layer = first_layer(model, codec.decode, task)
    # one budget for both (with a layer the default budget is larger)
    same = {"seed": 3, "target_error": 0.02, "max_permutations": DEFAULT_MAX_PERMUTATIONS}
    fast = estimate_shapley(predict, rows, bg, **same, layer=layer)
    slow = estimate_shapley(predict, rows, bg, **same)
    assert np.any(fast.refined_permutations > 0)
    np.testing.assert_array_equal(fast.refined_permutations, slow.refined_permutations)
    np.testing.assert_allclose(fast.values, slow.values, atol=1e-12)
    np.testing.assert_allclose(fast.errors, slow.errors, atol=1e-12)


def test_rows_valued_from_a_first_layer_get_the_larger_budget():
    """A row whose coalitions come from the first layer may have up to
    ``LAYER_MAX_PERMUTATIONS`` orderings; by calling the model, ``DEFAULT_MAX_PERMUTATIONS``.
    A target no row can reach shows each budget."""
    from model.estimate import first_layer
    from model.explain import FrameCodec, model_outputs

    model, X, task = _logistic()
    codec = FrameCodec(X)

    def predict(array):
        return model_outputs(model, codec.decode(array), task)

    rows, bg = codec.encode(X.iloc[:2]), codec.encode(X.sample(50, random_state=1))
    layered = estimate_shapley(
        predict, rows, bg, seed=3, target_error=1e-7, layer=first_layer(model, codec.decode, task)
    )
    assert list(layered.permutations) == [LAYER_MAX_PERMUTATIONS] * 2
    assert not layered.converged.any()
    plain = estimate_shapley(predict, rows[:1], bg, seed=3, target_error=1e-7)
    assert list(plain.permutations) == [DEFAULT_MAX_PERMUTATIONS]


def test_the_larger_budget_goes_to_the_target_not_to_telling_a_tie_apart():
    """Two features with the same weight and the same background values tie exactly: their
    order is never told apart. Within the target, such a row stops at the default budget,
    with a first layer as without one."""
    from sklearn.linear_model import LogisticRegression

    from model.estimate import first_layer
    from model.explain import FrameCodec, model_outputs

    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    X["b"] = X["a"]
    model = LogisticRegression().fit(X, (X["a"] + X["c"] > 0).astype(int))
    model.coef_ = np.array([[1.0, 1.0, 0.3, -0.2]])
    codec = FrameCodec(X)

    def predict(array):
        return model_outputs(model, codec.decode(array), "binary")

    rows, bg = codec.encode(X.iloc[:1]), codec.encode(X.iloc[100:150])
    layer = first_layer(model, codec.decode, "binary")
    tied = estimate_shapley(predict, rows, bg, seed=3, target_error=0.05, layer=layer)
    assert tied.converged.all() and not tied.top_resolved.any()
    assert list(tied.permutations) == [DEFAULT_MAX_PERMUTATIONS]
