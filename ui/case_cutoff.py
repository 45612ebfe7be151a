"""One case's decision in the words of the Sprint demo's counts: a binary prototype flags a
case from the threshold at which its errors cost least (as the Bake-off and Present step 1
count), so the predictions table, the SME review card and Present step 4 say "Flagged" or
"Not flagged" at that threshold, and "unsure" means close to it. Where no such threshold is
known (no labels, no costs, a multiclass model) the model's own class stays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.costs import load_assumptions
from model.cutoff_decisions import Cutoff, decide, sureness
from model.metrics import BINARY
from model.outcomes import class_in_sentence
from model.workspace import Prototype, Workspace
from ui import sprint_summary
from ui.cached_bakeoff import sprint_costs
from ui.cached_prototype import predictions_outline
from ui.cached_workspace import workspace_stamp
from ui.formatting import class_in_words, percent, prediction_in_words

__all__ = [
    "FLAGGED_COLUMN",
    "cheapest_cutoff",
    "cheapest_errors",
    "case_headline",
    "counted_at_caption",
    "cutoff_headline",
    "cutoff_sureness_text",
    "filter_help",
    "flagged_column",
    "likeliest_classes_text",
    "queue_order_note",
    "table_note",
]

#: The predictions table's column of the decision at the cut-off.
FLAGGED_COLUMN = "flagged"
#: (minimum sureness, words), as ``review_card.CONFIDENCE_WORDS``.
_SURE_WORDS = ((0.9, "very sure"), (0.6, "fairly sure"), (0.3, "not very sure"))


def cheapest_errors(ws: Workspace, proto: Prototype):
    """The binary ``proto``'s priced errors at its cheapest threshold, as the Bake-off prices
    them (``model.recommend.PrototypeCost.errors``), or None when they cannot be priced (no
    labels, costs that fail) or price no threshold."""
    if proto.task != BINARY:
        return None
    path = str(ws.path)
    try:  # a sprint that cannot be priced (a prototype's name edited badly) has no cut-off
        assumptions = load_assumptions(path).to_dict()
        stamp = workspace_stamp(ws, [proto.sprint])
        costs = sprint_costs(path, proto.sprint, assumptions, (), stamp)
    except ValueError:
        return None
    errors = next((c.errors for c in costs if c.name == proto.name), None)
    if errors is None or errors.outcome is None or errors.threshold is None:
        return None
    return errors


def cheapest_cutoff(ws: Workspace, proto: Prototype) -> Cutoff | None:
    """The cut-off the Sprint demo's counts flag ``proto``'s cases from, or None where they
    count its own classes: no priced threshold, or one priced on only some of its demo rows
    (the Bake-off's rows shared by the sprint's prototypes)."""
    errors = cheapest_errors(ws, proto)
    if errors is None:
        return None
    rows = predictions_outline(*_key(ws, proto))["rows"]
    if errors.n_rows != rows:
        return None
    classes = [str(c) for c in proto.meta.get("classes") or []]
    try:
        return Cutoff.of(classes, errors.outcome.positive, errors.threshold)
    except ValueError:
        return None


def case_headline(ws: Workspace, proto: Prototype, row: pd.Series) -> str:
    """One demo row's prediction in words, as the counts decide it: ``cutoff_headline`` at
    the cheapest cut-off where one is known, else ``formatting.prediction_in_words``."""
    cutoff = cheapest_cutoff(ws, proto)
    if cutoff is not None and cutoff.column in row.index:
        return cutoff_headline(float(row[cutoff.column]), cutoff, proto.meta)
    return prediction_in_words(row["predicted"], row.get("confidence"), proto.meta)


def _key(ws: Workspace, proto: Prototype) -> tuple:
    return (str(ws.path), proto.sprint, proto.name, proto.content_id)


def _chance(value: float) -> str:
    """A chance to a tenth, as the cut-off beside it: "9.6%", "17.1%" (a trial read "17%
    chance (flagged from 17.1%)" on a flagged case)."""
    return f"{value:.1%}"


def _lower(name: str) -> str:
    return name[:1].lower() + name[1:] if name[1:] == name[1:].lower() else name


def cutoff_headline(chance: float, cutoff: Cutoff, meta: Mapping) -> str:
    """The case's decision at ``cutoff``: "Flagged as readmitted: 9.6% chance (flagged from
    6.7%, the cheapest cut-off)", "Not flagged: 3.1% chance of readmitted (flagged from
    6.7%, the cheapest cut-off)"."""
    positive = _lower(class_in_words(cutoff.positive, meta))
    shown, threshold = _chance(chance), _chance(cutoff.threshold)
    if shown == threshold and chance != cutoff.threshold:  # 17.14% beside 17.13%
        shown, threshold = f"{chance:.2%}", f"{cutoff.threshold:.2%}"
    at = f"(flagged from {threshold}, the cheapest cut-off)"
    if cutoff.threshold <= 0:  # "flagged from 0.0%" read as a rule: it flags every case
        at = "(the cheapest cut-off, 0.0%, flags every case)"
    if decide(chance, cutoff) == cutoff.positive:
        return f"Flagged as {positive}: {shown} chance {at}"
    of = class_in_sentence(class_in_words(cutoff.positive, meta))
    return f"Not flagged: {shown} chance of {of} {at}"


def counted_at_caption(
    noun: str, positive: str, threshold: float, every: bool, short: bool = False
) -> str:
    """Under the Sprint demo's counts of a binary model: the cut-off they are counted at
    (``short``: one line of the Overview's list). Where that cut-off flags ``every`` case (an
    "always no" model, every case 0 %) it says so, not "flagged from a 0.0% chance", as the
    Bake-off's card does (``bakeoff_words.every_case_sentence``)."""
    if every and short:
        return (
            f"It flags every {noun}: its cheapest cut-off, {threshold:.1%}, is at or below "
            "every chance it gives."
        )
    if every:
        return (
            f"Counted as on the Bake-off, at the cut-off where its errors cost least under the "
            f"cost assumptions ({threshold:.1%}): there it flags every {noun}, so catching every "
            f"{class_in_sentence(positive)} says nothing of telling them apart (on the Bake-off "
            "you may try other cut-offs)."
        )
    if short:
        return (
            f"Flagged from a {threshold:.1%} chance of {class_in_sentence(positive)}, its cheapest."
        )
    return sprint_summary.flagged_at_caption(noun, positive, threshold)


def cutoff_sureness_text(chance: float, cutoff: Cutoff) -> str | None:
    """How sure the decision at ``cutoff`` is, measured as how far the chance is from it on
    the way to 0 % or 100 % (``model.cutoff_decisions.sureness``)."""
    sure = sureness(chance, cutoff)
    if not np.isfinite(sure):
        return None
    for limit, words in _SURE_WORDS:
        if sure >= limit:
            return f"The model is {words} about this one."
    return f"Unsure: this one is close to the {cutoff.threshold:.1%} cut-off."


def queue_order_note(cutoff: Cutoff) -> str:
    """Under the "least confident first" queue: what "least confident" means at ``cutoff``."""
    return (
        f"Least confident first: the cases whose chance is closest to the {cutoff.threshold:.1%}"
        " cut-off the counts flag from, measured as a share of the way from it to 0% (below) or"
        " 100% (above)."
    )


def flagged_column(rows: pd.DataFrame, cutoff: Cutoff) -> pd.Series:
    """The predictions table's "Flagged" cell of each row: "Yes" where its chance of the
    positive class is at least ``cutoff``'s threshold, else "No"."""
    chance = rows[cutoff.column].to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(chance >= cutoff.threshold, "Yes", "No"), index=rows.index)


