"""Section i: sampled Shapley estimates of 30-feature models against shap's PermutationExplainer.

A deck of rows (5,000 in the full run) of scikit-learn's breast cancer data, resampled with a
little noise, is explained by ``model.estimate.estimate_shapley`` to its target (every
contribution within 0.01 in probability, all of a row's at once, 95%), for a logistic
regression and an MLP. Then a few of those rows are explained by shap's PermutationExplainer
(same model, same 50-row independent background) at doubling budgets until it is as accurate
as our values on the same rows, both measured against a high-budget reference of ours with
another seed: no larger largest error, no lower top-feature agreement. Its time per row at that
budget, times the deck's rows, is the baseline (extrapolated, not run on the whole deck: at
equal accuracy it would take hours). When shap does not get there within its largest budget,
its time at that budget is used, so the ratio is then an upper bound of ours over it.

Besides the ratio, the deck's time is compared with the 3 minutes it must stay under, and one
row explained on its own (as for a row outside the deck) with 1 second.

Text (``bench_text``): a deck of maintenance notes (15-40 words from a vocabulary of about
190, a few of them telling the outcome) and a numeric column, a TF-IDF + LogisticRegression
pipeline, explained word by word by ``model.explain_text.explain_text`` as publishing does.
Baseline: the same explanation with the model called on every coalition (the text rebuilt and
vectorised for each), as before the word layer, on a few rows, its time per row times the
deck's rows. Accuracy: the largest word error and the top word's agreement with a reference of
another seed at a 2.5 times tighter target, on those rows (goal: 95%).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.report import Row, timed
from model.config import DEFAULT_BACKGROUND_SIZE, SEED
from model.estimate import (
    LAYER_MAX_PERMUTATIONS,
    estimate_shapley,
    first_layer,
    target_error_for,
)
from model.explain import FrameCodec, model_outputs

__all__ = ["bench_estimate", "bench_text", "shap_permutation_values"]

SECTION = "i estimate"
DECK_SECONDS = 180.0
ROW_SECONDS = 1.0
#: shap's budgets tried, in permutations (each forward and backward) per row.
SHAP_PERMUTATIONS = (4, 8, 16, 32, 64, 128, 256)


@dataclass
class _Case:
    name: str
    model: object
    codec: FrameCodec
    rows: np.ndarray
    background: np.ndarray

    def predict(self, array: np.ndarray) -> np.ndarray:
        return model_outputs(self.model, self.codec.decode(array), "binary")


def _cases(deck_rows: int, hidden: int) -> list[_Case]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.default_rng(SEED)
    picked = rng.integers(len(X), size=deck_rows)
    noise = rng.normal(scale=0.05, size=(deck_rows, X.shape[1])) * X.std().to_numpy()
    deck = pd.DataFrame(X.to_numpy()[picked] + noise, columns=X.columns)
    background = X.sample(DEFAULT_BACKGROUND_SIZE, random_state=SEED)
    codec = FrameCodec(pd.concat([X, background]))
    models = {
        "LogisticRegression": LogisticRegression(max_iter=2000),
        f"MLPClassifier({hidden})": MLPClassifier((hidden,), max_iter=500, random_state=SEED),
    }
    cases = []
    for name, final in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = make_pipeline(StandardScaler(), final).fit(X, y)
        cases.append(_Case(name, model, codec, codec.encode(deck), codec.encode(background)))
    return cases


def shap_permutation_values(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    permutations: int,
    seed: int,
) -> np.ndarray:
    """shap's PermutationExplainer with ``permutations`` (forward and backward) per row over
    the whole background as an independent masker, ``(n, M)`` for a one-output ``predict``."""
    import shap

    m = rows.shape[1]
    explainer = shap.explainers.Permutation(
        lambda a: predict(a)[:, 0],
        shap.maskers.Independent(background, max_samples=len(background)),
        seed=seed,
    )
    result = explainer(rows, max_evals=permutations * (2 * m + 1), silent=True)
    return np.asarray(result.values, dtype=float).reshape(len(rows), m)


def _accuracy(values: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Largest absolute error and the share of rows whose top feature agrees."""
    top = np.abs(values).argmax(axis=1) == np.abs(reference).argmax(axis=1)
    return float(np.max(np.abs(values - reference))), float(top.mean())


