"""The sampled Shapley estimator: the quantity exact_shapley computes, seeded, additive, each
row on its own, and within its stated error of a reference on models of more than 12 features."""

from __future__ import annotations

import numpy as np
import pytest

from model.estimate import Estimate, estimate_shapley, target_error_for
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
