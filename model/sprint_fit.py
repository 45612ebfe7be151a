"""Whether a new publish fits its sprint and the prototype it replaces, checked before
anything is written. A bake-off compares prototypes that predict the same thing on one
positive class, and a re-published name keeps its verdicts, which were given on what it
predicted before: a classifier re-published as a regression of another target would carry
them as that target's training labels."""

from __future__ import annotations

import pandas as pd

from model.estimator_contract import PublishError
from model.prototype import Prototype, labels_agree, read_parquet, same_question

__all__ = ["check_fits_sprint"]

#: What a task predicts, in words.
PREDICTS = {"binary": "two classes", "multiclass": "classes", "regression": "numbers"}


def check_fits_sprint(
    published: list[Prototype], sprint: str, name: str, meta: dict, predictions: pd.DataFrame
) -> None:
    """Raise ``PublishError`` with one line if the prototype ``name`` about to be published
    in ``sprint`` (its ``meta`` and ``predictions``) predicts another kind of thing than the
    sprint's ``published`` prototypes, counts another positive class, or, re-published,
    answers another question than the version it replaces (another task, or another named
    target whose labels disagree on the rows both were published on)."""
    for theirs in published:
        other = theirs.name
        if other == name:
            _check_same_question(sprint, name, theirs, meta, predictions)
            continue
        if theirs.task != meta["task"]:
            raise PublishError(
                f"{other!r} in {sprint!r} predicts {PREDICTS[theirs.task]} and this model "
                f"{PREDICTS[meta['task']]}: the Bake-off compares prototypes that predict the "
                "same thing; publish it in a sprint of its own"
            )
        positive, their_positive = meta.get("positive_class"), theirs.meta.get("positive_class")
        if positive is not None and their_positive is not None and their_positive != positive:
            if their_positive not in meta.get("classes", []):  # 0/1 beside "no"/"yes"
                raise PublishError(
                    f"{other!r} in {sprint!r} predicts the labels "
                    f"{', '.join(map(repr, theirs.meta.get('classes') or []))} and this model "
                    f"{', '.join(map(repr, meta.get('classes') or []))}: the Bake-off compares "
                    "them on one; train it on y in the same labels, or publish it in another "
                    "sprint"
                )
            raise PublishError(
                f"{other!r} in {sprint!r} counts {their_positive!r} as the positive class and "
                f"this model {positive!r}: the Bake-off compares them on one; publish with "
                f"positive_class={their_positive!r} (--positive-class), or in another sprint"
            )


def _check_same_question(sprint, name, previous, meta: dict, predictions) -> None:
    if same_question(previous.meta, meta) or (
        previous.task == meta["task"] and _labels_agree(previous, predictions)
    ):
        return
    before = previous.meta.get("target") or "its target"
    now = meta.get("target") or "an unnamed target"
    raise PublishError(
        f"{name!r} in {sprint!r} predicts {before} ({PREDICTS[previous.task]}) and this model "
        f"{now} ({PREDICTS[meta['task']]}); its verdicts were given on the first: publish "
        "this model under another name"
    )


def _labels_agree(previous, predictions: pd.DataFrame) -> bool:
    """Whether the new labels agree with the previous version's (a target renamed between
    publishes is the same question)."""
    if "actual" not in predictions.columns:
        return False
    try:
        before = read_parquet(previous.path / "predictions.parquet", columns=["actual"])
    except (OSError, KeyError, ValueError):
        return False
    return labels_agree(before["actual"], predictions["actual"], previous.task == "regression")