def bench_estimate(
    deck_rows: int,
    calibration_rows: int,
    quick: bool,
    log: Callable[[str], None] = print,
) -> list[Row]:
    """Rows of section i: per model, our deck time against shap at equal accuracy, against 3
    minutes, and one row on its own against 1 second. Goals only in the full run: a quick run
    is a smoke test of a few rows."""
    rows: list[Row] = []
    hidden = 16 if quick else 100
    budgets = SHAP_PERMUTATIONS[:2] if quick else SHAP_PERMUTATIONS
    # A quick run aims at 0.05: a smoke test of every step in seconds, not a measurement.
    target = 0.05 if quick else target_error_for("binary", np.zeros(0))
    # None: publishing's budget (DEFAULT_MAX_PERMUTATIONS, or LAYER_MAX_PERMUTATIONS where
    # coalitions come from the first layer, as for these models)
    budget = 500 if quick else None
    for case in _cases(deck_rows, hidden):
        layer = first_layer(case.model, case.codec.decode, "binary")
        start, cpu = time.perf_counter(), time.process_time()
        ours = estimate_shapley(
            case.predict,
            case.rows,
            case.background,
            seed=SEED,
            target_error=target,
            max_permutations=budget,
            layer=layer,
        )
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        log(
            f"  {case.name}: {deck_rows} rows in {seconds:.1f} s ({cpu:.0f} CPU s), stated error "
            f"{ours.stated_error:.4f}, {ours.converged.mean():.1%} converged, top feature told "
            f"apart on {ours.top_resolved.mean():.1%}, {ours.permutations.mean():.0f} orderings "
            "per row"
        )
        row_seconds = min(_one_row_seconds(case, target, layer, budget) for _ in range(3))
        sample = case.rows[:calibration_rows]
        reference = estimate_shapley(
            case.predict,
            sample,
            case.background,
            seed=SEED + 1,
            target_error=target / 2.5,
            max_permutations=4 * (budget or LAYER_MAX_PERMUTATIONS),
            layer=layer,
        ).values[:, :, 0]
        our_error, our_top = _accuracy(ours.values[:calibration_rows, :, 0], reference)
        shap_per_row, reached, used = _shap_at_equal_accuracy(
            case, sample, reference, our_error, our_top, budgets, log
        )
        shap_seconds = shap_per_row * deck_rows
        note = (
            f"ours: largest error {our_error:.4f}, top feature {our_top:.0%} on "
            f"{calibration_rows} rows; shap at {used} permutations"
            + ("" if reached else " did not reach it (ratio is an upper bound)")
            + f", {shap_per_row:.2f} s/row x {deck_rows}; {cpu:.0f} CPU s"
        )
        label = f"{case.name}, {deck_rows} rows"
        rows += [
            Row(SECTION, f"{label} vs shap Permutation at equal accuracy", seconds, shap_seconds,
                "s", note=note),
            Row(SECTION, f"{label} vs 3 minutes", seconds, DECK_SECONDS, "s",
                goal=None if quick else ("<=", 1.0),
                note=f"stated error {ours.stated_error:.4f}, {ours.converged.sum():,} of "
                f"{len(ours.converged):,} rows converged (the others reached the budget first)"),
            Row(SECTION, f"{case.name}, one row on its own vs 1 s", row_seconds, ROW_SECONDS,
                "s", goal=None if quick else ("<=", 1.0)),
        ]  # fmt: skip
    return rows


def _shap_at_equal_accuracy(case, sample, reference, our_error, our_top, budgets, log):
    """shap's seconds per row at the first budget as accurate as ours, whether one was, and
    that budget (the largest tried if none was)."""
    per_row, used = 0.0, budgets[-1]
    shap_permutation_values(case.predict, sample[:1], case.background, 1, seed=SEED)  # warm-up
    for permutations in budgets:
        start = time.perf_counter()
        values = shap_permutation_values(
            case.predict, sample, case.background, permutations, seed=SEED
        )
        per_row = (time.perf_counter() - start) / len(sample)
        error, top = _accuracy(values, reference)
        log(
            f"    shap, {permutations} permutations: largest error {error:.4f}, top feature "
            f"{top:.0%}, {per_row:.2f} s/row"
        )
        if error <= our_error and top >= our_top:
            return per_row, True, permutations
        used = permutations
    return per_row, False, used


def _one_row_seconds(case: _Case, target: float, layer, budget: int | None) -> float:
    """Seconds to explain the deck's last row on its own, as a row outside the deck is."""
    start = time.perf_counter()
    estimate_shapley(
        case.predict,
        case.rows[-1:],
        case.background,
        seed=SEED,
        target_error=target,
        max_permutations=budget,
        layer=layer,
    )
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Text: words as players


