"""Telling a row's top feature apart from the next, for ``model.estimate``.

``TopPairs`` is the paired test of the two largest contributions over full rounds;
``TopRefinement`` goes on with orderings of a few top features only once a row's half-widths
meet the target (see ``model.estimate``'s docstring for the why and the measured cost).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MOST_REFINED", "TOP_LEVEL", "TopPairs", "TopRefinement"]

#: The one-sided confidence at which a row's top feature is told apart from the next.
TOP_LEVEL = 0.995
#: The most features a row's top feature is refined among (``TopRefinement``): two
#: coalitions each per ordering, where a full ordering has ``M - 1``.
MOST_REFINED = 7


class TopPairs:
    """Whether each row's largest contribution is told apart from the next, on every output.

    The test is on the difference of the two, sample by sample (paired: both come from the
    same orderings): the gap between their sizes must exceed the one-sided Student quantile
    at ``TOP_LEVEL`` times the standard error of the difference, its variance pooled within
    background rows as for the values. The difference's spread is summed over the rounds since
    that pair became the top two (at least the last checkpoint's rounds); with fewer than two
    such rounds only the stricter test of the half-widths counts (the gap larger than both
    half-widths together, which holds whatever the two's correlation). Measured on a
    30-feature MLP: the difference's standard deviation is about 0.76 times the sum of the
    two's, and one comparison needs no Bonferroni share.
    """

    def __init__(self, n: int, b: int, c: int):
        self.pair = np.full((n, 2, c), -1)  # the pair summed, smaller index first
        self.since = np.zeros((n, c), dtype=int)  # rounds summed since it became the pair
        # Per row, sum of a, b, a**2, b**2 and a*b of the pair's samples, per background row
        # and output.
        self.sums = np.zeros((n, 5, b, c))

    def update(self, active, samples, values, errors, done) -> np.ndarray:
        from scipy.stats import t

        k, rounds, b, m, c = samples.shape
        if m < 2:
            return np.ones(k, dtype=bool)
        size = np.abs(values)
        order = np.argsort(-size, axis=1, kind="stable")[:, :2]  # (k, 2, C)
        pair = np.sort(order, axis=1)
        kept = np.all(self.pair[active] == pair, axis=1)  # (k, C)
        sums, since = self.sums[active], self.since[active]
        sums *= kept[:, None, None, :]
        since *= kept
        first = np.take_along_axis(samples, pair[:, None, None, :1, :], axis=3)[:, :, :, 0]
        second = np.take_along_axis(samples, pair[:, None, None, 1:, :], axis=3)[:, :, :, 0]
        sums += np.stack(
            [first, second, first * first, second * second, first * second], axis=1
        ).sum(axis=2)  # (k, 5, b, C)
        since += rounds
        self.pair[active], self.sums[active], self.since[active] = pair, sums, since
        top = np.take_along_axis(size, order, axis=1)  # (k, 2, C)
        gap = top[:, 0] - top[:, 1]
        signs = np.take_along_axis(np.sign(values), pair, axis=1).prod(axis=1)  # (k, C)
        s_a, s_b, q_a, q_b, q_ab = (sums[:, i] for i in range(5))  # (k, b, C)
        r = np.maximum(since, 1)[:, None, :]
        within = (
            (q_a - s_a * s_a / r)
            + (q_b - s_b * s_b / r)
            - 2 * signs[:, None] * (q_ab - s_a * s_b / r)
        ).sum(axis=1)  # (k, C)
        degrees = b * np.maximum(since - 1, 1)
        standard_error = np.sqrt(np.maximum(within, 0.0) / degrees / (done * b))
        paired = (since >= 2) & (gap > t.ppf(TOP_LEVEL, degrees) * standard_error)
        strict = gap > np.take_along_axis(errors, order, axis=1).sum(axis=1)
        return np.all(paired | strict, axis=1)


class TopRefinement:
    """The top feature of rows whose half-widths meet the target, told apart with orderings
    that evaluate a few features only: the top two and any other still within reach of them
    (``T``, at most ``MOST_REFINED`` features, and fewer than half of the row's).

    From one ordering, a feature's marginal contribution needs two coalitions (the features
    before it, with and without it) instead of the ``M - 1`` of a full ordering. These samples
    come from the same orderings and background rows as a full round's, so they pool with the
    rounds'. The values of ``T`` are then split into their sum ``s`` (from the rounds only,
    like every other value: the row stays additive exactly) and their differences from their
    mean (from all of the row's orderings): ``value_i = s / t + mean_i - mean over T``.
    The top is told apart from the next by the same paired test as ``TopPairs``: the gap
    between their sizes against its own standard error, pooled within background rows. Of one
    sign, ``s`` cancels from that gap (the difference of their means over all orderings); of
    opposite signs, the gap depends on ``s`` too, and so does its standard error.

    Errors: each refined value is a linear combination of the samples of ``T``'s features
    (the rounds' with one set of weights, the later orderings' with another), so its variance
    follows from their pooled covariance (estimated from the later orderings), and its
    half-width is Student's t at the rounds' Bonferroni level over the row's ``M``
    contributions, as for every other value (``model.estimate._mean_and_half_width``): all
    of the row's contributions are within their half-widths at once with 95% confidence, as
    before. That
    variance starts at the rounds' variance of each value and falls towards that of ``s / t``.
    The float32 rounding margin is added in proportion to the weights' total size.

    The other features keep their rounds' values and half-widths (about the target), less
    precise than the refined ones: the top is told apart only if it is also clear of all of
    them (its size less its half-width above each one's size plus its half-width, which holds
    whatever their correlation). ``T`` is chosen so that they are already clear of ``T``'s mean
    size (which the largest refined size always reaches) less half of ``T``'s largest
    half-width. A row with no such ``T`` goes on with full rounds, which refine every value.
    """

    def __init__(self, n: int, m: int, b: int):
        from scipy.stats import t

        self.m, self.b = m, b
        self.most = min(MOST_REFINED, (m - 2) // 2)  # two coalitions each, fewer than M - 1
        self.quantile = lambda degrees: t.ppf(1 - 0.025 / m, degrees)
        self.top_quantile = lambda degrees: t.ppf(TOP_LEVEL, degrees)
        most = self.most
        self.features = np.full((n, most), -1)
        self.count = np.zeros(n, dtype=int)
        self.rounds = np.zeros(n, dtype=int)  # full rounds, when refining started
        self.later = np.zeros(n, dtype=int)  # rounds of the chosen features only since
        self.total = np.zeros(n)  # s: the rounds' sum of T's values
        self.sums = np.zeros((n, most, b))  # per feature and background row, all orderings
        self.later_sums = np.zeros((n, b, most))  # the later orderings' sums and products
        self.products = np.zeros((n, b, most, most))

    def can_start(self, rows, total, values, errors, done) -> np.ndarray:
        """Which of ``rows`` (their half-widths within the target, their top feature not told
        apart after ``done`` rounds) go on with a few features only; those start."""
        start = np.zeros(len(rows), dtype=bool)
        for i, row in enumerate(rows):
            chosen = self._choose(values[row, :, 0], errors[row, :, 0])
            if chosen is None:
                continue
            start[i], t = True, len(chosen)
            self.features[row, :t], self.count[row] = chosen, t
            self.rounds[row], self.later[row] = done, 0
            self.total[row] = values[row, chosen, 0].sum()
            self.sums[row, :t] = total[row, :, chosen, 0]
            self.later_sums[row], self.products[row] = 0.0, 0.0
        return start

    def _choose(self, values, errors):
        """``T`` for one row: its two largest, then whichever other feature reaches furthest
        while any reaches ``T``'s mean size less half its largest half-width; None if there is
        no such ``T`` of at most ``self.most`` features."""
        size = np.abs(values)
        reach = size + errors
        chosen = list(np.argsort(-size, kind="stable")[:2])
        while True:
            # The largest refined size is at least their mean size; their half-widths shrink.
            clear = abs(values[chosen].sum()) / len(chosen) - errors[chosen].max() / 2
            others = reach.copy()
            others[chosen] = -np.inf
            if others.max() < clear:
                return np.array(chosen)
            if len(chosen) >= self.most:
                return None
            chosen.append(int(others.argmax()))

    def groups(self, rows):
        """``(rows, features (k, t))`` per number of features ``t`` among ``rows``."""
        for t in np.unique(self.count[rows]):
            these = rows[self.count[rows] == t]
            yield these, self.features[these, :t]

    def update(self, rows, samples, done, values, errors, rounding) -> np.ndarray:
        """Adds the samples ``(k, rounds, b, t)`` of ``rows``' chosen features after ``done``
        rounds in all, sets their refined values and errors in ``values`` and ``errors``, and
        says whether each row's top feature is told apart."""
        k, r, b, t = samples.shape
        self.later[rows] += r
        self.sums[rows, :t] += samples.sum(axis=1).transpose(0, 2, 1)
        self.later_sums[rows, :, :t] += samples.sum(axis=1)
        self.products[rows, :, :t, :t] += np.einsum("krbi,krbj->kbij", samples, samples)
        told = np.zeros(k, dtype=bool)
        ready = self.later[rows] >= 2  # before, no spread yet: the rounds' values stand
        if np.any(ready):
            told[ready] = self._refine(rows[ready], t, done, values, errors, rounding[ready])
        return told

    def _refine(self, rows, t, done, values, errors, rounding) -> np.ndarray:
        k, b, later = len(rows), self.b, self.later[rows]
        # Pooled within-background-row covariance of the chosen features, (k, t, t).
        sums = self.later_sums[rows, :, :t]
        within = self.products[rows, :, :t, :t]
        within -= np.einsum("kbi,kbj->kbij", sums, sums) / later[:, None, None, None]
        degrees = b * (later - 1)
        covariance = within.sum(axis=1) / degrees[:, None, None]
        means = self.sums[rows, :t].sum(axis=2) / (done * b)  # (k, t): all orderings
        refined = self.total[rows][:, None] / t + means - means.mean(axis=1, keepdims=True)
        # Weights of each rounds' sample (first) and each later one on every refined value.
        first = self.rounds[rows] * b
        spread = (np.eye(t) - 1 / t)[None] / (done * b)  # (1, t, t)
        on_first = 1 / (t * first)[:, None, None] + spread  # (k, t, t)
        on_later = np.broadcast_to(spread, (k, t, t))
        later_samples = (done * b - first)[:, None]

        def variance(on_first, on_later):  # of the combinations with these weights
            on_first_part = np.einsum("k...i,kij,k...j->k...", on_first, covariance, on_first)
            on_later_part = np.einsum("k...i,kij,k...j->k...", on_later, covariance, on_later)
            return np.maximum(
                first.reshape(-1, *[1] * (on_first.ndim - 2)) * on_first_part
                + later_samples.reshape(-1, *[1] * (on_first.ndim - 2)) * on_later_part,
                0.0,
            )

        weight = first[:, None] * np.abs(on_first).sum(axis=2)
        weight += later_samples * np.abs(on_later).sum(axis=2)
        half_width = (
            self.quantile(degrees)[:, None] * np.sqrt(variance(on_first, on_later))
            + rounding[:, None] * weight
        )
        features = self.features[rows, :t]
        values[rows[:, None], features, 0] = refined
        errors[rows[:, None], features, 0] = half_width

        size = np.abs(refined)
        order = np.argsort(-size, axis=1, kind="stable")
        lead, next_ = order[:, :1], order[:, 1:2]
        index = np.arange(k)
        gap = (np.take_along_axis(size, lead, 1) - np.take_along_axis(size, next_, 1))[:, 0]
        # The gap is |lead| - |next|: a combination of the samples with these weights. Of one
        # sign, s cancels and it is the difference of their means over all orderings.
        signs = np.sign(refined)[:, :, None]
        on_gap = [
            (np.take_along_axis(signs * on, lead[:, :, None], 1)
             - np.take_along_axis(signs * on, next_[:, :, None], 1))[:, 0]
            for on in (on_first, on_later)
        ]  # fmt: skip
        paired = gap > self.top_quantile(degrees) * np.sqrt(variance(*on_gap))
        both = np.take_along_axis(half_width, lead, 1) + np.take_along_axis(half_width, next_, 1)
        strict = gap > both[:, 0]
        # Clear of every other feature, the gap larger than both half-widths.
        reach = np.abs(values[rows, :, 0]) + errors[rows, :, 0]
        reach[index[:, None], features] = -np.inf
        clear = np.take_along_axis(size - half_width, lead, 1)[:, 0]
        return (paired | strict) & (clear > reach.max(axis=1))
