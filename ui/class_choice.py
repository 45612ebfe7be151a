"""A multiclass card's "Why Billing? / Why not Refunds?": which classes the card offers to
explain, how the choice is worded, and the explanation of the class chosen.

An SME who thinks a case belongs to the second likeliest class asks why the model did not
choose it: the answer is that class's own contributions (a multiclass prototype stores one
SHAP frame per class), what pushes towards it and what pushes away from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from model import review
from model.metrics import MULTICLASS
from model.workspace import open_workspace
from ui.formatting import class_in_words, percent

__all__ = ["choice_label", "choices", "class_explanation", "why_not_text"]

#: How many classes a card offers to explain: the predicted one and the next likeliest.
MOST_CLASSES = 3


def choices(
    probabilities: Mapping[str, float], predicted: str, task: str, most: int = MOST_CLASSES
) -> list[str]:
    """The classes a card offers to explain: ``predicted`` first, then the next likeliest, up
    to ``most`` in all; empty for a binary or regression model (one explanation says it all)
    or without the chances of three classes."""
    if task != MULTICLASS or len(probabilities) <= 2 or predicted not in probabilities:
        return []
    others = sorted(
        (c for c in probabilities if c != predicted), key=lambda c: -float(probabilities[c])
    )
    return [predicted, *others[: most - 1]]


def choice_label(label: str, predicted: str, meta: Mapping) -> str:
    """A choice as the card offers it, the class named as the card names it: "Why Billing?"
    for the predicted class, "Why not Account access?" for another."""
    name = class_in_words(label, meta)
    return f"Why {name}?" if label == predicted else f"Why not {name}?"


def why_not_text(
    label: str, predicted: str, probabilities: Mapping[str, float], meta: Mapping
) -> str | None:
    """Above the reasons of a class the model did not choose: both chances, and what the
    reasons and bars below show: "The model gives Account access a 5.6% chance against 94.2%
    for Billing. Below: what pushes this case towards Account access and what pushes it
    away." None for the predicted class."""
    if label == predicted:
        return None
    name, chosen = class_in_words(label, meta), class_in_words(predicted, meta)
    return (
        f"The model gives {name} a {percent(float(probabilities[label]))} chance against "
        f"{percent(float(probabilities[predicted]))} for {chosen}. Below: what pushes this "
        f"case towards {name} and what pushes it away."
    )


def class_explanation(
    path: str, sprint: str, prototype: str, row_id: str, label: str, case: str | None = None
) -> dict:
    """The explanation of class ``label`` for one card, in the shape of ``Workspace.explain``
    with the card's ``row_id``: a demo row's (``row_id``) as stored, or explained now; an own
    case's (``case``, its entered values as sorted JSON) explained for that class."""
    if case is not None:
        proto = open_workspace(path, create=False).prototype(sprint, prototype)
        return review.explain_own_case(proto, json.loads(case), label)
    explained = open_workspace(path, create=False).explain(sprint, prototype, row_id, label)
    return {**explained, "row_id": row_id}
