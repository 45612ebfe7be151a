"""The room's language for the bake-off: what each metric measures, outcomes in counts with
words ("57 caught", "11 missed"), and the unit of what a regression predicts.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from model.metrics import ERROR_METRICS, METRICS, MULTICLASS, REGRESSION
from model.outcomes import BinaryOutcome, binary_cells
from model.outcomes import singular as _singular
from model.right_values import target_unit

__all__ = [
    "LABEL_ROWS",
    "METRIC_HELP",
    "applicable_rows",
    "binary_confusion",
    "count_table",
    "disagreement_caption",
    "every_case_sentence",
    "flags_every_case",
    "segment_caption",
    "singular",
    "statistics_caption",
    "target_unit",
]


#: What each metric measures, in words a manager reads (the help beside its name).
METRIC_HELP = {
    "pr_auc": "How well the prototype ranks real positives above the rest, weighted toward "
    "the cases it flags first: 1 is perfect; a prototype guessing at random scores the share "
    "of positives.",
    "roc_auc": "The chance that a random positive gets a higher score than a random negative: "
    "1 is perfect, 0.5 is guessing.",
    "recall@p90": "The share of positives caught while at least 9 in 10 of the cases flagged "
    "are real.",
    "f1": "A balance of the share of positives caught and the share of flags that are right.",
    "precision": "Of the cases flagged, the share that were real.",
    "recall": "Of the real positives, the share that were flagged.",
    "accuracy": "The share of cases given the right label.",
    "balanced_accuracy": "The share given the right label, each class counting equally.",
    "log_loss": "How far the probabilities are from what happened: lower is better.",
    "brier": "The mean squared gap between the probability and what happened: lower is better.",
    "macro_f1": "The balance of caught and right flags, averaged over the classes.",
    "rmse": "The typical size of an error, large errors weighing more: lower is better.",
    "mae": "The average size of an error: lower is better.",
    "r2": "The share of the variation in the target the predictions explain: 1 is perfect.",
}


def singular(noun: str) -> str:
    """``machines`` → ``machine``; ``demo rows`` → ``demo row``; ``policies`` → ``policy``
    (``model.outcomes.singular``: one rule for every page, not "a policie")."""
    return _singular(noun)


def binary_confusion(
    outcome: BinaryOutcome, class_names: Mapping | None, noun: str
) -> pd.DataFrame:
    """A binary outcome's confusion matrix in counts with words: rows ``Actually <name>``,
    columns ``Predicted <name>`` (the positive class first), each cell a count and what it is
    ("57 caught", "11 missed", "38 false alarms", "1,894 left alone"; the headers name the
    classes, ``binary_cells`` says it in full)."""
    cells = binary_cells(outcome, class_names, noun)
    positive, negative = cells["actual"].iloc[0], cells["actual"].iloc[-1]
    words = ["caught", "missed", "false alarms", "left alone"]
    table = pd.DataFrame(
        index=[f"Actually {positive}", f"Actually {negative}"],
        columns=[f"Predicted {positive}", f"Predicted {negative}"],
        dtype=object,
    )
    for cell, word in zip(cells.itertuples(), words, strict=True):
        if cell.count == 1 and word == "false alarms":
            word = "false alarm"
        table.loc[f"Actually {cell.actual}", f"Predicted {cell.decided}"] = f"{cell.count:,} {word}"
    return table


def count_table(confusion: pd.DataFrame) -> pd.DataFrame:
    """``model.outcomes.confusion_table`` with its counts as text ("1,234")."""
    return confusion.map(lambda n: f"{int(n):,}")


def segment_caption(metric_key: str, feature: str, noun: str) -> str:
    """What the "Per segment" table shows, in words a manager reads: what a figure measures
    and which way is better, without the metric's name ("PR AUC" stays under the technical
    details)."""
    info = METRICS.get(metric_key)
    what = METRIC_HELP.get(metric_key, "")
    better = ""
    if info is not None and "is better" not in what:
        better = "Higher is better. " if info.higher_is_better else "Lower is better. "
    what = f": {what[0].lower()}{what[1:].rstrip('.')}" if what else ""
    # Where a segment has no score: one class only, or for a regression's R², one value only
    # (an error's size is always defined).
    undefined = (
        ""
        if metric_key in ERROR_METRICS
        else f" “—”: no score there (all its {noun} had the same "
        f"{'value' if metric_key == 'r2' else 'outcome'})."
    )
    return (
        f"{better}Each figure scores a prototype on the {noun} of one value of {feature}{what}. "
        f"Few {noun} in a segment make a rough figure: read big gaps, not small ones.{undefined}"
    )


def disagreement_caption(start: int, shown: int, total: int, task: str | None) -> str:
    """What the page of disagreeing rows shows: which rows, and what the percentages are. A
    two-class prototype's are the chance of the positive class; a multiclass prototype has no
    positive class: its column is its confidence in the class it predicts ("lightgbm:
    confidence 31%" read as "of the positive class" for a 5-queue sprint)."""
    which = f"Rows {start + 1:,}–{start + shown:,} of {total:,}, the most split first; "
    if task == MULTICLASS:
        return which + "each confidence is that prototype's chance for the class it predicts."
    return which + "probabilities are of the positive class."


def statistics_caption(attrs: Mapping, label: str, reference: str, task: str | None) -> str:
    """What the score table's interval, verdict and McNemar p mean, under it. McNemar compares
    which rows two prototypes get right: a two-class prototype's labels come from its
    threshold, a multiclass prototype's are the class it gives the highest chance (it has no
    threshold). A regression has neither labels nor a threshold: its caption leaves McNemar
    out, as its table does (:func:`applicable_rows`)."""
    if task == REGRESSION:
        return (
            f"{label} on all {attrs['n_rows']:,} demo rows with its {attrs['confidence']:.0%} "
            f"interval ({attrs['method']}, {attrs['n_resamples']:,} resamples). "
            f"vs {reference}: the difference on the same rows and the interval of that paired "
            "difference; the verdict says better or worse only when that interval excludes "
            "zero. Dominated: another prototype scores at least as well for at most the "
            "compute cost."
        )
    right = (
        "which rows each gets right (its label: the class it gives the highest chance)"
        if task == MULTICLASS
        else "right and wrong labels at each prototype's threshold"
    )
    return (
        f"{label} on all {attrs['n_rows']:,} demo rows with its {attrs['confidence']:.0%} "
        f"interval ({attrs['method']}, {attrs['n_resamples']:,} resamples). "
        f"vs {reference}: the difference on the same rows and the interval of that paired "
        "difference; the verdict says better or worse only when that interval excludes zero. "
        "McNemar p: how likely the two would differ this much in which rows they get right "
        "if they were equally good. The two answer different questions: the verdict is about "
        f"{label}, McNemar about {right}, so a "
        "small p beside “no detectable difference” means they get different rows right "
        f"without a clear difference in {label}. Dominated: another prototype scores at "
        "least as well for at most the compute cost."
    )


#: Rows of the bake-off's comparison table about right and wrong labels, which a regression
#: does not have: each of its cells said "—" under a classifier's explanation.
LABEL_ROWS = ("McNemar p",)


def applicable_rows(view: pd.DataFrame, task: str | None) -> pd.DataFrame:
    """``comparison_view``'s figures that apply to the ``task``: a regression's without
    :data:`LABEL_ROWS` (it predicts a number: no labels, no threshold)."""
    if task != REGRESSION:
        return view
    return view.drop(index=[row for row in LABEL_ROWS if row in view.index])


def flags_every_case(outcome: BinaryOutcome) -> bool:
    """True where a two-class prototype's threshold is at or below its lowest chance on the
    demo rows: it flags every one of them (and so "catches" every positive)."""
    total = outcome.positives + outcome.negatives
    return outcome.threshold is not None and total > 0 and outcome.flagged == total


def every_case_sentence(
    outcome: BinaryOutcome,
    chances: tuple[float, float] | None,
    positive: str,
    noun: str,
    counts: str = "",
) -> str | None:
    """What a prototype that flags every case does, before its ``counts`` in words ("Caught
    91 of 91 …", which a nurse read as an "always no" model catching everyone); None where it
    flags fewer. ``chances`` are the lowest and highest chance of the ``positive`` class (in
    words) it gives the demo rows; where they are the same it cannot tell the ``noun`` apart."""
    if not flags_every_case(outcome):
        return None
    one = singular(noun)
    every = f"it flags every {one}, all {outcome.positives + outcome.negatives:,}"
    if chances is not None and chances[1] - chances[0] < 1e-12:
        said = (
            f"It cannot tell {noun} apart: its chance of {positive} is the same for every "
            f"{one} ({chances[0]:.1%}), so {every}."
        )
    else:
        lowest = f" ({chances[0]:.1%})" if chances is not None else ""
        said = (
            f"At {outcome.threshold:.1%}, at or below the lowest chance it gives any {one}"
            f"{lowest}, {every}."
        )
    return f"{said} {counts}".strip()