def table_note(cutoff: Cutoff, meta: Mapping) -> str:
    """Above the predictions table: its "Flagged" column is the counts' decision, its
    "Predicted" column the model's own class; the filters go by the Flagged column."""
    positive = class_in_sentence(class_in_words(cutoff.positive, meta))
    when = (  # a cut-off of 0 flags every case: "at least 0.0%" read as a rule
        "every case, as the counts above flag them all at the cheapest cut-off"
        if cutoff.threshold <= 0
        else f"as the counts above flag a case, when its chance of {positive} is at least "
        f"{cutoff.threshold:.1%}, the cheapest cut-off"
    )
    return (
        f"Flagged: {when}. Likelier class: the class the model "
        "itself finds likelier (from 50%). The filters Flagged as, Right and Wrong go by the "
        "Flagged column."
    )


def filter_help(cutoff: Cutoff, meta: Mapping) -> str:
    """The help of the predictions table's class filter at ``cutoff``: what each class picks."""
    positive = class_in_words(cutoff.positive, meta)
    negative = class_in_words(cutoff.negative, meta)
    return (
        f"{positive}: the cases flagged (Flagged: Yes, a chance of "
        f"{class_in_sentence(positive)} of at least {cutoff.threshold:.1%}); {negative}: those "
        "not flagged. Right and Wrong "
        "compare that decision with the actual outcome."
    )


def likeliest_classes_text(
    probabilities: Mapping[str, float], meta: Mapping, most: int = 3
) -> str | None:
    """A multiclass card's likeliest classes with their chances: "Likeliest: Account access
    24%, Technical 22%, Billing 19%" (``most`` of them; None for two classes or fewer)."""
    if len(probabilities) <= 2:
        return None
    ranked = sorted(probabilities.items(), key=lambda item: -float(item[1]))[:most]
    said = ", ".join(f"{class_in_words(c, meta)} {percent(float(p))}" for c, p in ranked)
    return f"Likeliest: {said}"