def _notes(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """``n`` maintenance notes of 15-40 words and a numeric column, and their outcome."""
    rng = np.random.default_rng(seed)
    good = "great excellent reliable fast smooth quiet sturdy clean precise stable efficient solid"
    bad = "broken slow noisy leaking cracked faulty late worn loose rusty overheating clogged"
    good_words, bad_words = good.split(), bad.split()
    filler = "the pump was checked on site by our team and it valve motor seal"
    neutral = [f"part{i}" for i in range(150)] + filler.split()
    notes, hours, labels = [], [], []
    for _ in range(n):
        words = list(rng.choice(neutral, rng.integers(15, 40)))
        score = rng.normal()
        for _ in range(rng.integers(1, 5)):
            positive = rng.random() < 0.5
            word = rng.choice(good_words if positive else bad_words)
            words.insert(rng.integers(len(words) + 1), word)
            score += 1 if positive else -1
        notes.append(" ".join(words).capitalize() + ".")
        hours.append(rng.normal())
        labels.append(int(score + 0.5 * hours[-1] > 0))
    return pd.DataFrame({"note": notes, "hours": hours}), pd.Series(labels, name="ok")


def bench_text(
    deck_rows: int, calibration_rows: int, quick: bool, log: Callable[[str], None] = print
) -> list[Row]:
    """Rows of section i for text: the deck against the model called on every coalition, one
    row against 1 s, and the top word's agreement with a high-budget reference."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    import model.explain_text as explain_text_module
    from model.explain_text import OTHER_WORDS, explain_text

    X, y = _notes(2_000, SEED)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(), "note"), ("num", StandardScaler(), ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression(C=10, max_iter=1000))])
    pipeline.fit(X, y)
    deck, _ = _notes(deck_rows, SEED + 1)
    background = X.sample(DEFAULT_BACKGROUND_SIZE, random_state=SEED)
    target = 0.05 if quick else target_error_for("binary", np.zeros(0))

    def explain(rows, **options):
        return explain_text(pipeline, rows, background, "binary", top_words=100, **options)

    start, cpu = time.perf_counter(), time.process_time()
    ours = explain(deck, target_error=target)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    sample = deck.iloc[:calibration_rows]
    layer = explain_text_module._text_layer
    explain_text_module._text_layer = lambda *args: None  # the model on every coalition
    try:
        start = time.perf_counter()
        explain(sample, target_error=target)
        per_row = (time.perf_counter() - start) / len(sample)
    finally:
        explain_text_module._text_layer = layer
    one_row = min(timed(lambda: explain(deck.iloc[-1:], target_error=target)) for _ in range(3))
    reference = explain(sample, seed=SEED + 1, target_error=target / 2.5)

    def words(explanation):
        table = explanation.words[explanation.words["word"] != OTHER_WORDS]
        return table.set_index(["row_id", "word"])["contribution"]

    mine = words(ours)
    mine = mine[mine.index.get_level_values("row_id").isin(sample.index.astype(str))]
    theirs = words(reference)
    error = float(np.max(np.abs(mine - theirs.loc[mine.index])))
    top = mine.abs().groupby(level="row_id").idxmax()
    agree = float((top == theirs.abs().groupby(level="row_id").idxmax().loc[top.index]).mean())
    log(
        f"  text: {deck_rows} rows in {seconds:.1f} s ({cpu:.0f} CPU s), stated error "
        f"{ours.estimate_error:.4f}, {ours.converged} converged, top player told apart on "
        f"{ours.top_resolved}; without the word layer {per_row:.2f} s/row; top word agrees on "
        f"{agree:.0%} of {calibration_rows} rows, largest word error {error:.4f}"
    )
    label = f"text (TF-IDF + LogisticRegression), {deck_rows} rows"
    note = (
        f"stated error {ours.estimate_error:.4f}, {ours.converged} of {deck_rows} converged, "
        f"top player told apart on {ours.top_resolved}; baseline: the model called on every "
        f"coalition, {per_row:.2f} s/row on {calibration_rows} rows x {deck_rows}"
    )
    accuracy = (
        f"{calibration_rows} rows against a reference of another seed at a 2.5x tighter "
        f"target; largest word error {error:.4f}"
    )
    return [
        Row(SECTION, f"{label} vs the model on every coalition", seconds, per_row * deck_rows,
            "s", note=note),
        Row(SECTION, "text, one row on its own vs 1 s", one_row, ROW_SECONDS, "s",
            goal=None if quick else ("<=", 1.0)),
        Row(SECTION, "text: rows whose top word agrees with the reference", 100 * agree, 95.0,
            "%", goal=None if quick else (">=", 1.0), note=accuracy),
    ]  # fmt: skip
