"""The words of the Bake-off's "Where they disagree" tab about how it decides each prototype's
label: at the cut-off the counts flag a case from, or the model's own class
(``model.bakeoff.disagreements``)."""

from __future__ import annotations

from collections.abc import Mapping

from model.cutoff_decisions import Cutoff
from model.metrics import MULTICLASS
from model.outcomes import class_in_sentence

__all__ = ["cutoffs_caption"]


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _at(name: str, cutoff: Cutoff, noun: str) -> str:
    if cutoff.threshold <= 0:  # "from 0.0%" read as a rule: it flags every case
        return f"{name} flags every one of the {noun} (its cheapest cut-off is 0.0%)"
    return f"{name} from {cutoff.threshold:.1%}"


def cutoffs_caption(
    cutoffs: Mapping[str, Cutoff | None],
    task: str | None,
    noun: str = "cases",
    class_names: Mapping[str, str] | None = None,
) -> str:
    """How the tab decides each prototype's label (``cutoffs`` by name, None for its own
    class), in the words of its ``noun`` (plural) and ``class_names``: "Compared as the counts
    above, the SME card and SME review decide: each prototype flags as investigate the claims
    whose chance of it reaches its cheapest cut-off, rules from 7.0%, …"."""
    if task == MULTICLASS:
        return "Compared by the class each prototype finds likeliest."
    at = {name: cutoff for name, cutoff in cutoffs.items() if cutoff is not None}
    own = [name for name, cutoff in cutoffs.items() if cutoff is None]
    if not at:
        return (
            "Compared by the class each prototype finds likelier (from 50%): with no labelled "
            "demo rows to price their errors, none has a cheapest cut-off to flag from."
        )
    positive = next(iter(at.values())).positive
    words = class_in_sentence((class_names or {}).get(positive, positive))
    text = (
        "Compared as the counts above, the SME card and SME review decide: each prototype "
        f"flags as {words} the {noun} whose chance of it reaches its cheapest cut-off, "
        f"{_names([_at(name, cutoff, noun) for name, cutoff in at.items()])}."
    )
    if own:
        they = "its" if len(own) == 1 else "their"
        text += (
            f" {_names(own)}: {they} own likelier class (from 50%), as no cheapest cut-off is "
            "known for " + ("it." if len(own) == 1 else "them.")
        )
    return text
